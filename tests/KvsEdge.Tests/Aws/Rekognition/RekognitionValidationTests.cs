using KvsEdge.Aws;

namespace KvsEdge.Tests.Aws.Rekognition;

/// <summary>Bad arguments fail before anything is sent: the listener must see no request.</summary>
public sealed class RekognitionValidationTests
{
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xD9];
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/not")]
    [InlineData("colon:not")]
    public async Task Collection_ids_outside_the_pattern_are_rejected(string collectionId)
    {
        await using var h = new RekognitionHarness();

        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(() => h.Client.CreateCollectionAsync(collectionId, Ct));

        Assert.Equal("collectionId", ex.ParamName);
        Assert.Empty(h.Listener.Requests);
    }

    [Fact]
    public async Task Collection_ids_longer_than_255_are_rejected()
    {
        await using var h = new RekognitionHarness();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => h.Client.DescribeCollectionAsync(new string('a', 256), Ct));
        Assert.Contains("at most 255", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Listener.Requests);
    }

    [Fact]
    public void Collection_id_of_255_allowed_characters_is_accepted() =>
        RekognitionClient.ValidateCollectionId(new string('a', 250) + "_.-Z9");

    [Theory]
    [InlineData("has space")]
    [InlineData("slash/no")]
    public async Task External_image_ids_outside_the_pattern_are_rejected(string externalImageId)
    {
        await using var h = new RekognitionHarness();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => h.Client.IndexFacesAsync(
            "door", RekognitionImage.FromBytes(Jpeg), new IndexFacesOptions { ExternalImageId = externalImageId }, Ct));

        Assert.Contains("external image id", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Listener.Requests);
    }

    [Fact]
    public void External_image_ids_allow_colons_and_at_most_255_characters()
    {
        RekognitionClient.ValidateExternalImageId("alice:front_1.v-2");
        Assert.Throws<ArgumentException>(() => RekognitionClient.ValidateExternalImageId(new string('x', 256)));
    }

    [Fact]
    public void Image_bytes_over_5_MB_or_empty_are_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => RekognitionImage.FromBytes(new byte[RekognitionImage.MaxBytes + 1]));
        Assert.Contains("5 MB", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => RekognitionImage.FromBytes(ReadOnlyMemory<byte>.Empty));
        Assert.Equal(RekognitionImage.MaxBytes, RekognitionImage.FromBytes(new byte[RekognitionImage.MaxBytes]).Bytes!.Value.Length);
    }

    [Fact]
    public void S3_images_need_bucket_and_name()
    {
        Assert.Throws<ArgumentException>(() => RekognitionImage.FromS3(new S3Object { Bucket = "", Name = "a.jpg" }));
        Assert.Throws<ArgumentException>(() => RekognitionImage.FromS3(new S3Object { Bucket = "b", Name = "" }));
        Assert.Throws<ArgumentNullException>(() => RekognitionImage.FromS3(null!));
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(100.1f)]
    [InlineData(float.NaN)]
    public async Task Face_match_thresholds_outside_0_to_100_are_rejected(float threshold)
    {
        await using var h = new RekognitionHarness();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => h.Client.SearchFacesByImageAsync(
            "door", RekognitionImage.FromBytes(Jpeg), new SearchFacesByImageOptions { FaceMatchThreshold = threshold }, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => h.Client.CreateStreamProcessorAsync(
            new FaceSearchStreamProcessorDefinition
            {
                Name = "door",
                KinesisVideoStreamArn = "arn:aws:kinesisvideo:eu-west-1:123456789012:stream/door/1",
                KinesisDataStreamArn = "arn:aws:kinesis:eu-west-1:123456789012:stream/door",
                RoleArn = "arn:aws:iam::123456789012:role/r",
                CollectionId = "door",
                FaceMatchThreshold = threshold,
            },
            Ct));
        Assert.Empty(h.Listener.Requests);
    }

    [Fact]
    public async Task Counts_outside_the_documented_ranges_are_rejected()
    {
        await using var h = new RekognitionHarness();
        var image = RekognitionImage.FromBytes(Jpeg);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => h.Client.IndexFacesAsync("door", image, new IndexFacesOptions { MaxFaces = 0 }, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => h.Client.SearchFacesByImageAsync("door", image, new SearchFacesByImageOptions { MaxFaces = 4097 }, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => h.Client.ListFacesAsync("door", null, 4097, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => h.Client.ListFacesAsync("door", null, -1, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => h.Client.ListStreamProcessorsAsync(null, 0, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => h.Client.DeleteFacesAsync("door", [], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => h.Client.DeleteFacesAsync("door", [.. Enumerable.Repeat("x", 4097)], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => h.Client.DeleteFacesAsync("door", [""], Ct));
        Assert.Empty(h.Listener.Requests);
    }

    [Theory]
    [InlineData("")]
    [InlineData("door processor")]
    public async Task Stream_processor_names_outside_the_pattern_are_rejected(string name)
    {
        await using var h = new RekognitionHarness();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => h.Client.StartStreamProcessorAsync(name, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => h.Client.StopStreamProcessorAsync(name, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => h.Client.DescribeStreamProcessorAsync(name, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => h.Client.DeleteStreamProcessorAsync(name, Ct));
        Assert.Empty(h.Listener.Requests);
    }

    [Fact]
    public async Task Stream_processor_names_longer_than_128_are_rejected()
    {
        await using var h = new RekognitionHarness();
        await Assert.ThrowsAsync<ArgumentException>(() => h.Client.StartStreamProcessorAsync(new string('p', 129), Ct));
        Assert.Empty(h.Listener.Requests);
    }
}

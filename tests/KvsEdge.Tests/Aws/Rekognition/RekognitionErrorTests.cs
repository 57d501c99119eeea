using KvsEdge.Aws;
using KvsEdge.TestSupport;
using R = KvsEdge.TestSupport.RekognitionWireResponses;

namespace KvsEdge.Tests.Aws.Rekognition;

public sealed class RekognitionErrorTests
{
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xD9];

    public static TheoryData<string, Type> Errors => new()
    {
        { "InvalidParameterException", typeof(AwsInvalidArgumentException) },
        { "ResourceAlreadyExistsException", typeof(AwsResourceAlreadyExistsException) },
        { "ResourceNotFoundException", typeof(AwsResourceNotFoundException) },
        { "ResourceInUseException", typeof(AwsResourceInUseException) },
        { "ImageTooLargeException", typeof(AwsInvalidArgumentException) },
        { "InvalidImageFormatException", typeof(AwsInvalidArgumentException) },
        { "InvalidS3ObjectException", typeof(AwsInvalidArgumentException) },
        { "ProvisionedThroughputExceededException", typeof(AwsThrottlingException) },
        { "ThrottlingException", typeof(AwsThrottlingException) },
        { "LimitExceededException", typeof(AwsThrottlingException) },
        { "AccessDeniedException", typeof(AwsAccessDeniedException) },
        { "InternalServerError", typeof(AwsServiceException) },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Error_bodies_map_to_typed_exceptions(string type, Type expected)
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue("SearchFacesByImage", R.Error(type, "boom"));

        var ex = await Assert.ThrowsAnyAsync<AwsServiceException>(
            () => h.Client.SearchFacesByImageAsync("door", RekognitionImage.FromBytes(Jpeg), null, CancellationToken.None));

        h.AssertNoWireFailures();
        Assert.IsType(expected, ex);
        Assert.Equal(type, ex.ErrorCode);
        Assert.Contains("Rekognition SearchFacesByImage failed", ex.Message, StringComparison.Ordinal);
        Assert.Contains("boom", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.RequestId);
        Assert.False(RekognitionClient.IsNoFaceInImage(ex));
    }

    [Fact]
    public async Task No_face_in_the_image_is_recognised()
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue("SearchFacesByImage", R.NoFacesInImage());

        var ex = await Assert.ThrowsAsync<AwsInvalidArgumentException>(
            () => h.Client.SearchFacesByImageAsync("door", RekognitionImage.FromBytes(Jpeg), null, CancellationToken.None));

        h.AssertNoWireFailures();
        Assert.True(RekognitionClient.IsNoFaceInImage(ex));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, ex.StatusCode);
    }

    [Fact]
    public async Task Other_invalid_parameter_errors_are_not_no_face()
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue("SearchFacesByImage", R.InvalidParameter("Request has invalid parameters"));

        var ex = await Assert.ThrowsAsync<AwsInvalidArgumentException>(
            () => h.Client.SearchFacesByImageAsync("door", RekognitionImage.FromBytes(Jpeg), null, CancellationToken.None));

        Assert.False(RekognitionClient.IsNoFaceInImage(ex));
    }

    [Fact]
    public void IsNoFaceInImage_needs_the_invalid_parameter_code()
    {
        var wrongCode = new AwsServiceException(R.NoFacesMessage, "ResourceNotFoundException", System.Net.HttpStatusCode.BadRequest, null);
        Assert.False(RekognitionClient.IsNoFaceInImage(wrongCode));
        Assert.Throws<ArgumentNullException>(() => RekognitionClient.IsNoFaceInImage(null!));
    }

    [Fact]
    public async Task Creating_an_existing_collection_throws_already_exists()
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue("CreateCollection", R.ResourceAlreadyExists());

        var ex = await Assert.ThrowsAsync<AwsResourceAlreadyExistsException>(
            () => h.Client.CreateCollectionAsync("door", CancellationToken.None));

        Assert.Contains("already exists", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Helper_error_bodies_map_as_documented()
    {
        await using var h = new RekognitionHarness();
        h.Listener
            .Enqueue("DescribeStreamProcessor", R.ResourceNotFound())
            .Enqueue("DeleteStreamProcessor", R.ResourceInUse())
            .Enqueue("IndexFaces", R.ImageTooLarge())
            .Enqueue("IndexFaces", R.InvalidImageFormat())
            .Enqueue("ListFaces", R.Throttling())
            .Enqueue("ListFaces", R.ProvisionedThroughputExceeded())
            .Enqueue("ListStreamProcessors", R.AccessDenied());
        var image = RekognitionImage.FromBytes(Jpeg);
        var ct = CancellationToken.None;

        await Assert.ThrowsAsync<AwsResourceNotFoundException>(() => h.Client.DescribeStreamProcessorAsync("door", ct));
        await Assert.ThrowsAsync<AwsResourceInUseException>(() => h.Client.DeleteStreamProcessorAsync("door", ct));
        await Assert.ThrowsAsync<AwsInvalidArgumentException>(() => h.Client.IndexFacesAsync("door", image, null, ct));
        await Assert.ThrowsAsync<AwsInvalidArgumentException>(() => h.Client.IndexFacesAsync("door", image, null, ct));
        await Assert.ThrowsAsync<AwsThrottlingException>(() => h.Client.ListFacesAsync("door", null, null, ct));
        await Assert.ThrowsAsync<AwsThrottlingException>(() => h.Client.ListFacesAsync("door", null, null, ct));
        await Assert.ThrowsAsync<AwsAccessDeniedException>(() => h.Client.ListStreamProcessorsAsync(null, null, ct));
        h.AssertNoWireFailures();
    }
}

using System.Net;
using System.Text;
using KvsEdge.Aws;
using static KvsEdge.Tests.Aws.KinesisVideo.KinesisVideoTestSupport;

namespace KvsEdge.Tests.Aws.KinesisVideo;

public sealed class KinesisVideoErrorMappingTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 5, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => CancellationToken.None;

    /// <summary>AWS REST-JSON: the code is only in x-amzn-ErrorType (with a ":namespace" suffix), the body has "message".</summary>
    private static RecordingHandler HeaderError(string code, HttpStatusCode status, string message = "boom") =>
        new RecordingHandler().Respond(() =>
        {
            var response = new HttpResponseMessage(status)
            {
                Content = new StringContent($$"""{"message":"{{message}}"}""", Encoding.UTF8, "application/json"),
            };
            response.Headers.TryAddWithoutValidation("x-amzn-ErrorType", code + ":http://internal.amazon.com/coral/com.amazonaws.kinesis.video/");
            response.Headers.TryAddWithoutValidation("x-amzn-RequestId", "req-kvs");
            return response;
        });

    [Theory]
    [InlineData("ResourceNotFoundException", HttpStatusCode.NotFound, typeof(AwsResourceNotFoundException))]
    [InlineData("ResourceInUseException", HttpStatusCode.BadRequest, typeof(AwsResourceInUseException))]
    [InlineData("ClientLimitExceededException", HttpStatusCode.BadRequest, typeof(AwsThrottlingException))]
    [InlineData("NotAuthorizedException", HttpStatusCode.Unauthorized, typeof(AwsAccessDeniedException))]
    [InlineData("InvalidArgumentException", HttpStatusCode.BadRequest, typeof(AwsInvalidArgumentException))]
    [InlineData("AccountStreamLimitExceededException", HttpStatusCode.BadRequest, typeof(AwsServiceException))]
    public async Task Control_plane_errors_map_from_the_header(string code, HttpStatusCode status, Type expected)
    {
        var handler = HeaderError(code, status);
        using var client = Control(handler);

        var ex = await Assert.ThrowsAnyAsync<AwsServiceException>(() => client.DescribeStreamAsync("front-door", Ct));

        Assert.IsType(expected, ex);
        Assert.Equal(code, ex.ErrorCode);
        Assert.Equal(status, ex.StatusCode);
        Assert.Equal("req-kvs", ex.RequestId);
        Assert.Contains("Kinesis Video DescribeStream", ex.Message, StringComparison.Ordinal);
        Assert.Contains("boom", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NoDataRetentionException", typeof(AwsNoDataRetentionException))]
    [InlineData("MissingCodecPrivateDataException", typeof(AwsMissingCodecPrivateDataException))]
    [InlineData("InvalidCodecPrivateDataException", typeof(AwsInvalidCodecPrivateDataException))]
    [InlineData("UnsupportedStreamMediaTypeException", typeof(AwsUnsupportedStreamMediaTypeException))]
    [InlineData("ResourceNotFoundException", typeof(AwsResourceNotFoundException))]
    [InlineData("ClientLimitExceededException", typeof(AwsThrottlingException))]
    [InlineData("InvalidArgumentException", typeof(AwsInvalidArgumentException))]
    public async Task GetClip_errors_map_from_the_header_and_write_nothing(string code, Type expected)
    {
        var status = code == "ResourceNotFoundException" ? HttpStatusCode.NotFound : HttpStatusCode.BadRequest;
        var handler = HeaderError(code, status, "no clip for you");
        using var client = Archived(handler);
        using var destination = new MemoryStream();

        var ex = await Assert.ThrowsAnyAsync<AwsServiceException>(() => client.GetClipAsync(
            "front-door", Start, Start.AddMinutes(5), FragmentSelectorType.ProducerTimestamp, destination, null, Ct));

        Assert.IsType(expected, ex);
        Assert.Equal(code, ex.ErrorCode);
        Assert.Contains("Kinesis Video Archived Media GetClip", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no clip for you", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, destination.Length);
    }

    [Fact]
    public async Task Media_errors_share_a_catchable_base()
    {
        var handler = HeaderError("MissingCodecPrivateDataException", HttpStatusCode.BadRequest);
        using var client = Archived(handler);
        using var destination = new MemoryStream();

        await Assert.ThrowsAnyAsync<AwsKinesisVideoMediaException>(() => client.GetClipAsync(
            "s", Start, Start.AddMinutes(1), FragmentSelectorType.ServerTimestamp, destination, null, Ct));
    }

    [Fact]
    public async Task A_body_type_is_understood_too()
    {
        // moto (and some proxies) put the code in the body as JSON 1.1 does, with no header.
        var handler = new RecordingHandler().RespondJson(
            """{"__type":"ResourceInUseException","message":"The stream front-door already exists."}""", HttpStatusCode.BadRequest);
        using var client = Control(handler);

        var ex = await Assert.ThrowsAsync<AwsResourceInUseException>(() => client.CreateStreamAsync("front-door", 1, null, Ct));
        Assert.Contains("already exists", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Header_with_a_capitalised_Message_body()
    {
        var handler = new RecordingHandler().Respond(() =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.BadRequest)
            {
                Content = new StringContent("""{"Message":"Data retention is 0."}""", Encoding.UTF8, "application/json"),
            };
            response.Headers.TryAddWithoutValidation("x-amzn-ErrorType", "NoDataRetentionException");
            return response;
        });
        using var client = Archived(handler);
        using var destination = new MemoryStream();

        var ex = await Assert.ThrowsAsync<AwsNoDataRetentionException>(() => client.GetClipAsync(
            "s", Start, Start.AddMinutes(1), FragmentSelectorType.ServerTimestamp, destination, null, Ct));
        Assert.Contains("Data retention is 0.", ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.RequestId);
    }
}

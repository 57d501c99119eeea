using System.Net;
using System.Text;
using KvsEdge.Aws;

namespace KvsEdge.Tests.Aws;

public sealed class AwsErrorMappingTests
{
    [Theory]
    [InlineData("ProvisionedThroughputExceededException", typeof(AwsThrottlingException))]
    [InlineData("ThrottlingException", typeof(AwsThrottlingException))]
    [InlineData("LimitExceededException", typeof(AwsThrottlingException))]
    [InlineData("RequestLimitExceeded", typeof(AwsThrottlingException))]
    [InlineData("ExpiredIteratorException", typeof(AwsExpiredIteratorException))]
    [InlineData("ResourceNotFoundException", typeof(AwsResourceNotFoundException))]
    [InlineData("ResourceInUseException", typeof(AwsResourceInUseException))]
    [InlineData("AccessDeniedException", typeof(AwsAccessDeniedException))]
    [InlineData("InvalidArgumentException", typeof(AwsInvalidArgumentException))]
    [InlineData("ValidationException", typeof(AwsInvalidArgumentException))]
    [InlineData("InvalidParameterException", typeof(AwsInvalidArgumentException))]
    [InlineData("KMSDisabledException", typeof(AwsServiceException))]
    public async Task Error_type_maps_to_its_exception(string code, Type expected)
    {
        var handler = new RecordingHandler().RespondJson(
            $$"""{"__type":"{{code}}","message":"boom"}""",
            HttpStatusCode.BadRequest,
            ("x-amzn-RequestId", "req-123"));
        using var client = AwsTestClients.Kinesis(handler);

        var ex = await Assert.ThrowsAnyAsync<AwsServiceException>(() => client.DeleteStreamAsync("s", CancellationToken.None));

        Assert.IsType(expected, ex);
        Assert.Equal(code, ex.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Equal("req-123", ex.RequestId);
        Assert.Contains("boom", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DeleteStream", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Namespaced_type_and_capitalised_Message_are_understood()
    {
        var handler = new RecordingHandler().RespondJson(
            """{"__type":"com.amazonaws.kinesis.v20131202#ResourceNotFoundException","Message":"Stream s not found."}""",
            HttpStatusCode.BadRequest);
        using var client = AwsTestClients.Kinesis(handler);

        var ex = await Assert.ThrowsAsync<AwsResourceNotFoundException>(() => client.DescribeStreamSummaryAsync("s", CancellationToken.None));

        Assert.Equal("ResourceNotFoundException", ex.ErrorCode);
        Assert.Contains("Stream s not found.", ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.RequestId);
    }

    [Fact]
    public async Task Suffix_after_a_colon_is_dropped()
    {
        var handler = new RecordingHandler().RespondJson(
            """{"__type":"com.amazon.coral.validate#ValidationException:http://internal.amazon.com/coral/","message":"bad"}""",
            HttpStatusCode.BadRequest);
        using var client = AwsTestClients.Kinesis(handler);

        var ex = await Assert.ThrowsAsync<AwsInvalidArgumentException>(() => client.DeleteStreamAsync("s", CancellationToken.None));

        Assert.Equal("ValidationException", ex.ErrorCode);
    }

    [Fact]
    public async Task Error_type_header_is_used_when_the_body_has_none()
    {
        var handler = new RecordingHandler().RespondJson(
            """{"message":"Rate exceeded for shard"}""",
            HttpStatusCode.BadRequest,
            ("x-amzn-ErrorType", "ProvisionedThroughputExceededException:http://internal.amazon.com/coral/com.amazon.coral.service/"));
        using var client = AwsTestClients.Kinesis(handler);

        var ex = await Assert.ThrowsAsync<AwsThrottlingException>(() => client.GetRecordsAsync("it", null, CancellationToken.None));

        Assert.Equal("ProvisionedThroughputExceededException", ex.ErrorCode);
        Assert.Contains("Rate exceeded for shard", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_429_without_a_code_is_throttling()
    {
        var handler = new RecordingHandler().Respond(() => new HttpResponseMessage(HttpStatusCode.TooManyRequests));
        using var client = AwsTestClients.Kinesis(handler);

        var ex = await Assert.ThrowsAsync<AwsThrottlingException>(() => client.GetRecordsAsync("it", null, CancellationToken.None));

        Assert.Null(ex.ErrorCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, ex.StatusCode);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task Non_json_server_errors_keep_their_status(HttpStatusCode status)
    {
        var handler = new RecordingHandler().Respond(() => new HttpResponseMessage(status)
        {
            Content = new StringContent("<html><body>Bad gateway</body></html>", Encoding.UTF8, "text/html"),
        });
        using var client = AwsTestClients.Kinesis(handler);

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => client.ListShardsAsync("s", null, CancellationToken.None));

        Assert.Equal(status, ex.StatusCode);
        Assert.Null(ex.ErrorCode);
        Assert.Contains(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("com.amazonaws.kinesis.v20131202#ExpiredIteratorException", "ExpiredIteratorException")]
    [InlineData("ExpiredIteratorException", "ExpiredIteratorException")]
    [InlineData("ValidationException:http://internal.amazon.com/", "ValidationException")]
    [InlineData("a#b#ThrottlingException:x:y", "ThrottlingException")]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Error_codes_are_normalised(string? raw, string? expected) =>
        Assert.Equal(expected, AwsErrorMapper.NormalizeErrorCode(raw));
}

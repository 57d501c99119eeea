using System.Net;
using KvsEdge.Aws;
using KvsEdge.Aws.Iam;

namespace KvsEdge.Tests.Aws.Iam;

public sealed class IamErrorMappingTests
{
    private static CancellationToken Ct => CancellationToken.None;

    [Theory]
    [InlineData("NoSuchEntity", HttpStatusCode.NotFound, typeof(AwsResourceNotFoundException))]
    [InlineData("EntityAlreadyExists", HttpStatusCode.Conflict, typeof(AwsResourceAlreadyExistsException))]
    [InlineData("DeleteConflict", HttpStatusCode.Conflict, typeof(AwsResourceInUseException))]
    [InlineData("MalformedPolicyDocument", HttpStatusCode.BadRequest, typeof(AwsInvalidArgumentException))]
    [InlineData("ValidationError", HttpStatusCode.BadRequest, typeof(AwsInvalidArgumentException))]
    [InlineData("InvalidInput", HttpStatusCode.BadRequest, typeof(AwsInvalidArgumentException))]
    [InlineData("AccessDenied", HttpStatusCode.Forbidden, typeof(AwsAccessDeniedException))]
    [InlineData("Throttling", HttpStatusCode.BadRequest, typeof(AwsThrottlingException))]
    [InlineData("LimitExceeded", HttpStatusCode.Conflict, typeof(AwsServiceException))]
    [InlineData("ServiceFailure", HttpStatusCode.InternalServerError, typeof(AwsServiceException))]
    public async Task Error_code_maps_to_its_exception(string code, HttpStatusCode status, Type expected)
    {
        var handler = new RecordingHandler().RespondXml(IamTestSupport.Error(code, "boom"), status);
        using var client = IamTestSupport.Client(handler);

        var ex = await Assert.ThrowsAnyAsync<AwsServiceException>(() => client.GetRoleAsync("r", Ct));

        Assert.IsType(expected, ex);
        Assert.Equal(code, ex.ErrorCode);
        Assert.Equal(status, ex.StatusCode);
        Assert.Equal("req-err-1", ex.RequestId);
        Assert.Contains("IAM GetRole failed with " + code, ex.Message, StringComparison.Ordinal);
        Assert.Contains("boom", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoSuchEntity_keeps_the_service_message()
    {
        var handler = new RecordingHandler().RespondXml(
            IamTestSupport.Error("NoSuchEntity", "The role with name S3Access cannot be found."), HttpStatusCode.NotFound);
        using var client = IamTestSupport.Client(handler);

        var ex = await Assert.ThrowsAsync<AwsResourceNotFoundException>(() => client.GetRoleAsync("S3Access", Ct));

        Assert.Equal(
            "IAM GetRole failed with NoSuchEntity (404): The role with name S3Access cannot be found. (request id req-err-1)",
            ex.Message);
    }

    [Fact]
    public async Task AccessDenied_names_the_action()
    {
        var handler = new RecordingHandler().RespondXml(
            IamTestSupport.Error("AccessDenied", "User: arn:aws:iam::123456789012:user/door is not authorized to perform: iam:CreateRole"),
            HttpStatusCode.Forbidden);
        using var client = IamTestSupport.Client(handler);

        var ex = await Assert.ThrowsAsync<AwsAccessDeniedException>(
            () => client.CreateRoleAsync("r", RekognitionRolePolicy.TrustPolicy(), null, null, Ct));

        Assert.Contains("IAM CreateRole failed with AccessDenied (403)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("The credentials need iam:CreateRole.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Header_request_id_wins_and_errors_wrapped_in_Errors_are_understood()
    {
        var handler = new RecordingHandler().RespondXml(
            """<Response><Errors><Error><Code>EntityAlreadyExists</Code><Message>Role with name r already exists.</Message></Error></Errors><RequestID>body-id</RequestID></Response>""",
            HttpStatusCode.Conflict,
            ("x-amzn-RequestId", "header-id"));
        using var client = IamTestSupport.Client(handler);

        var ex = await Assert.ThrowsAsync<AwsResourceAlreadyExistsException>(
            () => client.CreateRoleAsync("r", RekognitionRolePolicy.TrustPolicy(), null, null, Ct));

        Assert.Equal("header-id", ex.RequestId);
        Assert.Contains("Role with name r already exists.", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<html><body>502 Bad Gateway</body></html>", HttpStatusCode.BadGateway, typeof(AwsServiceException))]
    [InlineData("", HttpStatusCode.InternalServerError, typeof(AwsServiceException))]
    [InlineData("not xml at all", HttpStatusCode.TooManyRequests, typeof(AwsThrottlingException))]
    public async Task Bodies_without_an_error_code_keep_the_status(string body, HttpStatusCode status, Type expected)
    {
        var handler = new RecordingHandler().RespondXml(body, status);
        using var client = IamTestSupport.Client(handler);

        var ex = await Assert.ThrowsAnyAsync<AwsServiceException>(() => client.DeleteRoleAsync("r", Ct));

        Assert.IsType(expected, ex);
        Assert.Null(ex.ErrorCode);
        Assert.Equal(status, ex.StatusCode);
        Assert.Contains($"IAM DeleteRole failed with HTTP error ({(int)status})", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Try_variants_turn_NoSuchEntity_into_null()
    {
        var handler = new RecordingHandler()
            .RespondXml(IamTestSupport.Error("NoSuchEntity", "no role"), HttpStatusCode.NotFound)
            .RespondXml(IamTestSupport.Error("NoSuchEntity", "no policy"), HttpStatusCode.NotFound)
            .RespondXml(IamTestSupport.Error("AccessDenied", "no"), HttpStatusCode.Forbidden);
        using var client = IamTestSupport.Client(handler);

        Assert.Null(await client.TryGetRoleAsync("r", Ct));
        Assert.Null(await client.TryGetRolePolicyAsync("r", "p", Ct));
        await Assert.ThrowsAsync<AwsAccessDeniedException>(() => client.TryGetRoleAsync("r", Ct));
    }

    [Fact]
    public void Dtds_are_refused()
    {
        var body = System.Text.Encoding.UTF8.GetBytes(
            """<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><ErrorResponse><Error><Code>&e;</Code></Error></ErrorResponse>""");

        var ex = AwsErrorMapper.MapQuery("IAM", "iam", "GetRole", HttpStatusCode.BadRequest, body, null);

        Assert.Null(ex.ErrorCode);
        Assert.DoesNotContain("root:", ex.Message, StringComparison.Ordinal);
    }
}

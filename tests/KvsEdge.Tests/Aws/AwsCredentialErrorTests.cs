using System.Net;
using KvsEdge.Aws;
using KvsEdge.Cli;
using KvsEdge.Tests.Aws.Iam;

namespace KvsEdge.Tests.Aws;

/// <summary>
/// Credentials AWS refuses (unknown key, wrong secret, expired session) read as a credentials problem with what to do,
/// never as "access denied: grant the action", which would send a person to edit policies that are fine.
/// </summary>
public sealed class AwsCredentialErrorTests
{
    [Theory]
    [InlineData("UnrecognizedClientException", "The security token included in the request is invalid.", false)]
    [InlineData("InvalidSignatureException", "The request signature we calculated does not match the signature you provided.", false)]
    [InlineData("ExpiredTokenException", "The security token included in the request is expired", true)]
    public async Task Json_services_say_the_credentials_are_not_valid_or_have_expired(string code, string serviceMessage, bool expired)
    {
        var handler = new RecordingHandler().RespondJson(
            $$"""{"__type":"{{code}}","message":"{{serviceMessage}}"}""", HttpStatusCode.BadRequest, ("x-amzn-RequestId", "req-9"));
        using var client = AwsTestClients.Kinesis(handler);

        var ex = await Assert.ThrowsAsync<AwsInvalidCredentialsException>(() => client.DeleteStreamAsync("s", CancellationToken.None));

        Assert.Equal(code, ex.ErrorCode);
        Assert.Equal(expired, ex.Expired);
        Assert.StartsWith(expired ? "The AWS credentials have expired" : "The AWS credentials are not valid", ex.Message, StringComparison.Ordinal);
        Assert.Contains(serviceMessage, ex.Message, StringComparison.Ordinal);
        Assert.Contains("Kinesis DeleteStream", ex.Message, StringComparison.Ordinal);
        Assert.Contains("req-9", ex.Message, StringComparison.Ordinal);
        // Still an access-denied failure for callers that stop on those (no retry can help).
        Assert.IsAssignableFrom<AwsAccessDeniedException>(ex);
    }

    [Theory]
    [InlineData("InvalidClientTokenId", false)]
    [InlineData("SignatureDoesNotMatch", false)]
    [InlineData("ExpiredToken", true)]
    public async Task Query_services_say_the_credentials_are_not_valid_or_have_expired(string code, bool expired)
    {
        var handler = new RecordingHandler().RespondXml(IamTestSupport.Error(code, "boom"), HttpStatusCode.Forbidden);
        using var client = IamTestSupport.Client(handler);

        var ex = await Assert.ThrowsAsync<AwsInvalidCredentialsException>(() => client.GetRoleAsync("r", CancellationToken.None));

        Assert.Equal(code, ex.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
        Assert.Equal(expired, ex.Expired);
        Assert.StartsWith(expired ? "The AWS credentials have expired" : "The AWS credentials are not valid", ex.Message, StringComparison.Ordinal);
        Assert.Contains("IAM GetRole answered " + code + ": boom", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UnrecognizedClientException", "not valid", "AWS_ACCESS_KEY_ID")]
    [InlineData("ExpiredTokenException", "have expired", "get new ones")]
    public void The_cli_says_what_to_do_and_never_asks_to_grant_an_action(string code, string reads, string remedy)
    {
        var ex = new AwsInvalidCredentialsException(
            $"The AWS credentials {(code.StartsWith("Expired", StringComparison.Ordinal) ? "have expired" : "are not valid")} (Rekognition ListFaces answered {code}).",
            code,
            HttpStatusCode.BadRequest,
            null);
        using var error = new StringWriter();

        var exitCode = CloudVerb.TryReport(ex, error);

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Contains(reads, error.ToString(), StringComparison.Ordinal);
        Assert.Contains(remedy, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Grant", error.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("access denied", error.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Access_denied_still_asks_to_grant_the_action()
    {
        using var error = new StringWriter();

        CloudVerb.TryReport(new AwsAccessDeniedException("not authorized to perform: kinesis:CreateStream", "AccessDeniedException", HttpStatusCode.BadRequest, null), error);

        Assert.Contains("Grant that action", error.ToString(), StringComparison.Ordinal);
    }
}

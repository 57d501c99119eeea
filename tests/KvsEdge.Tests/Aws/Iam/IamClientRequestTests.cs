using System.Globalization;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using KvsEdge.Aws;
using KvsEdge.Aws.Iam;

namespace KvsEdge.Tests.Aws.Iam;

public sealed partial class IamClientRequestTests
{
    private const string Trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"rekognition.amazonaws.com"},"Action":"sts:AssumeRole"}]}""";

    private static CancellationToken Ct => CancellationToken.None;

    [GeneratedRegex(
        @"^AWS4-HMAC-SHA256 Credential=(?<akid>[A-Z0-9]+)/(?<date>\d{8})/(?<region>[a-z0-9-]+)/(?<service>[a-z0-9-]+)/aws4_request, SignedHeaders=(?<signed>[a-z0-9;-]+), Signature=[0-9a-f]{64}$")]
    private static partial Regex AuthorizationPattern();

    private static Match Authorization(RecordedRequest request)
    {
        var match = AuthorizationPattern().Match(request.Headers["Authorization"]);
        Assert.True(match.Success, request.Headers["Authorization"]);
        return match;
    }

    [Fact]
    public async Task CreateRole_is_a_signed_form_post_to_the_global_endpoint_scoped_to_us_east_1()
    {
        var handler = new RecordingHandler().RespondXml(IamTestSupport.RoleXml.Replace("GetRole", "CreateRole", StringComparison.Ordinal));
        using var client = IamTestSupport.Client(handler, region: "eu-west-1");

        await client.CreateRoleAsync("kvsedge-rekognition", Trust, "Door camera face search", "/kvsedge/", Ct);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri("https://iam.amazonaws.com/"), request.Uri);
        Assert.Equal("application/x-www-form-urlencoded; charset=utf-8", request.ContentType);
        Assert.Equal(
            "Action=CreateRole&Version=2010-05-08&RoleName=kvsedge-rekognition"
            + "&AssumeRolePolicyDocument=" + Uri.EscapeDataString(Trust)
            + "&Description=Door%20camera%20face%20search&Path=%2Fkvsedge%2F",
            request.Body);
        Assert.Equal(
            [
                new("Action", "CreateRole"),
                new("Version", "2010-05-08"),
                new("RoleName", "kvsedge-rekognition"),
                new("AssumeRolePolicyDocument", Trust),
                new("Description", "Door camera face search"),
                new("Path", "/kvsedge/"),
            ],
            request.Form());
        Assert.False(request.Headers.ContainsKey("X-Amz-Target"));

        var amzDate = request.Headers["X-Amz-Date"];
        Assert.True(DateTime.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.None, out _), amzDate);
        var match = Authorization(request);
        Assert.Equal(AwsTestClients.AccessKeyId, match.Groups["akid"].Value);
        Assert.Equal(amzDate[..8], match.Groups["date"].Value);
        Assert.Equal("us-east-1", match.Groups["region"].Value);
        Assert.Equal("iam", match.Groups["service"].Value);
        Assert.EndsWith("/us-east-1/iam/aws4_request", request.Headers["Authorization"].Split(',')[0], StringComparison.Ordinal);
        var signed = match.Groups["signed"].Value.Split(';');
        Assert.Contains("host", signed);
        Assert.Contains("x-amz-date", signed);
        Assert.DoesNotContain("x-amz-security-token", signed);
        Assert.DoesNotContain(AwsTestClients.SecretKey, request.Headers["Authorization"], StringComparison.Ordinal);
        Assert.Equal("us-east-1", client.SigningRegion);
    }

    [Fact]
    public async Task Optional_CreateRole_fields_are_omitted()
    {
        var handler = new RecordingHandler().RespondXml(IamTestSupport.RoleXml.Replace("GetRole", "CreateRole", StringComparison.Ordinal));
        using var client = IamTestSupport.Client(handler);

        await client.CreateRoleAsync("r", Trust, null, null, Ct);

        Assert.Equal(
            ["Action", "Version", "RoleName", "AssumeRolePolicyDocument"],
            Assert.Single(handler.Requests).Form().Select(f => f.Key));
    }

    [Fact]
    public async Task Each_operation_sends_exactly_its_form_fields()
    {
        var handler = new RecordingHandler()
            .RespondXml(IamTestSupport.RoleXml)
            .RespondEmpty("PutRolePolicy")
            .RespondXml("""<GetRolePolicyResponse><GetRolePolicyResult><RoleName>r</RoleName><PolicyName>p</PolicyName><PolicyDocument>%7B%7D</PolicyDocument></GetRolePolicyResult></GetRolePolicyResponse>""")
            .RespondXml("""<ListRolePoliciesResponse><ListRolePoliciesResult><PolicyNames/><IsTruncated>false</IsTruncated></ListRolePoliciesResult></ListRolePoliciesResponse>""")
            .RespondEmpty("DeleteRolePolicy")
            .RespondEmpty("DeleteRole");
        using var client = IamTestSupport.Client(handler);

        await client.GetRoleAsync("r", Ct);
        await client.PutRolePolicyAsync("r", "p", """{"Version":"2012-10-17","Statement":[]}""", Ct);
        await client.GetRolePolicyAsync("r", "p", Ct);
        await client.ListRolePoliciesAsync("r", "marker/+=", 50, Ct);
        await client.DeleteRolePolicyAsync("r", "p", Ct);
        await client.DeleteRoleAsync("r", Ct);

        var forms = handler.Requests.Select(r => r.Form().Select(f => $"{f.Key}={f.Value}").ToArray()).ToList();
        Assert.Equal(["Action=GetRole", "Version=2010-05-08", "RoleName=r"], forms[0]);
        Assert.Equal(["Action=PutRolePolicy", "Version=2010-05-08", "RoleName=r", "PolicyName=p", """PolicyDocument={"Version":"2012-10-17","Statement":[]}"""], forms[1]);
        Assert.Equal(["Action=GetRolePolicy", "Version=2010-05-08", "RoleName=r", "PolicyName=p"], forms[2]);
        Assert.Equal(["Action=ListRolePolicies", "Version=2010-05-08", "RoleName=r", "Marker=marker/+=", "MaxItems=50"], forms[3]);
        Assert.Equal(["Action=DeleteRolePolicy", "Version=2010-05-08", "RoleName=r", "PolicyName=p"], forms[4]);
        Assert.Equal(["Action=DeleteRole", "Version=2010-05-08", "RoleName=r"], forms[5]);
        Assert.Contains("&Marker=marker%2F%2B%3D&", handler.Requests[3].Body, StringComparison.Ordinal);
        Assert.All(handler.Requests, r =>
        {
            Assert.Equal(HttpMethod.Post, r.Method);
            Assert.Equal("application/x-www-form-urlencoded; charset=utf-8", r.ContentType);
            Assert.Equal("iam", Authorization(r).Groups["service"].Value);
            Assert.Equal("us-east-1", Authorization(r).Groups["region"].Value);
        });
    }

    [Theory]
    [InlineData("cn-north-1", "https://iam.cn-north-1.amazonaws.com.cn/", "cn-north-1")]
    [InlineData("cn-northwest-1", "https://iam.cn-north-1.amazonaws.com.cn/", "cn-north-1")]
    [InlineData("us-gov-east-1", "https://iam.us-gov.amazonaws.com/", "us-gov-west-1")]
    [InlineData("us-gov-west-1", "https://iam.us-gov.amazonaws.com/", "us-gov-west-1")]
    [InlineData("ap-southeast-2", "https://iam.amazonaws.com/", "us-east-1")]
    [InlineData("us-east-1", "https://iam.amazonaws.com/", "us-east-1")]
    public async Task The_configured_region_only_selects_the_partition(string region, string endpoint, string signingRegion)
    {
        var handler = new RecordingHandler().RespondEmpty("DeleteRole");
        using var client = IamTestSupport.Client(handler, region: region);

        await client.DeleteRoleAsync("r", Ct);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(new Uri(endpoint), request.Uri);
        Assert.Equal(new Uri(endpoint), client.ServiceUrl);
        Assert.Equal(signingRegion, Authorization(request).Groups["region"].Value);
        Assert.Equal(signingRegion, client.SigningRegion);
    }

    [Fact]
    public async Task A_service_url_override_keeps_the_partition_signing_region()
    {
        var handler = new RecordingHandler().RespondEmpty("DeleteRole");
        using var client = IamTestSupport.Client(handler, region: "eu-west-1", serviceUrl: new Uri("http://127.0.0.1:5000/"));

        await client.DeleteRoleAsync("r", Ct);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(new Uri("http://127.0.0.1:5000/"), request.Uri);
        Assert.Equal("us-east-1", Authorization(request).Groups["region"].Value);
    }

    [Fact]
    public void An_isolated_partition_needs_an_explicit_endpoint()
    {
        var ex = Assert.Throws<AwsConfigurationException>(() => IamTestSupport.Client(new RecordingHandler(), region: "us-iso-east-1"));
        Assert.Contains("us-iso-east-1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_credentials_add_a_signed_security_token()
    {
        var handler = new RecordingHandler().RespondEmpty("DeleteRole");
        using var client = IamTestSupport.Client(
            handler,
            credentials: new SessionAWSCredentials(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey, AwsTestClients.SessionToken));

        await client.DeleteRoleAsync("r", Ct);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(AwsTestClients.SessionToken, request.Headers["X-Amz-Security-Token"]);
        Assert.Contains("x-amz-security-token", Authorization(request).Groups["signed"].Value.Split(';'));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("star*")]
    [InlineData("a/b")]
    public async Task Invalid_role_names_are_rejected_before_sending(string roleName)
    {
        var handler = new RecordingHandler();
        using var client = IamTestSupport.Client(handler);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => client.GetRoleAsync(roleName, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => client.CreateRoleAsync(roleName, Trust, null, null, Ct));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task Role_names_longer_than_64_and_bad_paths_are_rejected()
    {
        var handler = new RecordingHandler();
        using var client = IamTestSupport.Client(handler);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => client.GetRoleAsync(new string('a', 65), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => client.CreateRoleAsync("r", Trust, null, "kvsedge", Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => client.CreateRoleAsync("r", Trust, null, "/kvsedge", Ct));
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => client.ListRolePoliciesAsync("r", null, 0, Ct));
        Assert.Empty(handler.Requests);
    }
}

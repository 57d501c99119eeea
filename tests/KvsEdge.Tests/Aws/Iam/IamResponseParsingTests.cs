using KvsEdge.Aws.Iam;

namespace KvsEdge.Tests.Aws.Iam;

/// <summary>Responses from the IAM API reference examples (and the URL-encoded form IAM actually sends).</summary>
public sealed class IamResponseParsingTests
{
    private const string DecodedTrust =
        """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}""";

    private static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public async Task CreateRole_documented_example_is_parsed()
    {
        var handler = new RecordingHandler().RespondXml("""
            <CreateRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
              <CreateRoleResult>
                <Role>
                  <Path>/application_abc/component_xyz/</Path>
                  <Arn>arn:aws:iam::123456789012:role/application_abc/component_xyz/S3Access</Arn>
                  <RoleName>S3Access</RoleName>
                  <AssumeRolePolicyDocument>{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}</AssumeRolePolicyDocument>
                  <CreateDate>2012-05-08T23:34:01.495Z</CreateDate>
                  <RoleId>AROADBQP57FF2AEXAMPLE</RoleId>
                </Role>
              </CreateRoleResult>
              <ResponseMetadata>
                <RequestId>4a93ceee-9966-11e1-b624-b1aEXAMPLE7c</RequestId>
              </ResponseMetadata>
            </CreateRoleResponse>
            """);
        using var client = IamTestSupport.Client(handler);

        var role = await client.CreateRoleAsync("S3Access", DecodedTrust, null, "/application_abc/component_xyz/", Ct);

        Assert.Equal("S3Access", role.RoleName);
        Assert.Equal("AROADBQP57FF2AEXAMPLE", role.RoleId);
        Assert.Equal("arn:aws:iam::123456789012:role/application_abc/component_xyz/S3Access", role.Arn);
        Assert.Equal("/application_abc/component_xyz/", role.Path);
        Assert.Equal(new DateTimeOffset(2012, 5, 8, 23, 34, 1, 495, TimeSpan.Zero), role.CreateDate);
        Assert.Equal(DecodedTrust, role.AssumeRolePolicyDocument);
        Assert.Null(role.Description);
        Assert.Null(role.MaxSessionDuration);
    }

    [Fact]
    public async Task GetRole_url_encoded_trust_policy_is_decoded()
    {
        var handler = new RecordingHandler().RespondXml($"""
            <GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
              <GetRoleResult>
                <Role>
                  <Path>/</Path>
                  <Arn>arn:aws:iam::123456789012:role/kvsedge-rekognition</Arn>
                  <RoleName>kvsedge-rekognition</RoleName>
                  <AssumeRolePolicyDocument>{Uri.EscapeDataString(DecodedTrust)}</AssumeRolePolicyDocument>
                  <CreateDate>2012-05-08T23:34:01Z</CreateDate>
                  <RoleId>AROADBQP57FF2AEXAMPLE</RoleId>
                  <Description>Door camera &amp; face search</Description>
                  <MaxSessionDuration>3600</MaxSessionDuration>
                  <RoleLastUsed>
                    <LastUsedDate>2019-11-20T17:09:20Z</LastUsedDate>
                    <Region>us-east-1</Region>
                  </RoleLastUsed>
                </Role>
              </GetRoleResult>
              <ResponseMetadata>
                <RequestId>df37e965-9967-11e1-a4c3-270EXAMPLE04</RequestId>
              </ResponseMetadata>
            </GetRoleResponse>
            """);
        using var client = IamTestSupport.Client(handler);

        var role = await client.GetRoleAsync("kvsedge-rekognition", Ct);

        Assert.StartsWith("%7B%22Version%22", Uri.EscapeDataString(DecodedTrust), StringComparison.Ordinal);
        Assert.Equal(DecodedTrust, role.AssumeRolePolicyDocument);
        Assert.Equal("Door camera & face search", role.Description);
        Assert.Equal(3600, role.MaxSessionDuration);
        Assert.Equal(new DateTimeOffset(2012, 5, 8, 23, 34, 1, TimeSpan.Zero), role.CreateDate);
    }

    [Fact]
    public async Task GetRolePolicy_document_is_url_decoded()
    {
        const string policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::my bucket/*"]}]}""";
        var handler = new RecordingHandler().RespondXml($"""
            <GetRolePolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
              <GetRolePolicyResult>
                <PolicyName>S3AccessPolicy</PolicyName>
                <RoleName>S3Access</RoleName>
                <PolicyDocument>{Uri.EscapeDataString(policy)}</PolicyDocument>
              </GetRolePolicyResult>
              <ResponseMetadata>
                <RequestId>7e7cd8bc-99ef-11e1-a4c3-27EXAMPLE804</RequestId>
              </ResponseMetadata>
            </GetRolePolicyResponse>
            """);
        using var client = IamTestSupport.Client(handler);

        var result = await client.GetRolePolicyAsync("S3Access", "S3AccessPolicy", Ct);

        Assert.Equal("S3Access", result.RoleName);
        Assert.Equal("S3AccessPolicy", result.PolicyName);
        Assert.Equal(policy, result.PolicyDocument);
        Assert.Contains("my bucket", result.PolicyDocument, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListRolePolicies_documented_example_is_parsed()
    {
        var handler = new RecordingHandler().RespondXml("""
            <ListRolePoliciesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
              <ListRolePoliciesResult>
                <PolicyNames>
                  <member>CloudwatchPutMetricPolicy</member>
                  <member>S3AccessPolicy</member>
                </PolicyNames>
                <IsTruncated>false</IsTruncated>
              </ListRolePoliciesResult>
              <ResponseMetadata>
                <RequestId>8c7e1816-99f0-11e1-a4c3-27EXAMPLE804</RequestId>
              </ResponseMetadata>
            </ListRolePoliciesResponse>
            """);
        using var client = IamTestSupport.Client(handler);

        var page = await client.ListRolePoliciesAsync("S3Access", null, null, Ct);

        Assert.Equal(["CloudwatchPutMetricPolicy", "S3AccessPolicy"], page.PolicyNames);
        Assert.False(page.IsTruncated);
        Assert.Null(page.Marker);
        Assert.DoesNotContain(Assert.Single(handler.Requests).Form(), f => f.Key is "Marker" or "MaxItems");
    }

    [Fact]
    public async Task ListAllRolePolicies_follows_the_marker()
    {
        var handler = new RecordingHandler()
            .RespondXml("""
                <ListRolePoliciesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
                  <ListRolePoliciesResult>
                    <PolicyNames><member>a</member></PolicyNames>
                    <IsTruncated>true</IsTruncated>
                    <Marker>page-2</Marker>
                  </ListRolePoliciesResult>
                </ListRolePoliciesResponse>
                """)
            .RespondXml("""
                <ListRolePoliciesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
                  <ListRolePoliciesResult>
                    <PolicyNames><member>b</member><member>c</member></PolicyNames>
                    <IsTruncated>false</IsTruncated>
                  </ListRolePoliciesResult>
                </ListRolePoliciesResponse>
                """);
        using var client = IamTestSupport.Client(handler);

        var names = await client.ListAllRolePoliciesAsync("r", Ct);

        Assert.Equal(["a", "b", "c"], names);
        Assert.Equal(2, handler.Requests.Count);
        Assert.DoesNotContain(handler.Requests[0].Form(), f => f.Key == "Marker");
        Assert.Contains(new KeyValuePair<string, string>("Marker", "page-2"), handler.Requests[1].Form());
    }

    [Fact]
    public async Task Empty_results_and_responses_without_a_namespace_are_accepted()
    {
        var handler = new RecordingHandler()
            .RespondXml("""<ListRolePoliciesResponse><ListRolePoliciesResult><PolicyNames/><IsTruncated>false</IsTruncated></ListRolePoliciesResult></ListRolePoliciesResponse>""")
            .RespondEmpty("DeleteRole");
        using var client = IamTestSupport.Client(handler);

        Assert.Empty((await client.ListRolePoliciesAsync("r", null, null, Ct)).PolicyNames);
        await client.DeleteRoleAsync("r", Ct);
    }

    [Fact]
    public async Task Missing_or_unreadable_role_is_a_service_error()
    {
        var handler = new RecordingHandler()
            .RespondXml("""<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult/></GetRoleResponse>""")
            .RespondXml("not xml");
        using var client = IamTestSupport.Client(handler);

        var missing = await Assert.ThrowsAsync<KvsEdge.Aws.AwsServiceException>(() => client.GetRoleAsync("r", Ct));
        Assert.Contains("no Role", missing.Message, StringComparison.Ordinal);
        var unreadable = await Assert.ThrowsAsync<KvsEdge.Aws.AwsServiceException>(() => client.GetRoleAsync("r", Ct));
        Assert.Contains("unreadable", unreadable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decoding_leaves_plain_json_alone()
    {
        Assert.Equal(DecodedTrust, IamClient.DecodePolicy(DecodedTrust));
        Assert.Equal(DecodedTrust, IamClient.DecodePolicy(Uri.EscapeDataString(DecodedTrust)));
        Assert.Equal("{\"a\":\"b c\"}", IamClient.DecodePolicy("%7B%22a%22%3A%22b%20c%22%7D"));
    }
}

using System.Text.Json;
using KvsEdge.Aws;
using KvsEdge.Aws.Iam;
using KvsEdge.IntegrationTests.Infrastructure;

namespace KvsEdge.IntegrationTests.Iam;

[Collection("moto")]
[Trait("Category", "Integration")]
public sealed class IamClientMotoTests(MotoFixture moto)
{
    /// <summary>moto's default account.</summary>
    private const string AccountId = "123456789012";

    private const string VideoArn = "arn:aws:kinesisvideo:eu-west-1:123456789012:stream/front-door/1700000000000";
    private const string DataArn = "arn:aws:kinesis:eu-west-1:123456789012:stream/kvsedge-faces";

    private static CancellationToken Ct => CancellationToken.None;

    private static string NewRoleName() => "kvsedge-test-" + Guid.NewGuid().ToString("N")[..20];

    [Fact]
    public async Task Role_and_inline_policy_lifecycle_round_trips()
    {
        using var client = CreateClient();
        var roleName = NewRoleName();
        var trust = RekognitionRolePolicy.TrustPolicy();
        var policy = RekognitionRolePolicy.StreamProcessorPolicy(VideoArn, DataArn);

        var created = await client.CreateRoleAsync(roleName, trust, "KvsEdge Rekognition stream processor", "/kvsedge/", Ct);
        Assert.Equal(roleName, created.RoleName);
        Assert.Equal($"arn:aws:iam::{AccountId}:role/kvsedge/{roleName}", created.Arn);
        Assert.Equal("/kvsedge/", created.Path);
        Assert.False(string.IsNullOrEmpty(created.RoleId));

        var fetched = await client.GetRoleAsync(roleName, Ct);
        Assert.Equal(created.Arn, fetched.Arn);
        Assert.Equal(created.RoleId, fetched.RoleId);
        Assert.Equal("KvsEdge Rekognition stream processor", fetched.Description);
        Assert.True(RekognitionRolePolicy.PolicyEquals(trust, fetched.AssumeRolePolicyDocument), fetched.AssumeRolePolicyDocument);
        Assert.InRange(fetched.CreateDate, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));

        await client.PutRolePolicyAsync(roleName, RekognitionRolePolicy.DefaultPolicyName, policy, Ct);
        var stored = await client.GetRolePolicyAsync(roleName, RekognitionRolePolicy.DefaultPolicyName, Ct);
        Assert.Equal(roleName, stored.RoleName);
        Assert.Equal(RekognitionRolePolicy.DefaultPolicyName, stored.PolicyName);
        Assert.True(RekognitionRolePolicy.PolicyEquals(policy, stored.PolicyDocument), stored.PolicyDocument);
        Assert.False(RekognitionRolePolicy.PolicyEquals(
            RekognitionRolePolicy.StreamProcessorPolicy(VideoArn, DataArn + "-other"), stored.PolicyDocument));

        await client.PutRolePolicyAsync(roleName, "second", policy, Ct);
        Assert.Equal(
            [RekognitionRolePolicy.DefaultPolicyName, "second"],
            (await client.ListAllRolePoliciesAsync(roleName, Ct)).Order(StringComparer.Ordinal));
        // moto ignores MaxItems (and so never truncates): paging by Marker is unit-tested only.
        var firstPage = await client.ListRolePoliciesAsync(roleName, null, 1, Ct);
        Assert.NotEmpty(firstPage.PolicyNames);

        await client.DeleteRolePolicyAsync(roleName, RekognitionRolePolicy.DefaultPolicyName, Ct);
        await client.DeleteRolePolicyAsync(roleName, "second", Ct);
        Assert.Empty(await client.ListAllRolePoliciesAsync(roleName, Ct));
        Assert.Null(await client.TryGetRolePolicyAsync(roleName, "second", Ct));

        await client.DeleteRoleAsync(roleName, Ct);
        var ex = await Assert.ThrowsAsync<AwsResourceNotFoundException>(() => client.GetRoleAsync(roleName, Ct));
        Assert.Equal("NoSuchEntity", ex.ErrorCode);
        Assert.Contains(roleName, ex.Message, StringComparison.Ordinal);
        Assert.Null(await client.TryGetRoleAsync(roleName, Ct));
    }

    [Fact]
    public async Task Creating_a_role_twice_is_already_exists()
    {
        using var client = CreateClient();
        var roleName = NewRoleName();
        await client.CreateRoleAsync(roleName, RekognitionRolePolicy.TrustPolicy(), null, null, Ct);

        var ex = await Assert.ThrowsAsync<AwsResourceAlreadyExistsException>(
            () => client.CreateRoleAsync(roleName, RekognitionRolePolicy.TrustPolicy(), null, null, Ct));

        Assert.Equal("EntityAlreadyExists", ex.ErrorCode);
        Assert.Contains("IAM CreateRole failed with EntityAlreadyExists", ex.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(ex.RequestId));
        await client.DeleteRoleAsync(roleName, Ct);
    }

    [Fact]
    public async Task A_role_with_policies_cannot_be_deleted_and_malformed_policies_are_refused()
    {
        using var client = CreateClient();
        var roleName = NewRoleName();
        await client.CreateRoleAsync(roleName, RekognitionRolePolicy.TrustPolicy(), null, null, Ct);
        await client.PutRolePolicyAsync(roleName, "p", RekognitionRolePolicy.StreamProcessorPolicy(VideoArn, DataArn), Ct);

        var conflict = await Assert.ThrowsAsync<AwsResourceInUseException>(() => client.DeleteRoleAsync(roleName, Ct));
        Assert.Equal("DeleteConflict", conflict.ErrorCode);
        var malformed = await Assert.ThrowsAsync<AwsInvalidArgumentException>(
            () => client.PutRolePolicyAsync(roleName, "bad", "{\"Version\":\"2012-10-17\"}", Ct));
        Assert.Equal("MalformedPolicyDocument", malformed.ErrorCode);

        await client.DeleteRolePolicyAsync(roleName, "p", Ct);
        await client.DeleteRoleAsync(roleName, Ct);
    }

    [Fact]
    public async Task Missing_role_and_policy_are_not_found()
    {
        using var client = CreateClient();

        await Assert.ThrowsAsync<AwsResourceNotFoundException>(() => client.DeleteRoleAsync(NewRoleName(), Ct));
        await Assert.ThrowsAsync<AwsResourceNotFoundException>(
            () => client.PutRolePolicyAsync(NewRoleName(), "p", RekognitionRolePolicy.StreamProcessorPolicy(VideoArn, DataArn), Ct));
    }

    [Fact]
    public async Task Aws_cli_sees_the_role_with_our_trust_policy()
    {
        using var client = CreateClient();
        var roleName = NewRoleName();
        var trust = RekognitionRolePolicy.TrustPolicy(AccountId);
        await client.CreateRoleAsync(roleName, trust, null, null, Ct);

        var json = await RunAwsCliAsync("iam", "get-role", "--role-name", roleName, "--output", "json");

        using var document = JsonDocument.Parse(json);
        var role = document.RootElement.GetProperty("Role");
        Assert.Equal(roleName, role.GetProperty("RoleName").GetString());
        Assert.Equal($"arn:aws:iam::{AccountId}:role/{roleName}", role.GetProperty("Arn").GetString());
        // The CLI decodes and parses the document into an object.
        var cliTrust = role.GetProperty("AssumeRolePolicyDocument");
        var cliTrustJson = cliTrust.ValueKind == JsonValueKind.String ? cliTrust.GetString() : cliTrust.GetRawText();
        Assert.True(RekognitionRolePolicy.PolicyEquals(trust, cliTrustJson), cliTrustJson);
        await client.DeleteRoleAsync(roleName, Ct);
    }

    /// <summary>A regional setting must not leak into IAM: the client still signs for us-east-1.</summary>
    private IamClient CreateClient()
    {
        AwsClientOptions options = moto.ClientOptions();
        options.Region = "eu-west-1";
        return new IamClient(options);
    }

    private async Task<string> RunAwsCliAsync(params string[] arguments)
    {
        var (exitCode, stdout, stderr) = await moto.RunAwsCliAsync(arguments);
        Assert.True(exitCode == 0, $"aws {string.Join(' ', arguments)} exited {exitCode}: {stderr}");
        return stdout;
    }
}

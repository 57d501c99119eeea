using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KvsEdge.Aws;
using KvsEdge.Aws.Iot;
using KvsEdge.Cli;
using KvsEdge.Cloud;
using KvsEdge.Common;
using KvsEdge.Fleet;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.TestSupport;

namespace KvsEdge.IntegrationTests.Fleet;

/// <summary>
/// The IoT cloud side against moto 5's IoT control plane and its HTTP shadow API; the aws CLI, pointed at the same
/// moto, checks that what was made is what it sees.
/// </summary>
[Collection("moto")]
[Trait("Category", "Integration")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class IotFleetMotoTests(MotoFixture moto) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-iot-").FullName;

    private static CancellationToken Ct => CancellationToken.None;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private IotClient Iot() => new(moto.ClientOptions());

    private IotDataClient Data() => new(moto.ClientOptions());

    private IotIdentity Identity(string? policy = null) => new(
        MotoFixture.UniqueName("door-"),
        policy ?? MotoFixture.UniqueName("policy-"),
        Path.Combine(_directory, "iot", "device.pem.crt"),
        Path.Combine(_directory, "iot", "device.pem.key"));

    [Fact]
    public async Task Up_creates_the_thing_policy_and_an_attached_certificate_stored_owner_only_and_down_removes_them()
    {
        using var iot = Iot();
        var setup = new IotThingSetup(iot, AwsRetry.Default);
        var identity = Identity();

        var steps = await setup.UpAsync(identity, null, Ct);

        Assert.Equal([CloudOutcome.Created, CloudOutcome.Created, CloudOutcome.Created], steps.Select(s => s.Outcome));
        var thing = await iot.TryDescribeThingAsync(identity.ThingName, Ct);
        Assert.NotNull(thing);
        var policy = await iot.TryGetPolicyAsync(identity.PolicyName, Ct);
        Assert.True(KvsEdge.Aws.Iam.RekognitionRolePolicy.PolicyEquals(IotDevicePolicy.ForThingArn(thing.ThingArn), policy!.Value.Document));
        var principals = await iot.ListThingPrincipalsAsync(identity.ThingName, Ct);
        var certificateArn = Assert.Single(principals);
        Assert.Equal([certificateArn], await iot.ListTargetsForPolicyAsync(identity.PolicyName, Ct));

        // The files the service reads: PEM, owner read/write only.
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", await File.ReadAllTextAsync(identity.CertificatePath), StringComparison.Ordinal);
        Assert.Contains("PRIVATE KEY-----", await File.ReadAllTextAsync(identity.KeyPath), StringComparison.Ordinal);
        Assert.Equal(SecretFilesMode, File.GetUnixFileMode(identity.KeyPath));
        Assert.Equal(SecretFilesMode, File.GetUnixFileMode(identity.CertificatePath));
        var (code, stdout, stderr) = await moto.RunAwsCliAsync("iot", "describe-certificate", "--certificate-id", IotThingSetup.CertificateId(certificateArn));
        Assert.True(code == 0, stderr);
        Assert.Equal("ACTIVE", JsonNode.Parse(stdout)!["certificateDescription"]!["status"]!.GetValue<string>());

        // A second run changes nothing, and makes no second certificate.
        var again = await setup.UpAsync(identity, null, Ct);
        Assert.All(again, s => Assert.Equal(CloudOutcome.Unchanged, s.Outcome));
        Assert.Single(await iot.ListThingPrincipalsAsync(identity.ThingName, Ct));

        var down = await setup.DownAsync(identity, null, Ct);

        Assert.Equal(
            [(IotThingSetup.Certificate, CloudOutcome.Deleted), (IotThingSetup.Thing, CloudOutcome.Deleted), (IotThingSetup.Policy, CloudOutcome.Deleted)],
            down.Select(s => (s.Resource, s.Outcome)));
        Assert.Null(await iot.TryDescribeThingAsync(identity.ThingName, Ct));
        Assert.Null(await iot.TryGetPolicyAsync(identity.PolicyName, Ct));
        (code, _, _) = await moto.RunAwsCliAsync("iot", "describe-certificate", "--certificate-id", IotThingSetup.CertificateId(certificateArn));
        Assert.NotEqual(0, code);
        Assert.False(File.Exists(identity.KeyPath));
        Assert.False(File.Exists(identity.CertificatePath));

        var gone = await setup.DownAsync(identity, null, Ct);
        Assert.All(gone, s => Assert.Equal(CloudOutcome.AlreadyGone, s.Outcome));
    }

    [Fact]
    public async Task Down_keeps_the_fleet_policy_while_another_door_uses_it()
    {
        using var iot = Iot();
        var setup = new IotThingSetup(iot, AwsRetry.Default);
        var policy = MotoFixture.UniqueName("fleet-policy-");
        var first = Identity(policy);
        var second = Identity(policy) with
        {
            CertificatePath = Path.Combine(_directory, "second", "device.pem.crt"),
            KeyPath = Path.Combine(_directory, "second", "device.pem.key"),
        };
        await setup.UpAsync(first, null, Ct);
        await setup.UpAsync(second, null, Ct);

        var down = await setup.DownAsync(first, null, Ct);

        Assert.Equal(CloudOutcome.Unchanged, down.Single(s => s.Resource == IotThingSetup.Policy).Outcome);
        Assert.NotNull(await iot.TryGetPolicyAsync(policy, Ct));
        Assert.Single(await iot.ListTargetsForPolicyAsync(policy, Ct));
        await setup.DownAsync(second, null, Ct);
        Assert.Null(await iot.TryGetPolicyAsync(policy, Ct));
    }

    [Fact]
    public async Task Set_config_writes_every_door_in_the_group_and_reads_back_who_applied_and_who_refused()
    {
        using var iot = Iot();
        using var data = Data();
        var group = MotoFixture.UniqueName("doors-");
        string[] things = [MotoFixture.UniqueName("a-"), MotoFixture.UniqueName("b-"), MotoFixture.UniqueName("c-")];
        Assert.Equal(0, (await moto.RunAwsCliAsync("iot", "create-thing-group", "--thing-group-name", group)).ExitCode);
        foreach (var thing in things)
        {
            await iot.CreateThingAsync(thing, Ct);
            Assert.Equal(0, (await moto.RunAwsCliAsync("iot", "add-thing-to-thing-group", "--thing-group-name", group, "--thing-name", thing)).ExitCode);
        }

        // The first door had bob in its desired state: the new file drops him, so the update must delete him.
        await data.UpdateThingShadowAsync(things[0], "config", Encoding.UTF8.GetBytes("""{"state":{"desired":{"Access":{"People":{"bob":{}}}}}}"""), Ct);
        var file = Path.Combine(_directory, "access.json");
        await File.WriteAllTextAsync(file, """{"Access":{"People":{"alice":{"MinSimilarity":95}},"Cooldown":"00:00:20"}}""");
        var pusher = new FleetConfigPusher(iot, data, AwsRetry.Default, TimeProvider.System);

        var listed = await pusher.ListGroupAsync(group, Ct);
        Assert.Equal(things.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        var sent = await pusher.SendAsync(things, FleetAccessDocument.Load(file), null, Ct);

        Assert.All(sent, r => Assert.Equal(FleetDeviceOutcome.Pending, r.Outcome));
        var desired = (await data.TryGetThingShadowAsync(things[0], "config", Ct))!["state"]!["desired"]!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"Access":{"People":{"alice":{"MinSimilarity":95}},"Cooldown":"00:00:20"}}"""), desired), desired.ToJsonString());

        // The doors answer as the device side does: a, the version applied; b, refused with reasons; c stays silent.
        await Report(data, things[0], sent[0].DesiredVersion!.Value, null);
        await Report(data, things[1], sent[1].DesiredVersion!.Value, "Access:People:alice:MinSimilarity: out of range");
        var results = await pusher.CollectAsync(sent, TimeSpan.Zero, null, Ct);

        Assert.Equal(
            [FleetDeviceOutcome.Accepted, FleetDeviceOutcome.Refused, FleetDeviceOutcome.Pending],
            results.Select(r => r.Outcome));
        Assert.Equal("Access:People:alice:MinSimilarity: out of range", results[1].Detail);
    }

    [Fact]
    public async Task Set_config_with_a_gpio_key_is_refused_before_anything_is_sent()
    {
        using var iot = Iot();
        using var data = Data();
        var group = MotoFixture.UniqueName("doors-");
        var thing = MotoFixture.UniqueName("door-");
        Assert.Equal(0, (await moto.RunAwsCliAsync("iot", "create-thing-group", "--thing-group-name", group)).ExitCode);
        await iot.CreateThingAsync(thing, Ct);
        Assert.Equal(0, (await moto.RunAwsCliAsync("iot", "add-thing-to-thing-group", "--thing-group-name", group, "--thing-name", thing)).ExitCode);
        var file = Path.Combine(_directory, "access.json");
        await File.WriteAllTextAsync(file, """{"Access":{"People":{"alice":{}}},"Door":{"Relay":{"Pin":5}}}""");
        var harness = new CloudVerbHarness(
            new AwsOptions { Region = MotoFixture.Region, Endpoints = new AwsEndpointOptions { Iot = moto.ServiceUrl, IotData = moto.ServiceUrl } },
            MotoFixture.Credentials);

        var (code, _, _) = await harness.RunAsync((c, ct) => FleetCommands.SetConfigAsync(c, group, file, TimeSpan.FromSeconds(1), ct));

        Assert.Equal(ExitCodes.Config, code);
        Assert.Null(await data.TryGetThingShadowAsync(thing, "config", Ct));
    }

    [Fact]
    public async Task The_verbs_print_the_steps_and_the_summary()
    {
        var harness = new CloudVerbHarness(
            new AwsOptions { Region = MotoFixture.Region, Endpoints = new AwsEndpointOptions { Iot = moto.ServiceUrl, IotData = moto.ServiceUrl } },
            MotoFixture.Credentials);
        var identity = Identity();

        var (code, output, error) = await harness.RunAsync((c, ct) => FleetCommands.IotUpAsync(c, identity, ct));

        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains(identity.ThingName, output, StringComparison.Ordinal);
        Assert.Contains($"Iot:ThingName={identity.ThingName}", output, StringComparison.Ordinal);

        var group = MotoFixture.UniqueName("doors-");
        Assert.Equal(0, (await moto.RunAwsCliAsync("iot", "create-thing-group", "--thing-group-name", group)).ExitCode);
        Assert.Equal(0, (await moto.RunAwsCliAsync("iot", "add-thing-to-thing-group", "--thing-group-name", group, "--thing-name", identity.ThingName)).ExitCode);
        var file = Path.Combine(_directory, "access.json");
        await File.WriteAllTextAsync(file, """{"Access":{"People":{"alice":{}}}}""");

        // One read-back pass (the wait is shorter than the poll interval): the door has not answered.
        (code, output, error) = await harness.RunAsync((c, ct) => FleetCommands.SetConfigAsync(c, group, file, TimeSpan.FromSeconds(1), ct));

        Assert.True(code == ExitCodes.SomeNotDone, error);
        Assert.Contains($"0 accepted, 0 refused, 1 pending, 0 not sent, of 1 door(s) in {group}.", output, StringComparison.Ordinal);

        (code, _, error) = await harness.RunAsync((c, ct) => FleetCommands.IotDownAsync(c, identity, yes: true, ct));
        Assert.True(code == ExitCodes.Ok, error);
        Assert.Null(await Iot().TryDescribeThingAsync(identity.ThingName, Ct));
    }

    private static async Task Report(IotDataClient data, string thing, long version, string? error)
    {
        // What the device side's ConfigShadow reports.
        var reported = error is null
            ? new JsonObject { ["config_version"] = version, ["config_error"] = null, ["config_refused_version"] = null }
            : new JsonObject { ["config_error"] = error, ["config_refused_version"] = version };
        var body = new JsonObject { ["state"] = new JsonObject { ["reported"] = reported } };
        await data.UpdateThingShadowAsync(thing, "config", Encoding.UTF8.GetBytes(body.ToJsonString()), Ct);
    }

    private const UnixFileMode SecretFilesMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
}

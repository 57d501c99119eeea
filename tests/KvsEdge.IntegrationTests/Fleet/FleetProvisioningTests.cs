using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using KvsEdge.Cli;
using KvsEdge.Fleet;
using KvsEdge.TestSupport.IotCoreDouble;
using Spectre.Console.Testing;

namespace KvsEdge.IntegrationTests.Fleet;

/// <summary>`iot provision` end to end: the claim certificate over Mosquitto with mutual TLS, the double's provisioning service.</summary>
[Trait("Category", "Integration")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class FleetProvisioningTests : IAsyncLifetime
{
    private const string Template = "kvsedge-doors";
    private IotCoreDouble _iot = null!;
    private ProvisioningService _provisioning = null!;
    private string _directory = null!;

    public async Task InitializeAsync()
    {
        _iot = await IotCoreDouble.StartAsync();
        _provisioning = await ProvisioningService.StartAsync(_iot.Broker, _iot.Certificates, new Dictionary<string, string> { [Template] = "door-" });
        _directory = Directory.CreateTempSubdirectory("kvsedge-provision-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _provisioning.DisposeAsync();
        await _iot.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private ProvisioningRequest Request(string template = Template) => new(
        "localhost", _iot.Broker.Port, _iot.Certificates.CaPath, _iot.Certificates.Claim.CertificatePath, _iot.Certificates.Claim.KeyPath,
        template, new Dictionary<string, string> { ["SerialNumber"] = "SN0042" });

    private string Cert => Path.Combine(_directory, "iot", "device.pem.crt");

    private string Key => Path.Combine(_directory, "iot", "device.pem.key");

    private string Config => Path.Combine(_directory, "appsettings.json");

    [Fact]
    public async Task The_claim_gets_a_certificate_and_a_thing_name_which_are_stored_for_the_service()
    {
        await File.WriteAllTextAsync(Config, """{"Door":{"Relay":{"Pin":17}},"Iot":{"Enabled":true,"Endpoint":"localhost"}}""");

        var code = await FleetCommands.ProvisionAsync(Request(), Cert, Key, Config, new TestConsole(), TimeProvider.System, CancellationToken.None);

        Assert.Equal(ExitCodes.Ok, code);
        var (thing, certificateId) = Assert.Single(_provisioning.Things);
        Assert.Equal("door-SN0042", thing);
        // The stored pair is the one the service issued: it loads as a certificate with its key, signed by the CA.
        using var certificate = X509Certificate2.CreateFromPemFile(Cert, Key);
        Assert.True(certificate.HasPrivateKey);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.ImportFromPemFile(_iot.Certificates.CaPath);
        Assert.True(chain.Build(certificate));
        Assert.False(string.IsNullOrEmpty(certificateId));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Key));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Cert));

        // The thing name (and the files) land in the config, every other setting kept.
        var config = JsonNode.Parse(await File.ReadAllTextAsync(Config))!;
        Assert.Equal("door-SN0042", config["Iot"]!["ThingName"]!.GetValue<string>());
        Assert.Equal(Cert, config["Iot"]!["CertificatePath"]!.GetValue<string>());
        Assert.Equal(Key, config["Iot"]!["KeyPath"]!.GetValue<string>());
        Assert.Equal("localhost", config["Iot"]!["Endpoint"]!.GetValue<string>());
        Assert.Equal(17, config["Door"]!["Relay"]!["Pin"]!.GetValue<int>());
        Assert.False(File.Exists(Config + ".tmp"));
    }

    [Fact]
    public async Task A_rejected_registration_stores_nothing_and_leaves_the_config_alone()
    {
        const string original = """{"Iot":{"Enabled":false}}""";
        await File.WriteAllTextAsync(Config, original);

        var code = await FleetCommands.ProvisionAsync(Request("no-such-template"), Cert, Key, Config, new TestConsole(), TimeProvider.System, CancellationToken.None);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Empty(_provisioning.Things);
        Assert.False(File.Exists(Key));
        Assert.False(File.Exists(Cert));
        Assert.Equal(original, await File.ReadAllTextAsync(Config));
    }

    [Fact]
    public async Task The_provisioner_says_why_the_service_refused()
    {
        var ex = await Assert.ThrowsAsync<ProvisioningException>(
            () => new FleetProvisioner(TimeProvider.System).ProvisionAsync(Request("no-such-template"), CancellationToken.None));

        Assert.Contains("ResourceNotFoundException", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no-such-template", ex.Message, StringComparison.Ordinal);
    }
}

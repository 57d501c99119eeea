using KvsEdge.Cli;
using KvsEdge.Triggers;
using KvsEdge.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KvsEdge.Tests.Hosting;

/// <summary>Each `Triggers:Gpio` item is its own trigger source in the host.</summary>
[Collection(EnvironmentTestGroup.Name)]
public sealed class GpioTriggerRegistrationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-triggers-").FullName;

    [Fact]
    public void Two_gpio_triggers_are_two_sources_each_with_its_name()
    {
        using var aws = new HostConfigurationTests.AwsEnvironment("AKIDTEST", "test-secret");
        string file = HostConfigFiles.Write(_directory, HostConfigFiles.Merge(_directory, """
            { "Recognition": { "Source": "image-api", "ImageApi": { "CollectionId": "door" } },
              "Triggers": { "Gpio": [ { "Name": "doorbell", "Pin": 13 }, { "Name": "pir", "Pin": 16, "ActiveLow": false, "Pull": "down" } ] } }
            """));
        var error = new StringWriter();

        using IHost? host = HostRunner.TryBuild(file, null, error);

        Assert.True(host is not null, error.ToString());
        Assert.Equal(["doorbell", "pir"], host.Services.GetServices<IHostedService>().OfType<GpioTriggerSource>().Select(s => s.Name));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

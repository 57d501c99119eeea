using KvsEdge.Cli;
using KvsEdge.Iot;
using KvsEdge.Status;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KvsEdge.Tests.Iot;

/// <summary>`Iot:*` in the real host: off changes nothing; a bad value stops the start naming the key.</summary>
public sealed class IotRegistrationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kvsedge-iot-host-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config(string iot)
    {
        string replay = Path.Combine(_dir, "replay.json");
        File.WriteAllText(replay, "[]");
        string file = Path.Combine(_dir, "appsettings.json");
        File.WriteAllText(file, $$"""
            { "Device": { "Id": "lobby", "StateDirectory": "{{_dir}}" },
              "Door": { "Driver": "simulated" },
              "Camera": { "Enabled": false },
              "Mqtt": { "Enabled": false },
              "Recognition": { "Source": "replay", "Replay": { "File": "{{replay}}" } },
              "Iot": {{iot}} }
            """);
        return file;
    }

    [Fact]
    public void Disabled_registers_no_iot_connection_and_leaves_the_status_publisher_alone()
    {
        var error = new StringWriter();
        using IHost? host = HostRunner.TryBuild(Config("""{ "Enabled": false }"""), null, error);
        Assert.True(host is not null, error.ToString());
        Assert.Null(host.Services.GetKeyedService<MqttBrokerConnection>(IotServiceCollectionExtensions.ConnectionName));
        Assert.IsType<MqttStatusPublisher>(host.Services.GetRequiredService<IStatusPublisher>());
        Assert.DoesNotContain(host.Services.GetServices<IHostedService>(), s => s is ConfigShadow or StatusShadow or IotConnectionService);
    }

    [Fact]
    public void A_bad_iot_section_stops_the_start_naming_each_key()
    {
        var error = new StringWriter();
        using IHost? host = HostRunner.TryBuild(Config("""{ "Enabled": true, "Endpoint": "mqtts://x:8883", "ThingName": "door/lobby", "Prot": 8883 }"""), null, error);
        Assert.Null(host);
        string text = error.ToString();
        Assert.Contains("Iot:Endpoint 'mqtts://x:8883' must be a host name only", text, StringComparison.Ordinal);
        Assert.Contains("Iot:ThingName 'door/lobby'", text, StringComparison.Ordinal);
        Assert.Contains("Iot:CertificatePath is required", text, StringComparison.Ordinal);
        Assert.Contains("did you mean `Iot:Port`?", text, StringComparison.Ordinal);
    }
}

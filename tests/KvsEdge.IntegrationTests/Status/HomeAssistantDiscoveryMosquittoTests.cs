using System.Text.Json;
using KvsEdge.Camera;
using KvsEdge.Common;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using MQTTnet;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KvsEdge.IntegrationTests.Status;

/// <summary>
/// Home Assistant discovery as a real Mosquitto stores and delivers it: the retained payload matches Home Assistant's
/// documented rules and is sent again on Home Assistant's birth message; `kvsedge ha remove` clears it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HomeAssistantDiscoveryMosquittoTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly SignallingTimeProvider _time = new();
    private readonly string _deviceId = "ha-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _work = Directory.CreateTempSubdirectory("kvsedge-ha-").FullName;

    // Each test its own discovery prefix: tests of this class share one broker.
    private readonly string _discoveryPrefix = "ha" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string ConfigTopic => $"{_discoveryPrefix}/device/{_deviceId}/config";

    private (MqttStatusPublisher Publisher, HomeAssistantDiscoveryPublisher Discovery) Create()
    {
        var mqtt = Options.Create(TestPublishers.Options(mosquitto.Host, mosquitto.Port, discovery: new MqttDiscoveryOptions { Prefix = _discoveryPrefix }));
        var device = Options.Create(new DeviceOptions { Id = _deviceId });
        HomeAssistantDiscoveryPublisher? discovery = null;
        MqttStatusPublisher publisher = TestPublishers.Create(mqtt.Value, _deviceId, _time, handlers: () => [discovery!]);
        discovery = new HomeAssistantDiscoveryPublisher(
            publisher, mqtt, device, Options.Create(new CameraOptions()), NullLogger<HomeAssistantDiscoveryPublisher>.Instance);
        return (publisher, discovery);
    }

    private bool IsConfig(MqttApplicationMessage m) => m.Topic == ConfigTopic && m.Payload.Length > 0;

    [Fact]
    public async Task The_retained_discovery_payload_follows_the_documented_schema_and_is_sent_again_on_the_birth_message()
    {
        await using var homeAssistant = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, _discoveryPrefix + "/#");
        (MqttStatusPublisher publisher, HomeAssistantDiscoveryPublisher discovery) = Create();
        using (publisher)
        {
            await discovery.StartAsync(CancellationToken.None);
            await publisher.StartAsync(CancellationToken.None);
            try
            {
                MqttApplicationMessage first = await homeAssistant.WaitForAsync(IsConfig, Timeout);
                Assert.True(first.Retain);
                string payload = first.ConvertPayloadToString();
                JsonElement root = JsonDocument.Parse(payload).RootElement;
                Assert.Empty(HomeAssistantSchema.DeviceDiscoveryProblems(root));

                // Availability is bound to the retained topic the publisher keeps, and it says online.
                string availability = root.GetProperty("availability_topic").GetString()!;
                Assert.Equal($"kvsedge/{_deviceId}/availability", availability);
                Assert.True(await MqttProbe.IsRetainedAsync(mosquitto.Host, mosquitto.Port, availability, root.GetProperty("payload_available").GetString()!, Timeout));

                // A Home Assistant starting later gets it from the broker.
                Assert.True(await MqttProbe.IsRetainedAsync(mosquitto.Host, mosquitto.Port, ConfigTopic, payload, Timeout));

                // Home Assistant restarts and says so: the device is announced again, unchanged.
                await homeAssistant.PublishAsync(_discoveryPrefix + "/status", "online");
                int seen = 0;
                MqttApplicationMessage again = await homeAssistant.WaitForAsync(m => IsConfig(m) && ++seen == 2, Timeout);
                Assert.Equal(payload, again.ConvertPayloadToString());

                // `offline` (Home Assistant's will) asks for nothing.
                await homeAssistant.PublishAsync(_discoveryPrefix + "/status", "offline");
                await homeAssistant.PublishAsync(_discoveryPrefix + "/barrier", "x");
                await homeAssistant.WaitForAsync(_discoveryPrefix + "/barrier", "x", Timeout);
                await publisher.StopAsync(CancellationToken.None);
                Assert.Equal(2, homeAssistant.Messages.Count(IsConfig));
            }
            finally
            {
                await publisher.StopAsync(CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task Ha_remove_clears_the_retained_device_so_home_assistant_drops_it()
    {
        await using (var seed = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, ConfigTopic))
        {
            await seed.PublishAsync(ConfigTopic, "{\"dev\":{}}", retain: true);
            await seed.WaitForAsync(ConfigTopic, "{\"dev\":{}}", Timeout);
        }

        await using var homeAssistant = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, _discoveryPrefix + "/#");
        await homeAssistant.WaitForAsync(ConfigTopic, "{\"dev\":{}}", Timeout);

        var settings = new
        {
            Device = new { Id = _deviceId },
            Mqtt = new { Host = mosquitto.Host, Port = mosquitto.Port, Discovery = new { Prefix = _discoveryPrefix } },
        };
        await using var process = KvsEdgeProcess.Start("ha remove", settings, _work);
        Assert.Equal(0, await process.Exited.WaitAsync(Timeout));

        // Home Assistant receives the empty retained payload, the documented removal.
        MqttApplicationMessage removal = await homeAssistant.WaitForAsync(m => m.Topic == ConfigTopic && m.Payload.Length == 0, Timeout);
        Assert.True(removal.Retain);

        // And the broker keeps nothing: a late subscriber sees only the barrier.
        await using var late = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, _discoveryPrefix + "/#");
        await late.PublishAsync(_discoveryPrefix + "/barrier", "x");
        await late.WaitForAsync(_discoveryPrefix + "/barrier", "x", Timeout);
        Assert.DoesNotContain(late.Messages, m => m.Topic == ConfigTopic);
        Assert.Contains(process.Lines, l => l.Contains($"Removed Home Assistant device '{_deviceId}'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ha_remove_without_a_reachable_broker_fails_with_a_clear_error()
    {
        var settings = new
        {
            Device = new { Id = _deviceId },
            Mqtt = new { Host = "127.0.0.1", Port = MosquittoFixture.FreeTcpPort(), ConnectTimeout = "00:00:03" },
        };
        await using var process = KvsEdgeProcess.Start("ha remove", settings, _work);

        Assert.Equal(1, await process.Exited.WaitAsync(Timeout));
        Assert.Contains(process.Lines, l => l.StartsWith("error: cannot reach the MQTT broker 127.0.0.1:", StringComparison.Ordinal)
            && l.Contains("Nothing was removed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Inbound_handlers_get_live_and_retained_messages_from_mosquitto()
    {
        string commands = $"cmd/{_deviceId}";
        await using var sender = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, commands + "/#");
        await sender.PublishAsync(commands + "/stored", "old", retain: true);
        await sender.WaitForAsync(commands + "/stored", "old", Timeout);
        var handler = new RecordingInboundHandler(commands + "/+");
        using MqttStatusPublisher publisher = TestPublishers.Create(
            TestPublishers.Options(mosquitto.Host, mosquitto.Port), _deviceId, _time, handlers: () => [handler]);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            Assert.True((await handler.WaitForAsync(m => RecordingInboundHandler.Text(m) == "old", Timeout)).Retain);
            await sender.PublishAsync(commands + "/live", "new");
            Assert.False((await handler.WaitForAsync(m => RecordingInboundHandler.Text(m) == "new", Timeout)).Retain);
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
            await sender.PublishAsync(commands + "/stored", string.Empty, retain: true); // leave the shared broker clean
        }
    }
}

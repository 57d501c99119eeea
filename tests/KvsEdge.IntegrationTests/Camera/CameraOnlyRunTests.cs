using System.Text.Json;
using KvsEdge.IntegrationTests.Gstreamer;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.TestSupport;
using MQTTnet;

namespace KvsEdge.IntegrationTests.Camera;

/// <summary>
/// `kvsedge run` as a camera-only appliance (`Recognition:Source=none`) and without a camera (`Camera:Enabled=false`):
/// what reaches a real Mosquitto and the systemd notify socket is the contract.
/// </summary>
[Collection(GstreamerTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class CameraOnlyRunTests : IDisposable
{
    private const int RelayPin = 17;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _work = Directory.CreateTempSubdirectory("kvsedge-camera-only-").FullName;
    private readonly string _deviceId = "cam" + Guid.NewGuid().ToString("N")[..8];

    private string Prefix => $"kvsedge/{_deviceId}";

    private string RelayLog => Path.Combine(_work, "relay.jsonl");


    [Fact]
    public async Task Source_none_streams_and_records_reports_camera_and_availability_only_and_feeds_the_watchdog()
    {
        await using var mosquitto = new MosquittoFixture();
        await mosquitto.StartAsync();
        using var systemd = new NotifySocketListener();
        string recordings = Path.Combine(_work, "rec");
        await using var probe = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, Prefix + "/#");
        var settings = Settings(mosquitto, new { Source = "none" }, new
        {
            Source = "test",
            Sinks = new[] { "record" },
            Width = 320,
            Height = 240,
            Framerate = 15,
            Record = new { Directory = recordings, SegmentDuration = "00:00:01", MaxSegments = 10 },
        });
        var environment = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = systemd.Path, ["WATCHDOG_USEC"] = "1000000" };

        await using (KvsEdgeProcess host = KvsEdgeProcess.Start("run", settings, _work, environment))
        {
            await probe.WaitForAsync(m => m.Topic == Prefix + "/camera" && m.Retain && IsPlaying(m), Timeout);
            await probe.WaitForAsync(Prefix + "/availability", "online", Timeout);

            // Kept alive with no recognition loop to wait for: READY, then keep-alives (WatchdogSec=1).
            await systemd.WaitForAsync(m => m.StartsWith("READY=1", StringComparison.Ordinal), Timeout);
            int ready = systemd.Messages.Count;
            await systemd.WaitForCountAsync(ready + 3, Timeout);
            Assert.All(systemd.Messages.Skip(ready).Take(3), m => Assert.StartsWith("WATCHDOG=1", m, StringComparison.Ordinal));

            Assert.Equal(0, await host.TerminateAsync(Timeout));
        }

        // Nothing about recognition: no retained state, no events; the relay was only ever driven inactive.
        Assert.DoesNotContain(probe.Messages, m => m.Topic is var t && (t == Prefix + "/recognition" || t == Prefix + "/events"));
        Assert.NotEmpty(Directory.GetFiles(recordings, "segment-*.mp4"));
        Assert.Equal(0, TransitionLog.RisingEdges(RelayLog, RelayPin));
        Assert.Contains(TransitionLog.Read(RelayLog), e => e.Pin == RelayPin && e.Value == "low");
    }

    [Fact]
    public async Task Without_a_camera_no_camera_state_is_published_and_a_stale_retained_one_is_cleared()
    {
        await using var mosquitto = new MosquittoFixture();
        await mosquitto.StartAsync();
        // Left from a run when the camera was on.
        await using (var before = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, Prefix + "/camera"))
        {
            await before.PublishAsync(Prefix + "/camera", """{"state":"playing","fps":15}""", retain: true);
            await before.WaitForAsync(m => m.Topic == Prefix + "/camera" && m.Payload.Length > 0, Timeout);
        }

        await using var probe = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, Prefix + "/#");
        await probe.WaitForAsync(m => m.Topic == Prefix + "/camera" && m.Retain && m.Payload.Length > 0, Timeout);
        await using (KvsEdgeProcess host = KvsEdgeProcess.Start("run", Settings(mosquitto, new { Source = "none" }, new { Enabled = false }), _work))
        {
            // The clear: an empty retained payload on the camera topic.
            await probe.WaitForAsync(m => m.Topic == Prefix + "/camera" && m.Payload.Length == 0, Timeout);
            await probe.WaitForAsync(Prefix + "/availability", "online", Timeout);
            Assert.Equal(0, await host.TerminateAsync(Timeout));
        }

        // kvsedge published no camera state of its own (only the stale one arrived, as retained, on subscribing)...
        Assert.DoesNotContain(probe.Messages, m => m.Topic == Prefix + "/camera" && m.Payload.Length > 0 && !m.Retain);

        // ...and a subscriber arriving later gets none at all (its retained messages come before the barrier).
        await using var later = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, Prefix + "/#");
        await later.PublishAsync(Prefix + "/barrier", "x");
        await later.WaitForAsync(Prefix + "/barrier", "x", Timeout);
        Assert.Contains(later.Messages, m => m.Topic == Prefix + "/availability");
        Assert.DoesNotContain(later.Messages, m => m.Topic == Prefix + "/camera");
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private Dictionary<string, object> Settings(MosquittoFixture mosquitto, object recognition, object camera) => new()
    {
        ["Device"] = new { Id = _deviceId, StateDirectory = Path.Combine(_work, "state") },
        ["Recognition"] = recognition,
        ["Door"] = new { Driver = "simulated", Relay = new { Pin = RelayPin }, Simulated = new { TransitionLog = RelayLog } },
        ["Mqtt"] = new { Host = mosquitto.Host, Port = mosquitto.Port },
        ["Camera"] = camera,
    };

    private static bool IsPlaying(MqttApplicationMessage message)
    {
        using JsonDocument doc = JsonDocument.Parse(message.ConvertPayloadToString());
        return doc.RootElement.GetProperty("state").GetString() == "playing" && doc.RootElement.GetProperty("fps").GetDouble() > 0;
    }
}

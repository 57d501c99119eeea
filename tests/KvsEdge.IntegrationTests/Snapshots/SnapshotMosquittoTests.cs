using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using KvsEdge.Camera;
using KvsEdge.Common;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.Snapshots;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using MQTTnet;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KvsEdge.IntegrationTests.Snapshots;

/// <summary>
/// The latest decision snapshot as a real Mosquitto keeps it: raw JPEG bytes, retained, equal to the stored file and
/// decodable by GStreamer's jpegdec; the one discovery message announces it as an `image` entity.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SnapshotMosquittoTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly string _deviceId = "snap-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _work = Directory.CreateTempSubdirectory("kvsedge-snap-").FullName;

    [Fact]
    public async Task The_image_topic_carries_the_stored_jpeg_retained_and_it_decodes()
    {
        byte[] jpeg = await EncodeTestPatternAsync(Path.Combine(_work, "pattern.jpg"));
        string discoveryPrefix = "ha" + Guid.NewGuid().ToString("N")[..8];
        var mqtt = TestPublishers.Options(mosquitto.Host, mosquitto.Port, discovery: new MqttDiscoveryOptions { Prefix = discoveryPrefix });
        using MqttStatusPublisher status = TestPublishers.Create(mqtt, _deviceId, TimeProvider.System);
        var extras = new DiscoveryExtras { Snapshot = true };
        var discovery = new HomeAssistantDiscoveryPublisher(
            status, Options.Create(mqtt), Options.Create(new DeviceOptions { Id = _deviceId }), Options.Create(new CameraOptions()),
            NullLogger<HomeAssistantDiscoveryPublisher>.Instance);
        discovery.UseExtras(extras);
        using var writer = new SnapshotWriter(new SnapshotOptions(), _work, TimeProvider.System, NullLogger<SnapshotWriter>.Instance);
        using var publisher = new SnapshotPublisher(writer, status.Connection, status.TopicPrefix);
        var written = new TaskCompletionSource<SnapshotWritten>(TaskCreationOptions.RunContinuationsAsynchronously);
        writer.Written += (_, w) => written.TrySetResult(w);

        await using (var live = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, publisher.Topic))
        {
            await discovery.StartAsync(CancellationToken.None);
            await status.StartAsync(CancellationToken.None);
            await writer.StartAsync(CancellationToken.None);
            string? id = writer.Submit(DateTimeOffset.UtcNow, "access_granted", "alice", SnapshotEvidence.FromBytes(SnapshotOrigins.ImageApi, jpeg));
            Assert.NotNull(id);
            Assert.True((await written.Task.WaitAsync(Timeout)).Stored);
            await live.WaitForAsync(m => m.Topic == publisher.Topic && m.Payload.Length > 0, Timeout);

            // A subscriber that comes later (Home Assistant starting) gets the retained copy.
            await using var later = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, publisher.Topic);
            MqttApplicationMessage retained = await later.WaitForAsync(m => m.Topic == publisher.Topic, Timeout);
            Assert.True(retained.Retain);
            byte[] received = retained.Payload.ToArray();
            Assert.Equal(File.ReadAllBytes(writer.Ring.ImagePath(id)!), received);
            Assert.Equal(jpeg, received);

            string file = Path.Combine(_work, "received.jpg");
            await File.WriteAllBytesAsync(file, received);
            // jpegdec must decode it to the size it was encoded at: caps negotiation fails otherwise.
            (int code, string output) = await RunAsync("gst-launch-1.0", "-q", "filesrc", "location=" + file, "!", "jpegdec", "!",
                "video/x-raw,width=320,height=240", "!", "fakesink");
            Assert.True(code == 0, output);
        }

        await using (var homeAssistant = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, discoveryPrefix + "/#"))
        {
            MqttApplicationMessage config = await homeAssistant.WaitForAsync(m => m.Topic.EndsWith("/config", StringComparison.Ordinal) && m.Payload.Length > 0, Timeout);
            JsonElement root = JsonDocument.Parse(config.ConvertPayloadToString()).RootElement;
            Assert.Empty(HomeAssistantSchema.DeviceDiscoveryProblems(root));
            JsonElement image = root.GetProperty("cmps").GetProperty("snapshot");
            Assert.Equal(publisher.Topic, image.GetProperty("image_topic").GetString());
        }

        await writer.StopAsync(CancellationToken.None);
        await status.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task The_image_api_demo_publishes_its_decision_snapshots_and_their_ids_in_the_events()
    {
        await using var probe = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, "kvsedge/demo/#");
        var settings = new Dictionary<string, object>
        {
            ["Mqtt"] = new Dictionary<string, object> { ["Port"] = mosquitto.Port },
            ["Triggers"] = new Dictionary<string, object> { ["Interval"] = "00:00:01" },
        };
        await using KvsEdgeProcess demo = KvsEdgeProcess.Start("demo --image-api --once", settings, _work);

        MqttApplicationMessage granted = await probe.WaitForAsync(
            m => m.Topic == "kvsedge/demo/events" && m.ConvertPayloadToString().Contains("\"access_granted\"", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
        string? id = JsonDocument.Parse(granted.ConvertPayloadToString()).RootElement.GetProperty("snapshot_id").GetString();
        Assert.NotNull(id);
        MqttApplicationMessage snapshot = await probe.WaitForAsync(m => m.Topic == "kvsedge/demo/snapshot" && m.Payload.Length > 0, Timeout);
        int exit = await demo.Exited.WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(exit == 0, string.Join('\n', demo.Lines));

        string file = Path.Combine(_work, "demo.jpg");
        await File.WriteAllBytesAsync(file, snapshot.Payload.ToArray());
        (int code, string output) = await RunAsync("gst-launch-1.0", "-q", "filesrc", "location=" + file, "!", "jpegdec", "!", "fakesink");
        Assert.True(code == 0, output);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static async Task<byte[]> EncodeTestPatternAsync(string file)
    {
        (int code, string output) = await RunAsync("gst-launch-1.0", "-q", "videotestsrc", "num-buffers=1", "pattern=smpte", "!",
            "video/x-raw,width=320,height=240", "!", "jpegenc", "!", "filesink", "location=" + file);
        Assert.True(code == 0, output);
        return File.ReadAllBytes(file);
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Timeout);
        return (process.ExitCode, await stdout + await stderr);
    }
}

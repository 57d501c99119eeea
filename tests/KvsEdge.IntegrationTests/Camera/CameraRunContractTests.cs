using System.Diagnostics;
using System.Text.Json;
using KvsEdge.IntegrationTests.Gstreamer;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.TestSupport;
using MQTTnet;

namespace KvsEdge.IntegrationTests.Camera;

/// <summary>
/// The camera's black-box contract: `kvsedge run --config FILE` with `Camera:Source=test` and `Camera:Sinks=[record]`
/// records playable segments and shows `"state":"playing"` with a measured fps on the `camera` topic.
/// </summary>
[Collection(GstreamerTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class CameraRunContractTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _work = Directory.CreateTempSubdirectory("kvsedge-camera-run-").FullName;
    private readonly string _deviceId = "cam" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Run_with_the_test_source_records_playable_segments_and_reports_playing_with_fps()
    {
        await using var mosquitto = new MosquittoFixture();
        await mosquitto.StartAsync();
        string recordings = Path.Combine(_work, "rec");
        string replay = Path.Combine(_work, "no-records.json");
        File.WriteAllText(replay, "[]");
        await using var probe = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, $"kvsedge/{_deviceId}/#");
        var settings = new Dictionary<string, object>
        {
            ["Device"] = new { Id = _deviceId, StateDirectory = Path.Combine(_work, "state") },
            ["Recognition"] = new { Source = "replay", Replay = new { File = replay, Loop = false } },
            ["Door"] = new { Driver = "simulated" },
            ["Mqtt"] = new { Host = mosquitto.Host, Port = mosquitto.Port },
            ["Camera"] = new
            {
                Source = "test",
                Sinks = new[] { "record" },
                Width = 320,
                Height = 240,
                Framerate = 15,
                Record = new { Directory = recordings, SegmentDuration = "00:00:02", MaxSegments = 10 },
            },
        };

        await using KvsEdgeProcess host = KvsEdgeProcess.Start("run", settings, _work);
        var playing = await probe.WaitForAsync(
            m => m.Topic == $"kvsedge/{_deviceId}/camera" && IsPlayingWithFps(m.ConvertPayloadToString()), Timeout);
        using JsonDocument camera = JsonDocument.Parse(playing.ConvertPayloadToString());
        Assert.True(playing.Retain);
        Assert.Equal("test", camera.RootElement.GetProperty("source").GetString());
        Assert.InRange(camera.RootElement.GetProperty("fps").GetDouble(), 5, 30);

        Assert.Equal(0, await host.TerminateAsync(Timeout));
        string[] segments = Directory.GetFiles(recordings, "segment-*.mp4");
        Assert.NotEmpty(segments);
        foreach (string segment in segments)
        {
            var info = new ProcessStartInfo("gst-discoverer-1.0") { RedirectStandardOutput = true };
            info.ArgumentList.Add("-v");
            info.ArgumentList.Add(segment);
            using Process discoverer = Process.Start(info)!;
            string output = await discoverer.StandardOutput.ReadToEndAsync();
            await discoverer.WaitForExitAsync().WaitAsync(Timeout);
            Assert.Contains("H.264", output, StringComparison.Ordinal);
            Assert.Contains("Width: 320", output, StringComparison.Ordinal);
        }
    }

    private static bool IsPlayingWithFps(string payload)
    {
        using JsonDocument doc = JsonDocument.Parse(payload);
        return doc.RootElement.GetProperty("state").GetString() == "playing" && doc.RootElement.GetProperty("fps").GetDouble() > 0;
    }
}

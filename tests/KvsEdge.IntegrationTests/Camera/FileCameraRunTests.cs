using System.Text.Json;
using KvsEdge.IntegrationTests.Gstreamer;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.TestSupport;
using KvsEdge.Vision.BlazeFace;
using MQTTnet;

namespace KvsEdge.IntegrationTests.Camera;

/// <summary>
/// `kvsedge run` with the file camera: a photo plays as the camera, a missing file is refused at start, and with vision
/// off ONNX Runtime's native library is never mapped into the process (RSS stays as before vision existed).
/// </summary>
[Collection(GstreamerTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class FileCameraRunTests : IDisposable
{
    private const int RelayPin = 17;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _work = Directory.CreateTempSubdirectory("kvsedge-file-run-").FullName;
    private readonly string _deviceId = "file" + Guid.NewGuid().ToString("N")[..8];

    private string Prefix => $"kvsedge/{_deviceId}";

    [Fact]
    public async Task A_photo_plays_as_the_camera_and_without_vision_onnx_runtime_is_not_loaded()
    {
        await using var mosquitto = new MosquittoFixture();
        await mosquitto.StartAsync();
        await using var probe = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, Prefix + "/#");
        var camera = new { Source = "file", File = VisionTestData.Skimage("astronaut.png"), Sinks = new[] { "none" }, Width = 320, Height = 240, Framerate = 10 };

        await using (KvsEdgeProcess host = KvsEdgeProcess.Start("run", Settings(mosquitto, camera), _work))
        {
            MqttApplicationMessage playing = await probe.WaitForAsync(m => m.Topic == Prefix + "/camera" && m.Retain && IsPlaying(m), Timeout);
            Assert.Contains("\"source\":\"file\"", playing.ConvertPayloadToString(), StringComparison.Ordinal);

            string maps = await File.ReadAllTextAsync($"/proc/{host.Id}/maps");
            Assert.Contains("libgstreamer-1.0", maps, StringComparison.Ordinal); // the camera runs in this process
            Assert.DoesNotContain("libonnxruntime", maps, StringComparison.Ordinal);
            Assert.Equal(0, await host.TerminateAsync(Timeout));
        }

        // The needle is right: a detector loaded in this (test) process does map the library.
        using (BlazeFaceDetector.Load(VisionTestData.BlazeFaceModel))
        {
            Assert.Contains("libonnxruntime", await File.ReadAllTextAsync("/proc/self/maps"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_missing_camera_file_exits_78_naming_Camera_File()
    {
        await using var mosquitto = new MosquittoFixture();
        await mosquitto.StartAsync();
        string missing = Path.Combine(_work, "no-such-clip.mp4");
        await using KvsEdgeProcess process = KvsEdgeProcess.Start("run", Settings(mosquitto, new { Source = "file", File = missing }), _work);

        Assert.Equal(78, await process.Exited.WaitAsync(Timeout));
        Assert.Contains(process.Lines, l => l.Contains("Camera:File must name a readable video or image file", StringComparison.Ordinal) && l.Contains(missing, StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private Dictionary<string, object> Settings(MosquittoFixture mosquitto, object camera) => new()
    {
        ["Device"] = new { Id = _deviceId, StateDirectory = Path.Combine(_work, "state") },
        ["Recognition"] = new { Source = "none" },
        ["Door"] = new { Driver = "simulated", Relay = new { Pin = RelayPin }, Simulated = new { TransitionLog = Path.Combine(_work, "relay.jsonl") } },
        ["Mqtt"] = new { Host = mosquitto.Host, Port = mosquitto.Port },
        ["Camera"] = camera,
    };

    private static bool IsPlaying(MqttApplicationMessage message)
    {
        using JsonDocument doc = JsonDocument.Parse(message.ConvertPayloadToString());
        return doc.RootElement.GetProperty("state").GetString() == "playing" && doc.RootElement.GetProperty("fps").GetDouble() > 0;
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using KvsEdge.IntegrationTests.Gstreamer;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.TestSupport;
using Xunit.Abstractions;

namespace KvsEdge.IntegrationTests.Vision;

/// <summary>
/// `kvsedge run` with the file camera playing a scene built from real photos, BlazeFace in front of the image API, and
/// the Rekognition wire listener as the cloud: calls only while a face is at the door, each a JPEG crop of the face.
/// </summary>
[Collection(GstreamerTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed partial class VisionRunEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private const string Region = "eu-west-1";
    private const string KeyId = "AKIDVISIONE2E0001";
    private const string Secret = "vision-e2e-test-secret";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _work = Directory.CreateTempSubdirectory("kvsedge-vision-e2e-").FullName;

    [GeneratedRegex(@"Face at the door: \d+ face\(s\) in the frame captured at (\S+)")]
    private static partial Regex FaceSeen();

    [Fact]
    public async Task Ten_seconds_empty_five_with_a_face_ten_empty_cost_calls_only_for_the_face_each_a_jpeg_crop_of_it()
    {
        string scene = await new SceneBuilder(1280, 720, 10)
            .Empty(TimeSpan.FromSeconds(10))
            .Photo(TimeSpan.FromSeconds(5), VisionTestData.Skimage("astronaut.png"), new ScenePlacement(440, 60, 600, 600))
            .Empty(TimeSpan.FromSeconds(10))
            .BuildAsync(Path.Combine(_work, "scene.avi"));
        await using var listener = new RekognitionWireListener(KeyId, Secret, Region);
        for (int i = 0; i < 20; i++)
        {
            listener.Enqueue("SearchFacesByImage", RekognitionWireResponses.SearchFacesByImage([]));
        }

        await using KvsEdgeProcess host = KvsEdgeProcess.Start("run", Settings(listener, scene, motion: false), _work, Credentials);
        string seen = await host.WaitForLineAsync(l => FaceSeen().IsMatch(l), Timeout);
        DateTimeOffset firstFace = DateTimeOffset.Parse(FaceSeen().Match(seen).Groups[1].Value, CultureInfo.InvariantCulture);
        // The file camera loops the scene: the face coming back proves the whole second empty part has played.
        string again = await host.WaitForLineAsync(l => FaceSeen().IsMatch(l) && l != seen, Timeout);
        DateTimeOffset secondFace = DateTimeOffset.Parse(FaceSeen().Match(again).Groups[1].Value, CultureInfo.InvariantCulture);
        List<RekognitionWireRequest> calls = listener.Requests.Where(r => r.Operation == "SearchFacesByImage" && r.ReceivedAt < secondFace).ToList();
        Assert.Equal(0, await host.TerminateAsync(Timeout));
        Assert.InRange(secondFace - firstFace, TimeSpan.FromSeconds(24), TimeSpan.FromSeconds(27)); // one loop of the 25 s scene

        Assert.Empty(listener.Failures);
        Assert.NotEmpty(calls);
        TimeSpan latency = calls[0].ReceivedAt - firstFace;
        output.WriteLine($"first face frame (as the 5/s detector saw it) → SearchFacesByImage on the wire: {latency.TotalMilliseconds:0} ms; calls: {calls.Count}");
        // The timeline, to see where the time goes (the log's timestamps are UTC, ms).
        foreach (string line in host.Lines.Where(l => l.Contains("Face at the door", StringComparison.Ordinal) || l.Contains("Face trigger", StringComparison.Ordinal) || l.Contains("Trigger face", StringComparison.Ordinal)).Take(6))
        {
            output.WriteLine(line);
        }

        output.WriteLine($"request received {calls[0].ReceivedAt:HH:mm:ss.fff}");
        // No call before the face, none in the empty part after it (the face lasts 5 s).
        Assert.All(calls, c => Assert.InRange(c.ReceivedAt, firstFace, firstFace + TimeSpan.FromSeconds(5.5)));
        Assert.InRange(latency, TimeSpan.Zero, TimeSpan.FromSeconds(2)); // the figure is printed; the bound only catches a broken path
        foreach (RekognitionWireRequest call in calls)
        {
            byte[] jpeg = Convert.FromBase64String(call.Body!["Image"]!["Bytes"]!.GetValue<string>());
            (int width, int height) = JpegSize(jpeg);
            Assert.True(width >= 80 && height >= 80, $"{width}x{height}");
            Assert.True(width < 600 && height < 600, $"{width}x{height} is not a crop"); // the face, not the 1280x720 frame
        }

        Assert.Contains(host.Lines, l => l.Contains("Face trigger", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Motion_without_a_face_spends_calls_without_vision_and_none_with_it(bool vision)
    {
        // The coffee cup jumps between two places every second: motion, and no face.
        var builder = new SceneBuilder(640, 480, 10);
        for (int i = 0; i < 8; i++)
        {
            builder.Photo(TimeSpan.FromSeconds(1), VisionTestData.Skimage("coffee.png"), i % 2 == 0 ? new ScenePlacement(20, 20, 300, 200) : new ScenePlacement(320, 260, 300, 200));
        }

        string scene = await builder.BuildAsync(Path.Combine(_work, "motion.avi"));
        await using var listener = new RekognitionWireListener(KeyId, Secret, Region);
        for (int i = 0; i < 20; i++)
        {
            listener.Enqueue("SearchFacesByImage", RekognitionWireResponses.NoFacesInImage());
        }

        await using KvsEdgeProcess host = KvsEdgeProcess.Start("run", Settings(listener, scene, motion: true, vision, width: 640, height: 480), _work, Credentials);
        // Motion fires (cooldown 1 s) and each search ends: with vision, as no_face_local.
        string outcome = vision ? "no_face_local" : "no_face";
        await host.WaitForLineAsync(_ => host.Lines.Count(l => l.Contains($"ended: {outcome} after", StringComparison.Ordinal)) >= 3, Timeout);

        Assert.Equal(0, await host.TerminateAsync(Timeout));
        int calls = listener.Requests.Count(r => r.Operation == "SearchFacesByImage");
        output.WriteLine($"motion without a face, vision {(vision ? "on" : "off")}: {calls} SearchFacesByImage calls");
        if (vision)
        {
            Assert.Equal(0, calls);
        }
        else
        {
            Assert.True(calls >= 3, $"{calls} calls");
        }
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static IReadOnlyDictionary<string, string> Credentials => new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = KeyId,
        ["AWS_SECRET_ACCESS_KEY"] = Secret,
    };

    private Dictionary<string, object> Settings(RekognitionWireListener listener, string scene, bool motion, bool vision = true, int width = 1280, int height = 720) => new()
    {
        ["Device"] = new { Id = "vision-e2e", StateDirectory = Path.Combine(_work, "state") },
        ["Aws"] = new { Region, Endpoints = new { Rekognition = listener.Url.ToString() } },
        ["Recognition"] = new { Source = "image-api", ImageApi = new { CollectionId = "front-door", MaxCallsPerMinute = 60, MaxCallsPerDay = 1000 } },
        ["Door"] = new { Driver = "simulated", Relay = new { Pin = 17 }, Simulated = new { TransitionLog = Path.Combine(_work, "relay.jsonl") } },
        ["Mqtt"] = new { Enabled = false },
        ["Camera"] = new { Source = "file", File = scene, Sinks = new[] { "none" }, Width = width, Height = height, Framerate = 10 },
        ["Triggers"] = new { Motion = new { Enabled = motion, Cooldown = "00:00:01" } },
        ["Vision"] = new { Enabled = vision },
    };

    /// <summary>Width and height from the JPEG's start-of-frame marker.</summary>
    private static (int Width, int Height) JpegSize(byte[] jpeg)
    {
        for (int i = 2; i + 9 < jpeg.Length;)
        {
            Assert.Equal(0xFF, jpeg[i]);
            byte marker = jpeg[i + 1];
            int length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (marker is >= 0xC0 and <= 0xC3)
            {
                return ((jpeg[i + 7] << 8) | jpeg[i + 8], (jpeg[i + 5] << 8) | jpeg[i + 6]);
            }

            i += 2 + length;
        }

        throw new InvalidOperationException("no start-of-frame marker");
    }
}

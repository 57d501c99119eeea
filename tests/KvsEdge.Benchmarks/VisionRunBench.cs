using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using KvsEdge.TestSupport;

namespace KvsEdge.Benchmarks;

/// <summary>
/// The `vision` rows that run the real `kvsedge run` (the bench's JIT build) with the file or test camera against the
/// Rekognition wire listener, as the end-to-end tests do: calls spent, face → request latency, CPU with and without.
/// </summary>
internal static partial class VisionRunBench
{
    private const string Region = "eu-west-1";
    private const string KeyId = "AKIDVISIONBENCH0001";
    private const string Secret = "vision-bench-secret";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private static readonly string[] NoSinks = ["none"];
    private static readonly string[] RecordSink = ["record"];

    [GeneratedRegex(@"Face at the door: \d+ face\(s\) in the frame captured at (\S+)")]
    private static partial Regex FaceSeen();

    /// <summary>The coffee cup jumps between two places every second for 8 s (motion, no face), motion trigger on; vision off, then on.</summary>
    public static async Task<IReadOnlyList<VisionFigure>> CallsAsync(VisionBenchOptions options, CancellationToken ct)
    {
        using var work = new Scratch();
        var builder = new SceneBuilder(640, 480, 10);
        for (int i = 0; i < 8; i++)
        {
            builder.Photo(TimeSpan.FromSeconds(1), VisionTestData.Skimage("coffee.png"), i % 2 == 0 ? new ScenePlacement(20, 20, 300, 200) : new ScenePlacement(320, 260, 300, 200));
        }

        string scene = await builder.BuildAsync(Path.Combine(work.Path, "motion.avi"), ct);
        var figures = new List<VisionFigure>();
        foreach (bool vision in new[] { false, true })
        {
            await using var listener = new RekognitionWireListener(KeyId, Secret, Region);
            listener.Handle("SearchFacesByImage", _ => RekognitionWireResponses.NoFacesInImage());
            var settings = Settings(work.Path, listener, new { Source = "file", File = scene, Sinks = NoSinks, Width = 640, Height = 480, Framerate = 10 }, motion: true, vision);
            await using ChildProcess host = Start(work.Path, settings);
            // One loop of the 8 s scene after the first motion trigger: motion fires about once a second (cooldown 1 s).
            await host.WaitForLineAsync(l => l.Contains("Trigger motion", StringComparison.Ordinal), Timeout, "the first motion trigger", ct);
            await Task.Delay(builder.Duration, ct);
            int triggers = host.Lines.Count(l => l.Contains("Trigger motion", StringComparison.Ordinal));
            int calls = listener.Requests.Count(r => r.Operation == "SearchFacesByImage");
            await host.TerminateAsync(Timeout);
            figures.Add(new VisionFigure("calls", $"motion without a face, {builder.Duration.TotalSeconds:0} s, vision {(vision ? "on" : "off")}: calls ({triggers} motion triggers)",
                calls.ToString(CultureInfo.InvariantCulture), vision ? "0" : string.Empty));
        }

        return figures;
    }

    /// <summary>
    /// The astronaut appears <see cref="VisionBenchOptions.Repetitions"/> times for 1.6 s, with 2.4 s of empty wall between
    /// (longer than `Vision:TrackTimeout`, so each appearance is a new person and one search). Latency: the capture time of
    /// the first face frame the detector saw (its log line) → the SearchFacesByImage request on the wire. Appearances start
    /// on the 5/s detector's 200 ms grid, so that frame is the face's first frame; a real camera adds 0-200 ms of slot
    /// alignment before it (printed separately).
    /// </summary>
    public static async Task<IReadOnlyList<VisionFigure>> LatencyAsync(VisionBenchOptions options, CancellationToken ct)
    {
        using var work = new Scratch();
        var builder = new SceneBuilder(1280, 720, 10).Empty(TimeSpan.FromSeconds(3));
        for (int i = 0; i < options.Repetitions; i++)
        {
            builder.Photo(TimeSpan.FromSeconds(1.6), VisionTestData.Skimage("astronaut.png"), new ScenePlacement(440, 60, 600, 600))
                .Empty(TimeSpan.FromSeconds(2.4));
        }

        string scene = await builder.BuildAsync(Path.Combine(work.Path, "faces.avi"), ct);
        await using var listener = new RekognitionWireListener(KeyId, Secret, Region);
        listener.Handle("SearchFacesByImage", _ => RekognitionWireResponses.SearchFacesByImage([]));
        var settings = Settings(work.Path, listener, new { Source = "file", File = scene, Sinks = NoSinks, Width = 1280, Height = 720, Framerate = 10 }, motion: false, vision: true);
        await using ChildProcess host = Start(work.Path, settings);
        await host.WaitForLineAsync(l => FaceSeen().IsMatch(l), Timeout, "the first face", ct);
        // The scene plays once from the first face on (it loops after; later appearances would repeat the same figures).
        await Task.Delay(builder.Duration - TimeSpan.FromSeconds(3), ct);
        List<DateTimeOffset> appearances = host.Lines.Select(l => FaceSeen().Match(l)).Where(m => m.Success)
            .Select(m => DateTimeOffset.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Take(options.Repetitions).ToList();
        List<DateTimeOffset> requests = listener.Requests.Where(r => r.Operation == "SearchFacesByImage").Select(r => r.ReceivedAt).Order().ToList();
        await host.TerminateAsync(Timeout);

        var latencies = new List<double>();
        int missed = 0, extra = 0;
        for (int i = 0; i < appearances.Count; i++)
        {
            DateTimeOffset from = appearances[i], until = i + 1 < appearances.Count ? appearances[i + 1] : from + TimeSpan.FromSeconds(4);
            List<DateTimeOffset> during = requests.Where(r => r >= from && r < until).ToList();
            if (during.Count == 0)
            {
                missed++;
                continue;
            }

            extra += during.Count - 1;
            latencies.Add((during[0] - from).TotalMilliseconds);
        }

        Stats? stats = Stats.Of(latencies);
        var figures = new List<VisionFigure>
        {
            new("latency", $"face appearances seen / searched / missed / extra calls", $"{appearances.Count}/{latencies.Count}/{missed}/{extra}", "one call each"),
        };
        if (stats is not null)
        {
            figures.Add(new("latency", "first face frame -> SearchFacesByImage on the wire p50 ms", Stats.Ms(stats.P50), "<= 300"));
            figures.Add(new("latency", "first face frame -> SearchFacesByImage on the wire p99 ms", Stats.Ms(stats.P99), "<= 600"));
            figures.Add(new("latency", "min / max / first appearance ms", $"{Stats.Ms(stats.Min)} / {Stats.Ms(stats.Max)} / {Stats.Ms(latencies[0])}"));
        }

        figures.Add(new("latency", "a real camera's slot alignment before the first look (5/s) ms", "0-200, mean 100"));
        return figures;
    }

    /// <summary>
    /// `kvsedge run` on the 720p30 test pattern with H.264 (x264enc) into the recording ring, vision at 5/s vs off: CPU
    /// time (utime + stime of /proc/PID/stat) over the same window once the camera plays, the two alternating.
    /// </summary>
    public static async Task<IReadOnlyList<VisionFigure>> CpuAsync(VisionBenchOptions options, CancellationToken ct)
    {
        using var work = new Scratch();
        var cpu = new Dictionary<bool, List<double>> { [false] = [], [true] = [] };
        await using var listener = new RekognitionWireListener(KeyId, Secret, Region);
        listener.Handle("SearchFacesByImage", _ => RekognitionWireResponses.NoFacesInImage());
        foreach (bool vision in new[] { false, true, false, true })
        {
            string recordings = Path.Combine(work.Path, "rec-" + vision + "-" + cpu[vision].Count);
            Directory.CreateDirectory(recordings);
            var camera = new
            {
                Source = "test", Sinks = RecordSink, Width = 1280, Height = 720, Framerate = 30, Encoder = "x264enc",
                Record = new { Directory = recordings },
            };
            await using ChildProcess host = Start(work.Path, Settings(work.Path, listener, camera, motion: false, vision));
            await host.WaitForLineAsync(l => l.Contains("Starting camera pipeline", StringComparison.Ordinal), Timeout, "the camera pipeline", ct);
            await Task.Delay(TimeSpan.FromSeconds(5), ct); // start-up (JIT, model load, preroll) is not the steady state
            double before = CpuSeconds(host.Id);
            var clock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(options.CpuSeconds), ct);
            double used = CpuSeconds(host.Id) - before;
            cpu[vision].Add(used / clock.Elapsed.TotalSeconds);
            if (host.Exited.IsCompleted)
            {
                throw new BenchException($"kvsedge exited during the cpu row:\n{host.Tail()}");
            }

            await host.TerminateAsync(Timeout);
        }

        double off = cpu[false].Average(), on = cpu[true].Average();
        return
        [
            new("cpu", $"720p30 test pattern + x264 recording, vision off: CPU cores (runs {string.Join(", ", cpu[false].Select(c => c.ToString("0.00", CultureInfo.InvariantCulture)))})", off.ToString("0.00", CultureInfo.InvariantCulture)),
            new("cpu", $"same, vision on at 5/s: CPU cores (runs {string.Join(", ", cpu[true].Select(c => c.ToString("0.00", CultureInfo.InvariantCulture)))})", on.ToString("0.00", CultureInfo.InvariantCulture)),
            new("cpu", $"ratio on/off ({Environment.ProcessorCount} CPUs, shared)", (on / off).ToString("0.00", CultureInfo.InvariantCulture) + "x", "<= 1.25x"),
        ];
    }

    /// <summary>utime + stime of a process in seconds (fields 14 and 15 of /proc/PID/stat, after the command's closing parenthesis).</summary>
    private static double CpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0; // USER_HZ is 100 on Linux
    }

    private static Dictionary<string, object> Settings(string work, RekognitionWireListener listener, object camera, bool motion, bool vision) => new()
    {
        ["Device"] = new { Id = "vision-bench", StateDirectory = Path.Combine(work, "state") },
        ["Aws"] = new { Region, Endpoints = new { Rekognition = listener.Url.ToString() } },
        ["Recognition"] = new { Source = "image-api", ImageApi = new { CollectionId = "front-door", MaxCallsPerMinute = 60, MaxCallsPerDay = 1000 } },
        ["Door"] = new { Driver = "simulated", Relay = new { Pin = 17 }, Simulated = new { TransitionLog = Path.Combine(work, "relay.jsonl") } },
        ["Mqtt"] = new { Enabled = false },
        ["Camera"] = camera,
        // The cpu row's runs without vision need some trigger for the image API: an hourly one, which never fires in the window.
        ["Triggers"] = motion || vision
            ? new { Motion = new { Enabled = motion, Cooldown = "00:00:01" } }
            : new { Motion = new { Enabled = false, Cooldown = "00:00:01" }, Interval = "01:00:00" },
        ["Vision"] = new { Enabled = vision },
    };

    private static ChildProcess Start(string work, Dictionary<string, object> settings)
    {
        string config = Path.Combine(work, "kvsedge.vision-bench.json");
        File.WriteAllText(config, JsonSerializer.Serialize(settings));
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = work };
        foreach (string argument in new[] { Path.Combine(AppContext.BaseDirectory, "kvsedge.dll"), "run", "--config", config })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (string name in info.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        // The wire listener's test credentials; never the developer's own.
        info.Environment["AWS_ACCESS_KEY_ID"] = KeyId;
        info.Environment["AWS_SECRET_ACCESS_KEY"] = Secret;
        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        info.Environment["DOTNET_NOLOGO"] = "1";
        return ChildProcess.Start("kvsedge", info);
    }

    private sealed class Scratch : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("kvsedge-vision-bench-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}

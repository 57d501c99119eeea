using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using KvsEdge.TestSupport;
using KvsEdge.Vision.BlazeFace;
using KvsEdge.Vision.Detection;

namespace KvsEdge.Benchmarks;

internal sealed record VisionBenchOptions(int Iterations, int Threads, string ModelPath, IReadOnlySet<string>? Only, int Repetitions = 20, int CpuSeconds = 20)
{
    public static bool TryParse(ReadOnlySpan<string> args, [NotNullWhen(true)] out VisionBenchOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        int iterations = 200, threads = 1, repetitions = 20, cpuSeconds = 20;
        string? model = null;
        HashSet<string>? only = null;
        if (!BenchArguments.TryParse(args, (name, value) => name switch
            {
                "--iterations" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out iterations) && iterations >= 10,
                "--repetitions" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out repetitions) && repetitions >= 3,
                "--cpu-seconds" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out cpuSeconds) && cpuSeconds >= 5,
                "--threads" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out threads) && threads is >= 1 and <= 64,
                "--model" => File.Exists(model = Path.GetFullPath(value)),
                "--only" => (only = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]).All(VisionBench.RowNames.Contains),
                _ => false,
            }, out error))
        {
            return false;
        }

        options = new VisionBenchOptions(iterations, threads, model ?? BlazeFaceModel.CachePath(), only, repetitions, cpuSeconds);
        return true;
    }
}

/// <summary>One printed figure of a vision bench row (target empty when the figure is information only).</summary>
internal sealed record VisionFigure(string Row, string Name, string Value, string Target = "");

/// <summary>
/// The `vision` verb (issue 13): rows run in order and each returns its figures; one table at the end. To add a row,
/// add an entry to <see cref="Rows"/> (its name is what `--only` takes). Figures are printed, never asserted.
/// </summary>
internal static class VisionBench
{
    private static readonly (string Name, Func<VisionBenchOptions, CancellationToken, Task<IReadOnlyList<VisionFigure>>> Run)[] Rows =
    [
        ("inference", InferenceAsync),
        ("calls", VisionRunBench.CallsAsync),
        ("latency", VisionRunBench.LatencyAsync),
        ("cpu", VisionRunBench.CpuAsync),
    ];

    public static IReadOnlySet<string> RowNames { get; } = Rows.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);

    public static async Task<int> RunAsync(VisionBenchOptions options, CancellationToken ct)
    {
        var figures = new List<VisionFigure>();
        foreach ((string name, var run) in Rows)
        {
            if (options.Only is null || options.Only.Contains(name))
            {
                Console.WriteLine($"vision: {name} …");
                IReadOnlyList<VisionFigure> row = await run(options, ct);
                foreach (VisionFigure f in row)
                {
                    Console.WriteLine($"  {f.Name}: {f.Value}{(f.Target.Length > 0 ? "  (target " + f.Target + ")" : string.Empty)}"); // kept if a later row fails
                }

                figures.AddRange(row);
            }
        }

        int rowWidth = figures.Max(f => f.Row.Length), nameWidth = figures.Max(f => f.Name.Length), valueWidth = figures.Max(f => f.Value.Length);
        Console.WriteLine();
        Console.WriteLine($"{"row".PadRight(rowWidth)}  {"figure".PadRight(nameWidth)}  {"value".PadRight(valueWidth)}  target");
        foreach (VisionFigure f in figures)
        {
            Console.WriteLine($"{f.Row.PadRight(rowWidth)}  {f.Name.PadRight(nameWidth)}  {f.Value.PadRight(valueWidth)}  {f.Target}");
        }

        return 0;
    }

    /// <summary>
    /// Detect() wall time (pre-processing, ONNX Runtime, decoding) on each test photo at its own size (managed
    /// letterbox) and on a 256×256 frame (the app's fast path), after 10 warm-up calls; information only.
    /// </summary>
    private static Task<IReadOnlyList<VisionFigure>> InferenceAsync(VisionBenchOptions options, CancellationToken ct)
    {
        string[] photos =
        [
            VisionTestData.Skimage("astronaut.png"), VisionTestData.GraceHopper, VisionTestData.KPhotoAlbum("qt-logo.jpg"),
            VisionTestData.Skimage("coffee.png"), VisionTestData.Skimage("chelsea.png"),
        ];
        using BlazeFaceDetector detector = BlazeFaceDetector.Load(options.ModelPath, new BlazeFaceDetectorOptions { IntraOpThreads = options.Threads });
        var figures = new List<VisionFigure>();
        var all = new List<double>();
        foreach (string path in photos)
        {
            DecodedPhoto photo = VisionTestData.Decode(path);
            (Stats stats, int faces) = Time(detector, photo.Pixels, photo.Width, photo.Height, photo.Stride, options.Iterations, all, ct);
            figures.Add(new VisionFigure("inference", $"{Path.GetFileName(path)} {photo.Width}x{photo.Height} ({faces} faces) p50/p99 ms", $"{Stats.Ms(stats.P50)}/{Stats.Ms(stats.P99)}"));
        }

        byte[] frame = new byte[256 * 256 * 3];
        new Random(13).NextBytes(frame); // content does not change the network's cost, only decoding's (negligible)
        (Stats direct, _) = Time(detector, frame, 256, 256, 256 * 3, options.Iterations, null, ct);
        Stats overall = Stats.Of(all)!;
        figures.Add(new VisionFigure("inference", "256x256 frame (fast path) p50/p99 ms", $"{Stats.Ms(direct.P50)}/{Stats.Ms(direct.P99)}"));
        figures.Add(new VisionFigure("inference", $"all photos p50/p99 ms ({options.Threads} thread(s), {Environment.ProcessorCount} CPUs, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture})", $"{Stats.Ms(overall.P50)}/{Stats.Ms(overall.P99)}"));
        return Task.FromResult<IReadOnlyList<VisionFigure>>(figures);
    }

    private static (Stats Stats, int Faces) Time(BlazeFaceDetector detector, byte[] pixels, int width, int height, int stride, int iterations, List<double>? all, CancellationToken ct)
    {
        int faces = 0;
        for (int i = 0; i < 10; i++)
        {
            faces = detector.Detect(new RgbImage(pixels, width, height, stride), BlazeFaceDetector.DefaultMinScore).Count;
        }

        var samples = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            ct.ThrowIfCancellationRequested();
            long start = Stopwatch.GetTimestamp();
            detector.Detect(new RgbImage(pixels, width, height, stride), BlazeFaceDetector.DefaultMinScore);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        all?.AddRange(samples);
        return (Stats.Of(samples)!, faces);
    }
}

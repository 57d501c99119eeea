using KvsEdge.TestSupport;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace KvsEdge.Benchmarks;

/// <summary>
/// dotnet run -c Release --project tests/KvsEdge.Benchmarks -- latency|pipeline|imageapi|faults|vision|embed|local|fleet [options]
/// Exit codes: 0 the bench ran (targets met or MISSED, see output), 1 it could not run or measure, 64 bad usage, 130 cancelled.
/// `faults` exits 1 when any row fails.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage: KvsEdge.Benchmarks latency [--records N] [--poll HH:MM:SS.F] [--idle HH:MM:SS] [--seed N] [--daemon-env KEY=VALUE]... [--daemon FILE]
               KvsEdge.Benchmarks pipeline [--repetitions N] [--frames N]
               KvsEdge.Benchmarks imageapi [--triggers N] [--width W] [--height H] [--seed N]
               KvsEdge.Benchmarks faults [--daemon FILE] [--soak-seconds N] [--kinesis-outage-seconds N] [--only R1,R5,...] [--keep true]
               KvsEdge.Benchmarks vision [--iterations N] [--threads N] [--model FILE] [--repetitions N] [--cpu-seconds N] [--only inference,calls,latency,cpu]
               KvsEdge.Benchmarks embed [--faces N] [--threads N] [--model FILE]
               KvsEdge.Benchmarks local [--faces N] [--threads N] [--model FILE]
               KvsEdge.Benchmarks fleet [--devices N] [--changes N] [--keep true]

          latency        record put -> relay active latency of the real `kvsedge run` against kinesalite,
                         next to a plain boto3 polling consumer, then the daemon's idle RSS.
          --records N    measured records (default 200, at least 20)
          --poll T       Recognition:Kinesis:PollInterval for kvsedge and boto3 (default 00:00:00.2)
          --idle T       how long the daemon idles before its RSS is read (default 00:00:10)
          --seed N       seed for the random gaps between puts (default: random, printed)
          --daemon-env   extra environment variable for the daemon only (experiments, e.g. DOTNET_GCgen0size=0x400000)
          --daemon FILE  a published kvsedge executable (build-arm64.sh --rid linux-x64) instead of the
                         bench's own JIT build of kvsedge.dll: compares the JIT, trimmed+ReadyToRun and AOT builds

          pipeline       the same 720p30 videotestsrc -> x264enc -> mp4mux -> file pipeline (not live) run to EOS by
                         KvsEdge's binding in a child process and by gst-launch-1.0; CPU time, peak RSS and wall time of
                         each child by GNU time (/usr/bin/time), order alternating after one warm-up each.
          --repetitions N  measured runs of each (default 5)
          --frames N     frames per run (default 3000, at least 30)

          imageapi       trigger edge -> SearchFacesByImage request on the wire, in-process: camera supervisor on the
                         test pattern (x264enc running), frame tap, image-API source, real SigV4 client, loopback stand-in.
          --triggers N   measured triggers (default 200, at least 20; 10 warm-up triggers before)
          --width/--height  camera size (default 1280x720)

          faults         the fault suite (issue 10, tests/faults/run.sh): the real `kvsedge run` against Mosquitto (its own
                         port) and kinesalite, one injected fault per row R1-R12, one table; exit 1 when any row fails.
          --daemon FILE  a published kvsedge executable instead of the JIT build
          --soak-seconds N  R10's length (default 600; CI 60)
          --kinesis-outage-seconds N  R3's outage (default 120)
          --only LIST    only these rows (comma-separated), e.g. R1,R5
          --keep true    keep the scratch directory, with every kvsedge process's output (output-N.log)

          vision         the on-device face detector (issue 13), one table of figures, information only. Rows:
                         inference: Detect() ms p50/p99 on the test photos (managed letterbox) and on a 256x256 frame
                         (the app's fast path). Needs scripts/fetch-models.sh and scripts/fetch-test-photos.sh.
                         calls: SearchFacesByImage calls of `kvsedge run` (file camera, Rekognition wire listener) on a
                         scene of motion without a face, motion trigger alone vs vision (target 0 with vision).
                         latency: a face appearing N times (gaps longer than the track timeout) -> the request on the
                         wire, p50/p99 at 5 detections/s (target p50 <= 300 ms, p99 <= 600 ms).
                         cpu: process CPU time (/proc/PID/stat) of `kvsedge run` on a 720p30 test pattern with H.264
                         recording, vision at 5/s vs off, over a fixed window (target <= 1.25x).
          --iterations N timed calls per photo (default 200, at least 10; 10 warm-up calls before)
          --repetitions N  face appearances of the latency row (default 20, at least 3)
          --cpu-seconds N  the cpu row's measuring window per run (default 20)
          --threads N    ONNX Runtime intra-op threads (default 1, as the app)
          --model FILE   another BlazeFace ONNX file than the cached one
          --only LIST    only these rows (comma-separated)
          embed          the local face embedder (issue 16): 5-point alignment and ONNX embedding ms per face, p50/p99.
          local          trigger → local decision (issue 16): chip, embedding, lookup in 1000 people × 5, policy; p50/p99.
          --faces N      measured faces (default 300, at least 20; 20 warm-up faces before)
          --threads N    ONNX Runtime intra-op threads (default 1)
          --model FILE   the ONNX model (default: the cache of scripts/build-face-embedder.sh)

          fleet          issue 15's scale check: N simulated doors (the device's config-shadow code, one mutual-TLS MQTT
                         connection and certificate each) + one real `kvsedge run` against the IoT Core double (Mosquitto +
                         shadow service). One group change to every desired `config` shadow -> time until every door
                         reported the new version (p50/p99/max) and MQTT messages per door; then an invalid change that
                         every door must refuse, keeping the previous one. Connection setup is measured apart.
          --devices N    simulated doors (default 200)
          --changes N    measured valid changes (default 3)
          --keep true    keep the scratch directory (state directories, kvsedge and Mosquitto output)
        """;

    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 64 : 0;
        }

        if (args[0] == "pipeline-child")
        {
            return await PipelineChild.RunAsync(args[1..]);
        }

        LatencyOptions? latency = null;
        PipelineOptions? pipeline = null;
        ImageApiBenchOptions? imageApi = null;
        Faults.FaultOptions? faults = null;
        VisionBenchOptions? vision = null;
        EmbedBenchOptions? embed = null;
        EmbedBenchOptions? local = null;
        FleetBenchOptions? fleet = null;
        string? error;
        bool parsed = args[0] switch
        {
            "latency" => LatencyOptions.TryParse(args.AsSpan(1), out latency, out error),
            "pipeline" => PipelineOptions.TryParse(args.AsSpan(1), out pipeline, out error),
            "imageapi" => ImageApiBenchOptions.TryParse(args.AsSpan(1), out imageApi, out error),
            "faults" => Faults.FaultOptions.TryParse(args.AsSpan(1), out faults, out error),
            "vision" => VisionBenchOptions.TryParse(args.AsSpan(1), out vision, out error),
            "embed" => EmbedBenchOptions.TryParse(args.AsSpan(1), out embed, out error),
            "local" => EmbedBenchOptions.TryParse(args.AsSpan(1), out local, out error),
            "fleet" => FleetBenchOptions.TryParse(args.AsSpan(1), out fleet, out error),
            _ => Fail($"unknown command '{args[0]}'", out error),
        };
        if (!parsed)
        {
            Console.Error.WriteLine($"{error}{Environment.NewLine}{Usage}");
            return 64;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        try
        {
            if (faults is not null)
            {
                return await Faults.FaultSuite.RunAsync(faults, cancel.Token);
            }

            if (vision is not null)
            {
                return await VisionBench.RunAsync(vision, cancel.Token);
            }

            if (fleet is not null)
            {
                return await FleetBench.RunAsync(fleet, cancel.Token);
            }

            if (embed is not null)
            {
                return await EmbedBench.RunAsync(embed, cancel.Token);
            }

            if (local is not null)
            {
                return await LocalDecideBench.RunAsync(local, cancel.Token);
            }

            if (imageApi is not null)
            {
                return await ImageApiBench.RunAsync(imageApi, cancel.Token);
            }

            return pipeline is not null
                ? await PipelineBench.RunAsync(pipeline, cancel.Token)
                : await LatencyBench.RunAsync(latency!, cancel.Token);
        }
        catch (Exception ex) when (ex is BenchException or ChildProcessException or FileNotFoundException or KvsEdge.Vision.Detection.VisionModelException
            or KvsEdge.Vision.Embedding.FaceEmbedderModelException)
        {
            Console.Error.WriteLine("BENCH FAILED: " + ex.Message);
            return 1;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
    }

    private static bool Fail(string message, out string? error)
    {
        error = message;
        return false;
    }
}

internal sealed record LatencyOptions(int Records, TimeSpan Poll, TimeSpan Idle, int Seed, IReadOnlyDictionary<string, string> DaemonEnvironment, string? DaemonExecutable)
{
    public static bool TryParse(ReadOnlySpan<string> args, [NotNullWhen(true)] out LatencyOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        error = null;
        int records = 200;
        TimeSpan poll = TimeSpan.FromMilliseconds(200);
        TimeSpan idle = TimeSpan.FromSeconds(10);
        int seed = Random.Shared.Next();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        string? executable = null;
        if (!BenchArguments.TryParse(args, (name, value) => name switch
            {
                "--records" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out records) && records >= 20,
                "--poll" => TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out poll) && poll >= TimeSpan.FromMilliseconds(10) && poll <= TimeSpan.FromSeconds(5),
                "--idle" => TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out idle) && idle >= TimeSpan.Zero && idle <= TimeSpan.FromMinutes(30),
                "--seed" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out seed),
                "--daemon-env" => AddVariable(environment, value),
                "--daemon" => File.Exists(executable = Path.GetFullPath(value)),
                _ => false,
            }, out error))
        {
            return false;
        }

        options = new LatencyOptions(records, poll, idle, seed, environment, executable);
        return true;
    }

    private static bool AddVariable(Dictionary<string, string> environment, string assignment)
    {
        int eq = assignment.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            return false;
        }

        environment[assignment[..eq]] = assignment[(eq + 1)..];
        return true;
    }
}

/// <summary>The bench could not run; the message says why.</summary>
internal sealed class BenchException(string message) : Exception(message);

/// <summary>The benches' `--name value` pairs: <c>apply</c> takes one pair and says whether the name and value are valid.</summary>
internal static class BenchArguments
{
    public static bool TryParse(ReadOnlySpan<string> args, Func<string, string, bool> apply, [NotNullWhen(false)] out string? error)
    {
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value";
                return false;
            }

            string value = args[++i];
            if (!apply(name, value))
            {
                error = $"invalid option or value: {name} {value}";
                return false;
            }
        }

        error = null;
        return true;
    }
}

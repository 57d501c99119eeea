using KvsEdge.TestSupport;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Text;
using KvsEdge.Gstreamer;

namespace KvsEdge.Benchmarks;

/// <summary>
/// The same encode pipeline (720p30 test pattern → x264enc → mp4mux → file, not live) run to EOS by KvsEdge's
/// binding in a child process and by gst-launch-1.0, each child measured by GNU time (user+system CPU, peak RSS,
/// wall). Order alternates K G G K … after one warm-up each; every output file is read back through the binding
/// and must hold exactly the requested number of H.264 frames.
/// </summary>
internal static class PipelineBench
{
    private const double TargetCpuRatio = 1.05;
    private const double TargetRssDiffMiB = 40;
    private const string TimeBinary = "/usr/bin/time";
    private const string KvsEdgeSide = "KvsEdge";
    private const string GstLaunchSide = "gst-launch";

    // Inherited variables that would change what the KvsEdge child measures (the daemon's runtimeconfig applies instead).
    private static readonly string[] RequiredElements = ["videotestsrc", "videoconvert", "x264enc", "identity", "h264parse", "mp4mux", "filesink", "filesrc", "qtdemux", "fakesink"];
    private static readonly string[] GstLaunchOptions = ["-q", "-e"];

    private static readonly string[] StrippedPrefixes = ["KVSEDGE_", "COMPlus_", "DOTNET_gc", "DOTNET_GC", "DOTNET_Tiered", "DOTNET_TC_", "DOTNET_ReadyToRun", "DOTNET_SYSTEM_GLOBALIZATION", "GST_DEBUG"];

    private sealed record Run(string Side, double WallS, double UserS, double SysS, long MaxRssKb, long Frames, long FileBytes, double? StartupCpuS)
    {
        public double CpuS => UserS + SysS;

        public double RssMiB => MaxRssKb / 1024.0;
    }

    public static async Task<int> RunAsync(PipelineOptions options, CancellationToken cancellationToken)
    {
        string benchDll = Path.Combine(AppContext.BaseDirectory, "KvsEdge.Benchmarks.dll");
        string daemonRuntimeConfig = Path.Combine(AppContext.BaseDirectory, "kvsedge.runtimeconfig.json");
        foreach (string required in new[] { benchDll, daemonRuntimeConfig })
        {
            if (!File.Exists(required))
            {
                throw new BenchException($"{required} is missing; build the bench project (it references src/KvsEdge).");
            }
        }

        if (!File.Exists(TimeBinary))
        {
            throw new BenchException($"{TimeBinary} (GNU time) is missing: install it with `sudo apt-get install -y time` (Debian package 'time').");
        }

        string gstLaunch = FindOnPath("gst-launch-1.0")
            ?? throw new BenchException("gst-launch-1.0 is not on PATH: install it with `sudo apt-get install -y gstreamer1.0-tools`.");
        try
        {
            Gst.Initialize();
        }
        catch (Exception ex) when (ex is GstreamerException or DllNotFoundException)
        {
            throw new BenchException("GStreamer could not be initialised: " + ex.Message);
        }

        string[] missing = [.. RequiredElements.Where(f => !Gst.HasElement(f))];
        if (missing.Length > 0)
        {
            throw new BenchException("missing GStreamer elements: " + string.Join(", ", missing) + " (packages gstreamer1.0-plugins-base/good/ugly)");
        }

        string build = typeof(PipelineBench).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "unknown";
        DirectoryInfo work = Directory.CreateTempSubdirectory("kvsedge-pipebench-");
        try
        {
            string output = Path.Combine(work.FullName, "out.mp4");
            string description = Description(options.Frames, output);
            TimeSpan timeout = TimeSpan.FromSeconds(30) + (options.Frames * TimeSpan.FromMilliseconds(100));
            Console.WriteLine(Invariant($"KvsEdge pipeline bench: {options.Repetitions} repetitions of {options.Frames} frames 1280x720 (+1 warm-up each), {Environment.ProcessorCount} CPUs, bench {build} build, GStreamer {Gst.Version}"));
            Console.WriteLine("pipeline (same string for both): " + description);
            Console.WriteLine(Invariant($"KvsEdge child: dotnet exec --runtimeconfig kvsedge.runtimeconfig.json KvsEdge.Benchmarks.dll pipeline-child {(int)timeout.TotalSeconds} \"<pipeline>\""));
            Console.WriteLine("gst-launch child: gst-launch-1.0 -q -e <pipeline split like a shell would>");
            Console.WriteLine("measured by GNU time (-f \"%e %U %S %M\"): wall, user, system CPU and peak RSS of each child process");
            if (!string.Equals(build, "Release", StringComparison.OrdinalIgnoreCase))
            {
                Console.WriteLine("WARNING: not a Release build; run with -c Release for figures that mean anything.");
            }

            var kvsedge = new ProcessStartInfo("dotnet");
            foreach (string argument in new[] { "exec", "--runtimeconfig", daemonRuntimeConfig, benchDll, "pipeline-child", ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), description })
            {
                kvsedge.ArgumentList.Add(argument);
            }

            foreach (string name in kvsedge.Environment.Keys.Where(k => StrippedPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
            {
                kvsedge.Environment.Remove(name);
                Console.WriteLine($"note: not passing inherited {name} to the children");
            }

            kvsedge.Environment["DOTNET_NOLOGO"] = "1";
            var launch = new ProcessStartInfo(gstLaunch);
            foreach (string argument in GstLaunchOptions.Concat(ShellSplit(description)))
            {
                launch.ArgumentList.Add(argument);
            }

            foreach (string name in launch.Environment.Keys.Where(k => k.StartsWith("GST_DEBUG", StringComparison.Ordinal)).ToList())
            {
                launch.Environment.Remove(name);
            }

            Console.WriteLine();
            Console.WriteLine("rep     side        wall s  user s   sys s   cpu s  peak RSS MiB  frames  file MB");
            var pairs = new List<(Run K, Run G)>();
            for (int rep = 0; rep <= options.Repetitions; rep++)
            {
                // rep 0 is the warm-up (page cache, GStreamer registry, dotnet's files); then K G, G K, K G, ...
                bool kvsedgeFirst = rep % 2 == 1 || rep == 0;
                Run? k = null;
                Run? g = null;
                foreach (bool isKvsEdge in kvsedgeFirst ? new[] { true, false } : [false, true])
                {
                    Run run = await MeasureAsync(isKvsEdge ? KvsEdgeSide : GstLaunchSide, isKvsEdge ? kvsedge : launch, output, options.Frames, timeout, cancellationToken);
                    Console.WriteLine(Invariant($"{(rep == 0 ? "warm-up" : rep.ToString(CultureInfo.InvariantCulture)),-7} {run.Side,-10} {run.WallS,7:0.00} {run.UserS,7:0.00} {run.SysS,7:0.00} {run.CpuS,7:0.00} {run.RssMiB,13:0.0} {run.Frames,7} {run.FileBytes / 1e6,8:0.00}"));
                    if (isKvsEdge)
                    {
                        k = run;
                    }
                    else
                    {
                        g = run;
                    }
                }

                if (rep > 0)
                {
                    pairs.Add((k!, g!));
                }
            }

            Report(pairs);
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>The pipeline under test; not live, so it runs as fast as the CPU allows.</summary>
    public static string Description(int frames, string location) => Invariant(
        $"videotestsrc num-buffers={frames} pattern=smpte ! video/x-raw,width=1280,height=720,framerate=30/1 ! videoconvert ! video/x-raw,format=I420 ! ") +
        $"x264enc bitrate=2000 speed-preset=ultrafast tune=zerolatency bframes=0 key-int-max=30 ! identity name={PipelineChild.CounterName} silent=true ! " +
        $"h264parse config-interval=-1 ! video/x-h264,stream-format=avc,alignment=au ! mp4mux ! filesink location={location}";

    /// <summary>POSIX-shell-like word splitting: whitespace separates, '…' and "…" quote, \ escapes outside single quotes.</summary>
    public static IReadOnlyList<string> ShellSplit(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote == '\'')
            {
                if (c == '\'')
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c == '\\' && i + 1 < text.Length && (quote == '\0' || text[i + 1] is '"' or '\\' or '$' or '`'))
            {
                word.Append(text[++i]);
                inWord = true;
            }
            else if (quote == '"')
            {
                if (c == '"')
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (quote != '\0')
        {
            throw new BenchException("unbalanced quote in the pipeline description");
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static async Task<Run> MeasureAsync(string side, ProcessStartInfo target, string output, int frames, TimeSpan timeout, CancellationToken cancellationToken)
    {
        File.Delete(output);
        string timeFile = Path.Combine(Path.GetDirectoryName(output)!, "time.txt");
        File.Delete(timeFile);
        var info = new ProcessStartInfo(TimeBinary);
        foreach (string argument in new[] { "-f", "%e %U %S %M", "-o", timeFile, target.FileName }.Concat(target.ArgumentList))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Clear();
        foreach (var (key, value) in target.Environment)
        {
            info.Environment[key] = value;
        }

        await using ChildProcess child = ChildProcess.Start(side, info);
        int exitCode;
        try
        {
            exitCode = await child.Exited.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new BenchException(Invariant($"{side} did not finish {frames} frames within {timeout.TotalSeconds:0} s") + Environment.NewLine + child.Tail());
        }

        // Exited can fire before the last redirected lines arrive; they are needed for the frame count.
        double? startupCpuS = null;
        long? counted = null;
        if (side == KvsEdgeSide && exitCode == 0)
        {
            string line = await child.WaitForLineAsync(l => l.StartsWith("frames=", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "its frame count", cancellationToken);
            foreach (string field in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] kv = field.Split('=', 2);
                if (kv.Length == 2 && kv[0] == "frames" && long.TryParse(kv[1], NumberStyles.None, CultureInfo.InvariantCulture, out long n))
                {
                    counted = n;
                }
                else if (kv.Length == 2 && kv[0] == "startup_cpu_ms" && double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double ms))
                {
                    startupCpuS = ms / 1000;
                }
            }
        }

        if (exitCode != 0)
        {
            throw new BenchException(Invariant($"{side} exited with code {exitCode}") + Environment.NewLine + child.Tail());
        }

        string[] measured = File.Exists(timeFile) ? File.ReadAllLines(timeFile) : [];
        string[] figures = measured.Length > 0 ? measured[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        if (figures.Length != 4
            || !double.TryParse(figures[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double wall)
            || !double.TryParse(figures[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double user)
            || !double.TryParse(figures[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double sys)
            || !long.TryParse(figures[3], NumberStyles.None, CultureInfo.InvariantCulture, out long rssKb))
        {
            throw new BenchException($"could not read GNU time's output for {side}: '{string.Join(" | ", measured)}'");
        }

        if (side == KvsEdgeSide && counted != frames)
        {
            throw new BenchException(Invariant($"{side}'s probe on {PipelineChild.CounterName}:src counted {counted} buffers, expected {frames}"));
        }

        var file = new FileInfo(output);
        if (!file.Exists || file.Length == 0)
        {
            throw new BenchException($"{side} left no (or an empty) {output}");
        }

        long readBack = await CountFramesAsync(output, timeout, cancellationToken);
        if (readBack != frames)
        {
            throw new BenchException(Invariant($"{side}'s file reads back as {readBack} H.264 frames, expected {frames}"));
        }

        long bytes = file.Length;
        File.Delete(output);
        return new Run(side, wall, user, sys, rssKb, readBack, bytes, startupCpuS);
    }

    /// <summary>Frames in an MP4 file, counted through the binding: filesrc ! qtdemux ! h264parse (probe) ! fakesink.</summary>
    private static async Task<long> CountFramesAsync(string file, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using Pipeline check = Pipeline.Parse($"filesrc location={file} ! qtdemux ! h264parse name=parse ! video/x-h264,width=1280,height=720 ! fakesink sync=false");
        using Element parse = check.GetElement("parse") ?? throw new BenchException("read-back pipeline has no 'parse'");
        using BufferCounter counter = check.AddBufferProbe(parse, "src");
        await using (BusReader reader = check.CreateBusReader())
        {
            if (check.SetState(PipelineState.Playing) == StateChangeResult.Failure)
            {
                throw new BenchException($"could not play {file} back");
            }

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(timeout);
            BusMessage? end = null;
            try
            {
                await foreach (BusMessage message in reader.Messages.ReadAllAsync(cts.Token))
                {
                    if (message.Type is BusMessageType.EndOfStream or BusMessageType.Error)
                    {
                        end = message;
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new BenchException(Invariant($"reading {file} back did not finish within {timeout.TotalSeconds:0} s"));
            }

            if (end?.Type != BusMessageType.EndOfStream)
            {
                throw new BenchException($"reading {file} back failed: {end?.Text} ({end?.DebugInfo})");
            }
        }

        check.SetState(PipelineState.Null);
        return counter.Buffers;
    }

    private static void Report(List<(Run K, Run G)> pairs)
    {
        Console.WriteLine();
        Console.WriteLine("rep   cpu K/G   RSS K-G MiB   wall K/G");
        for (int i = 0; i < pairs.Count; i++)
        {
            var (k, g) = pairs[i];
            Console.WriteLine(Invariant($"{i + 1,-5} {k.CpuS / g.CpuS,7:0.000} {k.RssMiB - g.RssMiB,+13:+0.0;-0.0} {k.WallS / g.WallS,10:0.000}"));
        }

        double kCpu = Median(pairs.Select(p => p.K.CpuS));
        double gCpu = Median(pairs.Select(p => p.G.CpuS));
        double ratio = Median(pairs.Select(p => p.K.CpuS / p.G.CpuS));
        double kRss = Median(pairs.Select(p => p.K.RssMiB));
        double gRss = Median(pairs.Select(p => p.G.RssMiB));
        double rssDiff = Median(pairs.Select(p => p.K.RssMiB - p.G.RssMiB));
        double kWall = Median(pairs.Select(p => p.K.WallS));
        double gWall = Median(pairs.Select(p => p.G.WallS));
        double startup = Median(pairs.Select(p => p.K.StartupCpuS ?? 0));
        bool cpuOk = ratio <= TargetCpuRatio;
        bool rssOk = rssDiff <= TargetRssDiffMiB;

        Console.WriteLine();
        Console.WriteLine(Invariant($"medians over {pairs.Count} repetitions (ratio and difference: median of the per-repetition pairs)"));
        Console.WriteLine(Invariant($"  CPU (user+sys)  KvsEdge {kCpu:0.00} s   gst-launch {gCpu:0.00} s   ratio {ratio:0.000} (target <= {TargetCpuRatio:0.00})  {(cpuOk ? "ok" : "MISSED")}"));
        Console.WriteLine(Invariant($"  peak RSS        KvsEdge {kRss:0.0} MiB   gst-launch {gRss:0.0} MiB   difference {rssDiff:+0.0;-0.0} MiB (target <= {TargetRssDiffMiB:0} MiB)  {(rssOk ? "ok" : "MISSED")}"));
        Console.WriteLine(Invariant($"  wall            KvsEdge {kWall:0.00} s   gst-launch {gWall:0.00} s   ratio {kWall / gWall:0.000} (information)"));
        Console.WriteLine(Invariant($"  information: KvsEdge child's CPU before its command ran (dotnet host, runtime start-up, JIT) {startup:0.00} s; CPU ratio without it {(kCpu - startup) / gCpu:0.000}"));
        Console.WriteLine(cpuOk && rssOk ? "RESULT: targets met" : "RESULT: MISSED " + string.Join(" and ", new[] { cpuOk ? null : "CPU ratio", rssOk ? null : "RSS difference" }.OfType<string>()));
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

internal sealed record PipelineOptions(int Repetitions, int Frames)
{
    public static bool TryParse(ReadOnlySpan<string> args, [NotNullWhen(true)] out PipelineOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        error = null;
        int repetitions = 5;
        int frames = 3000; // the appliance runs one long pipeline: a short run would mostly measure .NET start-up
        if (!BenchArguments.TryParse(args, (name, value) => name switch
            {
                "--repetitions" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out repetitions) && repetitions is >= 1 and <= 100,
                "--frames" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out frames) && frames is >= 30 and <= 100_000,
                _ => false,
            }, out error))
        {
            return false;
        }

        options = new PipelineOptions(repetitions, frames);
        return true;
    }
}

using KvsEdge.TestSupport;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using KvsEdge.Aws;

namespace KvsEdge.Benchmarks;

/// <summary>
/// Record put → relay active latency of the real `kvsedge run` process against kinesalite, next to a plain boto3
/// consumer polling the same stream with the same discipline, then the daemon's idle RSS. Everything stays on
/// 127.0.0.1; every wait is bounded.
/// </summary>
internal static class LatencyBench
{
    private const int RelayPin = 17;
    private const double TargetP50Ms = 115;
    private const double TargetP99Ms = 220;
    private const double TargetIdleRssMiB = 30; // after the records, the AOT daemon (docs/performance.md, Memory)
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);
    private static readonly (int Min, int Max) GapMs = (250, 450);

    // Inherited variables that would change what is measured: the daemon runs as configured unless --daemon-env says otherwise.
    private static readonly string[] StrippedPrefixes = ["KVSEDGE_", "COMPlus_", "DOTNET_gc", "DOTNET_GC", "DOTNET_Tiered", "DOTNET_TC_", "DOTNET_ReadyToRun", "AWS_"];

    private sealed record Put(string Fragment, DateTimeOffset T0, TimeSpan Duration);

    public static async Task<int> RunAsync(LatencyOptions options, CancellationToken cancellationToken)
    {
        string repoRoot = RepositoryRoot.Find();
        string daemonDll = Path.Combine(AppContext.BaseDirectory, "kvsedge.dll");
        if (!File.Exists(daemonDll))
        {
            throw new BenchException($"{daemonDll} is missing; build the bench project (it references src/KvsEdge).");
        }

        string daemonBuild = options.DaemonExecutable is { } published
            ? "Release (published " + published + ")"
            : typeof(KvsEdge.Access.AccessOptions).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "unknown";
        string script = Path.Combine(repoRoot, "tests", "KvsEdge.Benchmarks", "boto3_consumer.py");
        await CheckBoto3Async(cancellationToken);

        Console.WriteLine(Invariant($"KvsEdge latency bench: {options.Records} records, poll {options.Poll.TotalMilliseconds} ms, gaps {GapMs.Min}-{GapMs.Max} ms (seed {options.Seed}), kvsedge {daemonBuild} build"));
        if (!daemonBuild.StartsWith("Release", StringComparison.OrdinalIgnoreCase))
        {
            Console.WriteLine("WARNING: kvsedge.dll is not a Release build; run with -c Release for figures that mean anything.");
        }

        DirectoryInfo work = Directory.CreateTempSubdirectory("kvsedge-bench-");
        KinesaliteServer? kinesalite = null;
        ChildProcess? daemon = null;
        ChildProcess? boto3 = null;
        try
        {
            kinesalite = await KinesaliteServer.StartAsync(repoRoot, cancellationToken);
            using KinesisClient client = kinesalite.CreateClient();
            string stream = "kvsedge-bench-" + Guid.NewGuid().ToString("N")[..12];
            await client.CreateStreamAsync(stream, 1, cancellationToken);
            await client.WaitForActiveAsync(stream, TimeProvider.System, TimeSpan.FromSeconds(30), cancellationToken);
            Console.WriteLine($"kinesalite {kinesalite.ServiceUrl} stream {stream} ACTIVE");

            string relayLog = Path.Combine(work.FullName, "relay.jsonl");
            daemon = StartDaemon(daemonDll, work.FullName, kinesalite.ServiceUrl, stream, relayLog, options);
            boto3 = StartBoto3(script, kinesalite.ServiceUrl, stream, options.Poll);
            await daemon.WaitForLineAsync(l => l.Contains("Reading shard", StringComparison.Ordinal), StartTimeout, "\"Reading shard ...\"", cancellationToken);
            string ready = await boto3.WaitForLineAsync(l => l.StartsWith("ready", StringComparison.Ordinal), StartTimeout, "\"ready\"", cancellationToken);
            ProcMemory startedMemory = ProcMemory.Read(daemon.Id);
            ProcMemoryBreakdown startedParts = ProcMemoryBreakdown.Read(daemon.Id);

            long runId = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            int baseline = await WarmUpAsync(client, stream, relayLog, daemon, boto3, runId, cancellationToken);
            Console.WriteLine($"warm-up done: kvsedge pulsed the relay, boto3 ({ready[6..]}) received; measuring...");

            IReadOnlyList<Put> puts = await PutRecordsAsync(client, stream, daemon, runId, options, cancellationToken);
            await WaitUntilAsync(() => RelayLog.RisingEdges(relayLog, RelayPin).Count >= baseline + puts.Count
                && Received(boto3).Count(r => r.Key.StartsWith(runId.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)) >= puts.Count,
                DrainTimeout, cancellationToken);

            // Idle: no records, both consumers still polling; late or extra relay edges would still be counted below.
            Console.WriteLine(Invariant($"idling {options.Idle.TotalSeconds:0} s..."));
            await Task.Delay(options.Idle, cancellationToken);
            if (daemon.Exited.IsCompleted)
            {
                throw new BenchException("kvsedge exited while idling." + Environment.NewLine + daemon.Tail());
            }

            ProcMemory idleMemory = ProcMemory.Read(daemon.Id);
            ProcMemoryBreakdown idleParts = ProcMemoryBreakdown.Read(daemon.Id);
            IReadOnlyList<DateTimeOffset> edges = [.. RelayLog.RisingEdges(relayLog, RelayPin).Skip(baseline)];
            Dictionary<string, DateTimeOffset> received = Received(boto3);
            int warnings = daemon.Lines.Count(l => l.StartsWith("warn:", StringComparison.Ordinal));
            int errors = daemon.Lines.Count(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));

            int? exitCode = await daemon.TerminateAsync(TimeSpan.FromSeconds(15));
            return Report(options, daemonBuild, puts, edges, received, startedMemory, idleMemory, startedParts, idleParts, warnings, errors, exitCode);
        }
        finally
        {
            foreach (ChildProcess? child in new[] { daemon, boto3 })
            {
                if (child is not null)
                {
                    await child.DisposeAsync();
                }
            }

            if (kinesalite is not null)
            {
                await kinesalite.DisposeAsync();
            }

            work.Delete(recursive: true);
        }
    }

    private static ChildProcess StartDaemon(string dll, string work, Uri kinesis, string stream, string relayLog, LatencyOptions options)
    {
        var settings = new Dictionary<string, object>
        {
            ["Device"] = new { Id = "bench", StateDirectory = Path.Combine(work, "state") },
            ["Aws"] = new { Region = "us-east-1", Endpoints = new { Kinesis = kinesis } },
            ["Recognition"] = new { Source = "kinesis", Kinesis = new { StreamName = stream, PollInterval = options.Poll.ToString("c", CultureInfo.InvariantCulture) } },
            // Cooldown 0 (the validator allows it) so every record pulses; MaxEventAge well above any latency.
            ["Access"] = new { MaxEventAge = "00:05:00", Cooldown = "00:00:00", People = new Dictionary<string, object> { ["alice"] = new { MinSimilarity = 90 } } },
            ["Door"] = new { Driver = "simulated", PulseDuration = "00:00:00.1", Relay = new { Pin = RelayPin, ActiveLow = false }, Simulated = new { TransitionLog = relayLog } },
            ["Mqtt"] = new { Enabled = false },
            ["Camera"] = new { Enabled = false }, // the latency of the door path alone
        };
        string config = Path.Combine(work, "kvsedge.bench.json");
        File.WriteAllText(config, JsonSerializer.Serialize(settings));

        // A published executable (trimmed, ReadyToRun or AOT) runs as the appliance does; otherwise the JIT build.
        var info = new ProcessStartInfo(options.DaemonExecutable ?? "dotnet") { WorkingDirectory = work };
        string[] arguments = options.DaemonExecutable is null ? [dll, "run", "--config", config] : ["run", "--config", config];
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (string name in info.Environment.Keys.Where(k => StrippedPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
        {
            info.Environment.Remove(name);
            if (!name.StartsWith("AWS_", StringComparison.Ordinal))
            {
                Console.WriteLine($"note: not passing inherited {name} to the daemon (use --daemon-env)");
            }
        }

        // Test credentials for kinesalite; never the developer's own.
        info.Environment["AWS_ACCESS_KEY_ID"] = "AKIDKVSEDGEBENCH";
        info.Environment["AWS_SECRET_ACCESS_KEY"] = "kvsedge-bench-secret";
        info.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in options.DaemonEnvironment)
        {
            info.Environment[key] = value;
            Console.WriteLine($"daemon env (experiment): {key}={value}");
        }

        return ChildProcess.Start("kvsedge", info);
    }

    private static ChildProcess StartBoto3(string script, Uri kinesis, string stream, TimeSpan poll)
    {
        var info = new ProcessStartInfo("python3");
        foreach (string argument in new[] { "-u", script, "--endpoint", kinesis.ToString(), "--stream", stream, "--poll", poll.TotalSeconds.ToString("R", CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (string name in info.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        return ChildProcess.Start("boto3 consumer", info);
    }

    private static async Task CheckBoto3Async(CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("python3");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("import boto3");
        await using ChildProcess check = ChildProcess.Start("python3", info);
        int code = await check.Exited.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        if (code != 0)
        {
            throw new BenchException("python3 cannot import boto3. On Debian/Ubuntu: sudo apt-get install python3-boto3 (or: pip install boto3)."
                + Environment.NewLine + check.Tail(5));
        }
    }

    /// <summary>
    /// kvsedge logs "Reading shard" just before it asks for a LATEST iterator: a record put before the iterator exists
    /// is never seen. Put warm-up records until one pulses the relay; returns the relay edges to skip.
    /// </summary>
    private static async Task<int> WarmUpAsync(KinesisClient client, string stream, string relayLog, ChildProcess daemon, ChildProcess boto3, long runId, CancellationToken cancellationToken)
    {
        for (int attempt = 1; attempt <= 10; attempt++)
        {
            string fragment = Invariant($"{runId}9{attempt:D5}");
            await client.PutRecordAsync(stream, BenchRecords.Match("alice", 97, DateTimeOffset.UtcNow, fragment), "door", cancellationToken);
            bool pulsed = await WaitUntilAsync(() => RelayLog.RisingEdges(relayLog, RelayPin).Count > 0 || daemon.Exited.IsCompleted, TimeSpan.FromSeconds(3), cancellationToken);
            if (daemon.Exited.IsCompleted)
            {
                throw new BenchException("kvsedge exited during warm-up." + Environment.NewLine + daemon.Tail());
            }

            if (pulsed)
            {
                if (!await WaitUntilAsync(() => Received(boto3).Count > 0, TimeSpan.FromSeconds(5), cancellationToken))
                {
                    throw new BenchException("the boto3 consumer received no warm-up record." + Environment.NewLine + boto3.Tail());
                }

                // Let any earlier warm-up record that was still in flight land before the baseline is taken.
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return RelayLog.RisingEdges(relayLog, RelayPin).Count;
            }
        }

        throw new BenchException("no warm-up record pulsed the relay within 10 attempts." + Environment.NewLine + daemon.Tail());
    }

    private static async Task<IReadOnlyList<Put>> PutRecordsAsync(KinesisClient client, string stream, ChildProcess daemon, long runId, LatencyOptions options, CancellationToken cancellationToken)
    {
        var random = new Random(options.Seed); // not security: reproducible gaps for a given --seed
        var puts = new List<Put>(options.Records);
        long next = Stopwatch.GetTimestamp();
        for (int i = 0; i < options.Records; i++)
        {
            TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken); // the real gap between records is what is measured
            }

            if (daemon.Exited.IsCompleted)
            {
                throw new BenchException(Invariant($"kvsedge exited after {i} records.") + Environment.NewLine + daemon.Tail());
            }

            string fragment = Invariant($"{runId}{i:D6}");
            byte[] data = BenchRecords.Match("alice", 97, DateTimeOffset.UtcNow, fragment);
            long started = Stopwatch.GetTimestamp();
            DateTimeOffset t0 = DateTimeOffset.UtcNow;
            try
            {
                await client.PutRecordAsync(stream, data, "door", cancellationToken);
            }
            catch (Exception ex) when (ex is AwsServiceException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new BenchException(Invariant($"PutRecord {i} failed: {ex.Message}"));
            }

            puts.Add(new Put(fragment, t0, Stopwatch.GetElapsedTime(started)));
            next = started + (long)(random.Next(GapMs.Min, GapMs.Max + 1) / 1000.0 * Stopwatch.Frequency);
            if ((i + 1) % 50 == 0)
            {
                Console.WriteLine(Invariant($"  {i + 1}/{options.Records} put"));
            }
        }

        return puts;
    }

    /// <summary>Receive time per FragmentNumber from the boto3 consumer's "&lt;epoch seconds&gt; &lt;fragment&gt;" lines (first one wins).</summary>
    private static Dictionary<string, DateTimeOffset> Received(ChildProcess boto3)
    {
        var received = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (string line in boto3.Lines)
        {
            string[] parts = line.Split(' ');
            if (parts.Length == 2 && decimal.TryParse(parts[0], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal seconds))
            {
                received.TryAdd(parts[1], DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond)));
            }
        }

        return received;
    }

    private static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), cancellationToken); // polling a file another process appends to
        }

        return true;
    }

    private static int Report(
        LatencyOptions options, string daemonBuild, IReadOnlyList<Put> puts, IReadOnlyList<DateTimeOffset> edges,
        Dictionary<string, DateTimeOffset> received, ProcMemory started, ProcMemory idle,
        ProcMemoryBreakdown startedParts, ProcMemoryBreakdown idleParts, int warnings, int errors, int? exitCode)
    {
        bool edgesMatch = edges.Count == puts.Count;
        var kvsedge = new List<double>();
        int negative = 0;
        if (edgesMatch)
        {
            for (int i = 0; i < puts.Count; i++)
            {
                double ms = (edges[i] - puts[i].T0).TotalMilliseconds;
                negative += ms < -1 ? 1 : 0; // the relay log has 1 ms resolution
                kvsedge.Add(ms);
            }
        }

        var boto = puts.Where(p => received.ContainsKey(p.Fragment)).Select(p => (received[p.Fragment] - p.T0).TotalMilliseconds).ToList();
        Stats? k = negative == 0 ? Stats.Of(kvsedge) : null;
        Stats? b = Stats.Of(boto);
        Stats? put = Stats.Of([.. puts.Select(p => p.Duration.TotalMilliseconds)]);

        Console.WriteLine();
        Console.WriteLine("== KvsEdge latency: record put -> relay active (ms) ==");
        Console.WriteLine(Invariant($"machine: {Environment.ProcessorCount} CPUs, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; kvsedge {daemonBuild}"));
        Console.WriteLine(Invariant($"records: {puts.Count}, gaps {GapMs.Min}-{GapMs.Max} ms (seed {options.Seed}), poll {options.Poll.TotalMilliseconds} ms, pulse 100 ms, cooldown 0"));
        if (options.DaemonEnvironment.Count > 0)
        {
            Console.WriteLine("daemon env: " + string.Join(' ', options.DaemonEnvironment.Select(e => $"{e.Key}={e.Value}")));
        }

        Console.WriteLine(Invariant($"{"",-22}{"count",7}{"p50",8}{"p90",8}{"p99",8}{"max",8}{"min",8}{"mean",8}"));
        Row("kvsedge relay edge", k);
        Row("boto3 receive", b);
        Row("(PutRecord call)", put);
        if (!edgesMatch)
        {
            Console.WriteLine(Invariant($"MISMATCH: {edges.Count} relay rising edges for {puts.Count} records; kvsedge latencies not computed."));
        }
        else if (negative > 0)
        {
            Console.WriteLine(Invariant($"MISMATCH: {negative} relay edges precede their record's put; kvsedge latencies not computed."));
        }

        if (boto.Count != puts.Count)
        {
            Console.WriteLine(Invariant($"MISMATCH: boto3 received {boto.Count} of {puts.Count} records."));
        }

        Console.WriteLine(Invariant($"daemon RSS: {Mib(started.RssKb)} MiB after start, {Mib(idle.RssKb)} MiB after {options.Idle.TotalSeconds:0} s idle (VmRSS {idle.RssKb} kB), peak VmHWM {Mib(idle.HwmKb)} MiB"));
        Console.WriteLine(Invariant($"  idle RSS parts: anonymous {Mib(idle.AnonKb)} MiB, file-backed {Mib(idle.FileKb)} MiB, shared memory {Mib(idle.ShmemKb)} MiB (W^X double-mapped code)"));
        Console.WriteLine("daemon RSS breakdown (/proc/<pid>/smaps, /proc/<pid>/task; MiB):");
        foreach (string line in startedParts.Describe(Invariant($"after start ({Mib(started.RssKb)} MiB)"))
            .Concat(idleParts.Describe(Invariant($"after {puts.Count} records and {options.Idle.TotalSeconds:0} s idle ({Mib(idle.RssKb)} MiB)"))))
        {
            Console.WriteLine(line);
        }

        Console.WriteLine(Invariant($"daemon log: {warnings} warnings, {errors} errors; SIGTERM -> {(exitCode is { } c ? "exit code " + c.ToString(CultureInfo.InvariantCulture) : "did not stop in 15 s, killed")}"));
        Console.WriteLine("targets:");
        Target(Invariant($"kvsedge p50 <= {TargetP50Ms} ms"), k?.P50, k is not null && k.P50 <= TargetP50Ms);
        Target(Invariant($"kvsedge p99 <= {TargetP99Ms} ms"), k?.P99, k is not null && k.P99 <= TargetP99Ms);
        Compare("p50", 0.50, k?.P50, b?.P50);
        Compare("p99", 0.99, k?.P99, b?.P99);
        Target(Invariant($"idle RSS <= {TargetIdleRssMiB} MiB"), idle.RssKb / 1024.0, idle.RssKb / 1024.0 <= TargetIdleRssMiB, " MiB");
        Console.WriteLine("(relay times come from the transition log at 1 ms resolution, truncated: kvsedge figures may read up to 1 ms low)");

        bool measured = edgesMatch && negative == 0 && boto.Count == puts.Count && exitCode is not null;
        return measured ? 0 : 1;

        static void Row(string name, Stats? s) => Console.WriteLine(s is null
            ? $"{name,-22}{"-",7}"
            : Invariant($"{name,-22}{s.Count,7}{Stats.Ms(s.P50),8}{Stats.Ms(s.P90),8}{Stats.Ms(s.P99),8}{Stats.Ms(s.Max),8}{Stats.Ms(s.Min),8}{Stats.Ms(s.Mean),8}"));

        static void Target(string name, double? value, bool met, string unit = " ms", string note = "") => Console.WriteLine(
            Invariant($"  {name,-28} {(value is { } v ? Stats.Ms(v) + unit : "n/a"),-12} {(met ? "met" : "MISSED"),-7}{note}"));

        void Compare(string name, double p, double? kvs, double? bo)
        {
            bool both = kvs is not null && bo is not null && boto.Count == kvsedge.Count;
            string noise = string.Empty;
            if (both)
            {
                (double low, double high) = Stats.BootstrapDifference(kvsedge, boto, p, options.Seed);
                noise = Invariant($"boto3 {Stats.Ms(bo!.Value)} ms, difference {Stats.Ms(kvs!.Value - bo.Value)} ms (95% CI {Stats.Ms(low)} .. {Stats.Ms(high)})");
            }

            Target($"kvsedge {name} <= boto3 {name}", kvs, both && kvs <= bo, " ms", noise);
        }

        static string Mib(long kb) => (kb / 1024.0).ToString("0.0", CultureInfo.InvariantCulture);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>VmRSS, its parts (anonymous, file-backed, shared memory) and VmHWM in kB, from /proc/&lt;pid&gt;/status.</summary>
internal readonly record struct ProcMemory(long RssKb, long AnonKb, long FileKb, long ShmemKb, long HwmKb)
{
    public static ProcMemory Read(int pid)
    {
        string path = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status";
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            foreach (string line in File.ReadLines(path))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && line.EndsWith(" kB", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan(colon + 1, line.Length - colon - 4).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long kb))
                {
                    values[line[..colon]] = kb;
                }
            }
        }
        catch (IOException ex)
        {
            throw new BenchException($"cannot read {path}: {ex.Message}");
        }

        return values.TryGetValue("VmRSS", out long rss) && values.TryGetValue("VmHWM", out long hwm)
            ? new ProcMemory(rss, values.GetValueOrDefault("RssAnon"), values.GetValueOrDefault("RssFile"), values.GetValueOrDefault("RssShmem"), hwm)
            : throw new BenchException($"{path} has no VmRSS/VmHWM (is this Linux?)");
    }
}

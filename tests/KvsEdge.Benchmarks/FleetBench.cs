using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KvsEdge.Fleet;
using KvsEdge.Iot;
using KvsEdge.TestSupport;
using KvsEdge.TestSupport.IotCoreDouble;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Benchmarks;

internal sealed record FleetBenchOptions(int Devices, int Changes, bool Keep)
{
    public static bool TryParse(ReadOnlySpan<string> args, [NotNullWhen(true)] out FleetBenchOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        int devices = 200, changes = 3;
        bool keep = false;
        if (!BenchArguments.TryParse(args, (name, value) => name switch
            {
                "--devices" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out devices) && devices is >= 1 and <= 1000,
                "--changes" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out changes) && changes is >= 1 and <= 100,
                "--keep" => bool.TryParse(value, out keep),
                _ => false,
            }, out error))
        {
            return false;
        }

        options = new FleetBenchOptions(devices, changes, keep);
        return true;
    }
}

/// <summary>
/// Issue 15's scale check: N simulated doors (the device's own config-shadow code, <see cref="FleetDevice"/>, each with
/// its own mutual-TLS MQTT connection and certificate) plus one real `kvsedge run`, against the IoT Core double
/// (Mosquitto + shadow service). Each group change is written to every thing's desired `config` shadow as
/// UpdateThingShadow would (the double's data-plane update, the patch built by `fleet set-config`'s own code); the
/// clock runs from the first write until each thing's report of the new version reaches the shadow service. Then an
/// invalid change: every door must report it refused and keep the previous configuration.
/// </summary>
internal static class FleetBench
{
    private const string DaemonThing = "door-kvsedge";
    private const double TargetSeconds = 10;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ChangeTimeout = TimeSpan.FromSeconds(60);
    private static readonly string[] StrippedPrefixes = ["KVSEDGE_", "COMPlus_", "DOTNET_gc", "DOTNET_GC", "AWS_"];
    private static readonly Regex DaemonProblem = new(@"(^|\s)(warn|fail|crit): ", RegexOptions.Compiled);
    private static readonly Regex PublishLine = new(@"(Received PUBLISH from|Sending PUBLISH to) (\S+) \(d\d, q\d, r\d, m\d+, '([^']*)'", RegexOptions.Compiled);

    private sealed record ChangeFigures(int Number, Stats FromChange, Stats FromOwnUpdate, double DaemonOwnUpdateMs, double SendSeconds, Dictionary<string, (int Out, int In)> Messages);

    public static async Task<int> RunAsync(FleetBenchOptions options, CancellationToken cancellationToken)
    {
        string daemonDll = Path.Combine(AppContext.BaseDirectory, "kvsedge.dll");
        if (!File.Exists(daemonDll))
        {
            throw new BenchException($"{daemonDll} is missing; build the bench project (it references src/KvsEdge).");
        }

        string[] simulated = [.. Enumerable.Range(1, options.Devices).Select(i => "door-" + i.ToString("000", CultureInfo.InvariantCulture))];
        string[] things = [.. simulated, DaemonThing];
        Console.WriteLine(Invariant($"KvsEdge fleet bench: {simulated.Length} simulated doors + 1 `kvsedge run`, {options.Changes} group change(s) then 1 invalid one; {Environment.ProcessorCount} CPUs"));
        DirectoryInfo work = Directory.CreateTempSubdirectory("kvsedge-fleet-");
        var devices = new List<FleetDevice>();
        ChildProcess? daemon = null;
        IotCoreDouble? iot = null;
        var doorLogs = new CountingLoggerProvider();
        using var loggers = new LoggerFactory([doorLogs]);
        try
        {
            try
            {
                iot = await IotCoreDouble.StartAsync();
            }
            catch (InvalidOperationException ex)
            {
                throw new BenchException("the IoT Core double did not start (Mosquitto): " + ex.Message);
            }

            var reports = new ConfigReports();
            iot.Shadows.RequestReceived += reports.OnRequest;

            long started = Stopwatch.GetTimestamp();
            var settings = things.ToDictionary(t => t, t => IotCoreDouble.DeviceSettings(iot.DeviceOptions(t)));
            Console.WriteLine(Invariant($"certificates: {things.Length} device certificates issued by the double's CA in {Seconds(started):0.00} s; broker 127.0.0.1:{iot.Broker.Port}"));

            // The fleet's configuration before the bench: every door starts from it (desired before anyone connects).
            JsonObject current = Document(0);
            Dictionary<string, long> baseline = await SendAsync(iot, things, current, null);

            daemon = StartDaemon(daemonDll, work.FullName, settings[DaemonThing]);
            await WaitAsync(reports.WaitAsync(Only(baseline, DaemonThing), "config_version", StartTimeout, cancellationToken), daemon);
            Console.WriteLine(Invariant($"kvsedge run (pid {daemon.Id}) connected and reported the fleet's configuration v{baseline[DaemonThing]}"));

            // Setup: every simulated door builds its services, connects with mutual TLS and judges the document at connect.
            var connected = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (string thing in simulated)
            {
                string state = Directory.CreateDirectory(Path.Combine(work.FullName, thing)).FullName;
                FleetDevice device = FleetDevice.Create(thing, FleetDevice.FileSettings(settings[thing], thing, state), loggers);
                device.Connection.Connected += (_, _) =>
                {
                    lock (connected)
                    {
                        connected.TryAdd(thing, Stopwatch.GetTimestamp());
                    }
                };
                devices.Add(device);
            }

            long setupStart = Stopwatch.GetTimestamp();
            foreach (FleetDevice device in devices)
            {
                await device.StartAsync(cancellationToken);
            }

            Dictionary<string, long> synced = await WaitAsync(reports.WaitAsync(Without(baseline, DaemonThing), "config_version", ChangeTimeout, cancellationToken), daemon);
            Stats connect = Stats.Of([.. connected.Values.Select(t => Ms(setupStart, t))])!;
            Stats sync = Stats.Of([.. synced.Values.Select(t => Ms(setupStart, t))])!;
            Console.WriteLine(Invariant($"setup: {devices.Count} TLS connections up, max {connect.Max / 1000:0.00} s; all judged and reported v-baseline, max {sync.Max / 1000:0.00} s"));

            var figures = new List<ChangeFigures>();
            Dictionary<string, long> lastValid = baseline;
            for (int change = 1; change <= options.Changes; change++)
            {
                JsonObject next = Document(change);
                FleetAccessDocument.Parse(Encoding.UTF8.GetBytes(next.ToJsonString()), "change " + change); // checked as set-config does
                int logStart = iot.Broker.Output.Length;
                var sentAt = new Dictionary<string, long>(StringComparer.Ordinal);
                long t0 = Stopwatch.GetTimestamp();
                Dictionary<string, long> versions = await SendAsync(iot, things, FleetAccessDocument.Patch(current, next), sentAt);
                double sendSeconds = Seconds(t0);
                Dictionary<string, long> reported = await WaitAsync(reports.WaitAsync(versions, "config_version", ChangeTimeout, cancellationToken), daemon);
                Dictionary<string, (int, int)> messages = await CountMessagesAsync(iot, logStart, "change-" + change, things);
                var figure = new ChangeFigures(change,
                    Stats.Of([.. reported.Values.Select(t => Ms(t0, t))])!,
                    Stats.Of([.. reported.Select(r => Ms(sentAt[r.Key], r.Value))])!,
                    Ms(sentAt[DaemonThing], reported[DaemonThing]),
                    sendSeconds, messages);
                figures.Add(figure);
                Console.WriteLine(Invariant($"change {change}: all {reported.Count} reported in {figure.FromChange.Max / 1000:0.000} s (writes took {sendSeconds:0.000} s)"));
                current = next;
                lastValid = versions;
            }

            // A change the doors must refuse: bob removed and a threshold out of range. Sent raw, as
            // `aws iot-data update-thing-shadow` would (set-config's own check would stop it before sending).
            JsonObject invalid = Document(options.Changes);
            invalid["Access"]!["People"]!.AsObject().Remove("bob");
            invalid["Access"]!["People"]!["mallory"] = new JsonObject { ["MinSimilarity"] = 150 };
            long i0 = Stopwatch.GetTimestamp();
            Dictionary<string, long> refusedVersions = await SendAsync(iot, things, FleetAccessDocument.Patch(current, invalid), null);
            Dictionary<string, long> refused = await WaitAsync(reports.WaitAsync(refusedVersions, "config_refused_version", ChangeTimeout, cancellationToken), daemon);
            Stats refusal = Stats.Of([.. refused.Values.Select(t => Ms(i0, t))])!;
            List<string> violations = CheckRefusal(iot, devices, work.FullName, current, lastValid, refusedVersions, reports);

            // The one expected entry at Warning or above: each door's refusal of the invalid change (IotConfigRefused, 2002).
            string[] daemonUnexpected = [.. daemon.Lines.Where(l => DaemonProblem.IsMatch(l) && !l.Contains("[2002]", StringComparison.Ordinal))];
            int daemonRefusals = daemon.Lines.Count(l => DaemonProblem.IsMatch(l) && l.Contains("[2002]", StringComparison.Ordinal));
            var doorsUnexpected = doorLogs.Counts.Where(c => c.Key.Event != "IotConfigRefused").ToList();
            doorLogs.Counts.TryGetValue((LogLevel.Error, "IotConfigRefused"), out int doorRefusals);
            Console.WriteLine(Invariant($"logs: simulated doors {doorRefusals} IotConfigRefused (expected {simulated.Length}), other warnings/errors: {(doorsUnexpected.Count == 0 ? "none" : string.Join(", ", doorsUnexpected.Select(c => $"{c.Value}x {c.Key.Level} {c.Key.Event}")))}"));
            Console.WriteLine(Invariant($"      kvsedge run {daemonRefusals} IotConfigRefused (expected 1), other warnings/errors: {daemonUnexpected.Length}"));
            foreach (string line in daemonUnexpected.Take(5).Concat(doorLogs.Samples.Where(l => !l.Contains("[IotConfigRefused]", StringComparison.Ordinal)).Take(5)))
            {
                Console.WriteLine("      " + line);
            }

            if (doorRefusals != simulated.Length || daemonRefusals != 1)
            {
                violations.Add(Invariant($"refusals logged: {doorRefusals} simulated doors (expected {simulated.Length}), kvsedge {daemonRefusals} (expected 1)"));
            }

            return Report(simulated.Length, connect, sync, figures, refusal, violations);
        }
        finally
        {
            foreach (FleetDevice device in devices)
            {
                await device.DisposeAsync();
            }

            if (daemon is not null)
            {
                if (options.Keep)
                {
                    await File.WriteAllLinesAsync(Path.Combine(work.FullName, "kvsedge-output.log"), daemon.Lines, CancellationToken.None);
                }

                await daemon.DisposeAsync();
            }

            if (iot is not null)
            {
                if (options.Keep)
                {
                    await File.WriteAllTextAsync(Path.Combine(work.FullName, "mosquitto.log"), iot.Broker.Output, CancellationToken.None);
                }

                await iot.DisposeAsync();
            }

            if (options.Keep)
            {
                Console.WriteLine($"kept: {work.FullName} (each door's state directory, kvsedge-output.log, mosquitto.log)");
            }
            else
            {
                work.Delete(recursive: true);
            }
        }
    }

    /// <summary>
    /// The group's access list for change <paramref name="change"/>: 22 staff with thresholds, and one visitor who
    /// changes every time (the previous visitor is removed: the patch sends it as null).
    /// </summary>
    internal static JsonObject Document(int change)
    {
        var people = new JsonObject
        {
            ["alice"] = new JsonObject(),
            ["bob"] = new JsonObject { ["MinSimilarity"] = 95 },
        };
        for (int i = 1; i <= 20; i++)
        {
            people["staff-" + i.ToString("00", CultureInfo.InvariantCulture)] = new JsonObject { ["MinSimilarity"] = 90 + (i % 5) };
        }

        people["visitor-" + change.ToString(CultureInfo.InvariantCulture)] = new JsonObject { ["MinSimilarity"] = 92 };
        return new JsonObject
        {
            ["Access"] = new JsonObject { ["People"] = people, ["Cooldown"] = "00:00:" + (10 + (change % 40)).ToString("00", CultureInfo.InvariantCulture) },
            ["Door"] = new JsonObject { ["PulseDuration"] = "00:00:03" },
        };
    }

    /// <summary>UpdateThingShadow on each thing's `config` shadow, one after the other as `fleet set-config` does.</summary>
    private static async Task<Dictionary<string, long>> SendAsync(IotCoreDouble iot, string[] things, JsonObject desiredPatch, Dictionary<string, long>? sentAt)
    {
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string thing in things)
        {
            string request = new JsonObject
            {
                ["state"] = new JsonObject { ["desired"] = desiredPatch.DeepClone() },
                ["clientToken"] = "kvsedge-fleet-" + Guid.NewGuid().ToString("N")[..16],
            }.ToJsonString();
            sentAt?.Add(thing, Stopwatch.GetTimestamp());
            JsonObject accepted = await iot.Shadows.UpdateAsync(thing, ConfigShadow.ShadowName, request);
            versions[thing] = accepted["version"]?.GetValue<long>() ?? throw new BenchException($"the update of {thing} was refused: {accepted.ToJsonString()}");
        }

        return versions;
    }

    /// <summary>
    /// PUBLISH packets to and from each thing on its `config` shadow topics since <paramref name="logStart"/>, from
    /// Mosquitto's log. A marker published afterwards (Mosquitto logs in order) says the log is complete up to now.
    /// </summary>
    private static async Task<Dictionary<string, (int Out, int In)>> CountMessagesAsync(IotCoreDouble iot, int logStart, string marker, string[] things)
    {
        string topic = "$aws/things/fleet-bench-marker/shadow/name/marker/" + marker;
        await iot.Shadows.PublishRawAsync(topic, "{}");
        string log = iot.Broker.Output;
        long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
        while (!log.Contains("'" + topic + "'", StringComparison.Ordinal))
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new BenchException("Mosquitto did not log the bench's marker message within 10 s.");
            }

            // Mosquitto's stderr reaches us through a pipe: wait for the marker line, checking a few times a second.
            await Task.Delay(50);
            log = iot.Broker.Output;
        }

        var counts = things.ToDictionary(t => t, _ => (Out: 0, In: 0), StringComparer.Ordinal);
        foreach (Match match in PublishLine.Matches(log, logStart))
        {
            string client = match.Groups[2].Value;
            if (!counts.TryGetValue(client, out var count) || !match.Groups[3].Value.Contains("/shadow/name/config/", StringComparison.Ordinal))
            {
                continue;
            }

            counts[client] = match.Groups[1].Value.StartsWith("Received", StringComparison.Ordinal) ? (count.Out + 1, count.In) : (count.Out, count.In + 1);
        }

        return counts;
    }

    /// <summary>After the invalid change: what each door runs and reports must still be the last valid configuration.</summary>
    private static List<string> CheckRefusal(IotCoreDouble iot, List<FleetDevice> devices, string work, JsonObject current,
        Dictionary<string, long> lastValid, Dictionary<string, long> refusedVersions, ConfigReports reports)
    {
        var problems = new List<string>();
        string expectedPeople = string.Join(",", current["Access"]!["People"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (FleetDevice device in devices)
        {
            long valid = lastValid[device.Thing];
            if (device.Store.Current?.Version != valid)
            {
                problems.Add(Invariant($"{device.Thing} runs v{device.Store.Current?.Version}, not the last valid v{valid}"));
            }

            if (device.People != expectedPeople)
            {
                problems.Add($"{device.Thing} lets in {device.People}, not {expectedPeople}");
            }

            IReadOnlyList<ConfigShadowResult> results = device.Results;
            var refusedSet = results.Where(r => r.Outcome == "refused").Select(r => r.Version).ToHashSet();
            if (!refusedSet.Contains(refusedVersions[device.Thing]))
            {
                problems.Add(Invariant($"{device.Thing} did not judge v{refusedVersions[device.Thing]} refused"));
            }

            if (results.Any(r => r.Outcome is "applied" or "unchanged" && refusedSet.Contains(r.Version)))
            {
                problems.Add($"{device.Thing} applied a version it refused");
            }

            if (LastGoodVersion(device.Store.FilePath) != valid)
            {
                problems.Add(Invariant($"{device.Thing}: last-good file holds v{LastGoodVersion(device.Store.FilePath)}, not v{valid}"));
            }
        }

        // The real `kvsedge run`: its last-good file and log.
        long daemonValid = lastValid[DaemonThing];
        long? daemonFile = LastGoodVersion(Path.Combine(work, "kvsedge-state", ShadowConfigStore.FileName));
        if (daemonFile != daemonValid)
        {
            problems.Add(Invariant($"{DaemonThing}: last-good file holds v{daemonFile}, not v{daemonValid}"));
        }

        // Every thing (the daemon too): the shadow's reported state keeps the last valid version and settings.
        foreach ((string thing, long valid) in lastValid)
        {
            JsonNode? reported = iot.Shadows.Store.Read(thing, ConfigShadow.ShadowName)?["state"]?["reported"];
            string people = reported?["Access"]?["People"] is JsonObject p ? string.Join(",", p.Select(e => e.Key).Order(StringComparer.Ordinal)) : "(none)";
            if (reported?["config_version"]?.GetValue<long>() != valid || people != expectedPeople
                || reported?["config_refused_version"]?.GetValue<long>() != refusedVersions[thing]
                || reported?["config_error"]?.GetValue<string>() is not { Length: > 0 } error
                || !error.Contains("Access:People:mallory:MinSimilarity", StringComparison.Ordinal))
            {
                problems.Add($"{thing}: reported state after the refusal is {reported?.ToJsonString()}");
            }

            if (reports.Applied(thing).Intersect(reports.Refused(thing)).Any())
            {
                problems.Add($"{thing} reported a version both applied and refused");
            }
        }

        return problems;
    }

    private static long? LastGoodVersion(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllBytes(path))?["version"]?.GetValue<long>();
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return null;
        }
    }

    private static ChildProcess StartDaemon(string dll, string work, Dictionary<string, string?> iot)
    {
        string state = Directory.CreateDirectory(Path.Combine(work, "kvsedge-state")).FullName;
        string replay = Path.Combine(work, "replay.json");
        File.WriteAllText(replay, "[]");
        var settings = new Dictionary<string, object>
        {
            ["Device"] = new { Id = "fleet-bench", StateDirectory = state },
            ["Door"] = new { Driver = "simulated", Relay = new { Pin = 17 }, MaxPulseDuration = "00:00:10" },
            ["Camera"] = new { Enabled = false },
            ["Mqtt"] = new { Enabled = false },
            ["Recognition"] = new { Source = "replay", Replay = new { File = replay } },
            ["Access"] = new { People = new Dictionary<string, object> { ["alice"] = new { } } },
            ["Iot"] = new
            {
                Enabled = true,
                Endpoint = iot["Iot:Endpoint"],
                Port = int.Parse(iot["Iot:Port"]!, CultureInfo.InvariantCulture),
                ThingName = iot["Iot:ThingName"],
                CertificatePath = iot["Iot:CertificatePath"],
                KeyPath = iot["Iot:KeyPath"],
                CaPath = iot["Iot:CaPath"],
            },
        };
        string config = Path.Combine(work, "kvsedge.fleet.json");
        File.WriteAllText(config, JsonSerializer.Serialize(settings));
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = work };
        foreach (string argument in new[] { dll, "run", "--config", config })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (string name in info.Environment.Keys.Where(k => StrippedPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        return ChildProcess.Start("kvsedge", info);
    }

    /// <summary>Waits for <paramref name="task"/>, failing early (with its output) if the daemon exits meanwhile.</summary>
    private static async Task<T> WaitAsync<T>(Task<T> task, ChildProcess daemon)
    {
        await Task.WhenAny(task, daemon.Exited);
        if (!task.IsCompleted)
        {
            throw new BenchException("kvsedge exited during the bench." + Environment.NewLine + daemon.Tail());
        }

        return await task;
    }

    private static Dictionary<string, long> Only(Dictionary<string, long> versions, string thing) => new() { [thing] = versions[thing] };

    private static Dictionary<string, long> Without(Dictionary<string, long> versions, string thing) =>
        versions.Where(v => v.Key != thing).ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);

    private static int Report(int simulated, Stats connect, Stats sync, List<ChangeFigures> figures, Stats refusal, List<string> violations)
    {
        Console.WriteLine();
        Console.WriteLine("== KvsEdge fleet: one group config change -> every door reported the new version ==");
        Console.WriteLine(Invariant($"machine: {Environment.ProcessorCount} CPUs, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}"));
        Console.WriteLine(Invariant($"things: {simulated} simulated doors (ConfigShadow in this process, one mutual-TLS connection each) + 1 `kvsedge run`; loopback Mosquitto + shadow double"));
        Console.WriteLine(Invariant($"setup (measured apart): TLS connect p50 {connect.P50 / 1000:0.00} s, p99 {connect.P99 / 1000:0.00} s, max {connect.Max / 1000:0.00} s; first document judged and reported, max {sync.Max / 1000:0.00} s"));
        Console.WriteLine(Invariant($"{"ms",-36}{"count",7}{"p50",9}{"p99",9}{"max",9}{"writes",9}"));
        foreach (ChangeFigures f in figures)
        {
            Console.WriteLine(Invariant($"{"change " + f.Number + ": from the first write",-36}{f.FromChange.Count,7}{f.FromChange.P50,9:0}{f.FromChange.P99,9:0}{f.FromChange.Max,9:0}{f.SendSeconds * 1000,9:0}"));
            Console.WriteLine(Invariant($"{"         from the door's own write",-36}{f.FromOwnUpdate.Count,7}{f.FromOwnUpdate.P50,9:0}{f.FromOwnUpdate.P99,9:0}{f.FromOwnUpdate.Max,9:0}"));
            Console.WriteLine(Invariant($"{"         kvsedge run, its own write",-36}{1,7}{f.DaemonOwnUpdateMs,9:0}"));
        }

        Console.WriteLine(Invariant($"{"invalid change: refusal reported",-36}{refusal.Count,7}{refusal.P50,9:0}{refusal.P99,9:0}{refusal.Max,9:0}"));
        var perDevice = figures.SelectMany(f => f.Messages.Values).ToList();
        var daemon = figures.Select(f => f.Messages[DaemonThing]).ToList();
        Console.WriteLine(Invariant($"MQTT messages per door per change (PUBLISH on its config shadow topics): device->broker {Range(perDevice.Select(m => m.Out))}, broker->device {Range(perDevice.Select(m => m.In))}; kvsedge run {Range(daemon.Select(m => m.Out))} / {Range(daemon.Select(m => m.In))}"));
        double worst = figures.Max(f => f.FromChange.Max) / 1000;
        bool met = worst <= TargetSeconds;
        Console.WriteLine("targets:");
        Console.WriteLine(Invariant($"  all {simulated + 1} converge within {TargetSeconds:0} s of the change: worst {worst:0.000} s  {(met ? "met" : "MISSED")}"));
        Console.WriteLine(Invariant($"  no door applies a config it reported refused, each keeps the last valid one: {(violations.Count == 0 ? "met" : "MISSED")}"));
        foreach (string violation in violations.Take(20))
        {
            Console.WriteLine("    " + violation);
        }

        return 0;
    }

    private static string Range(IEnumerable<int> values)
    {
        int[] all = [.. values];
        return all.Min() == all.Max() ? all[0].ToString(CultureInfo.InvariantCulture) : Invariant($"{all.Min()}-{all.Max()}");
    }

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    private static double Seconds(long from) => (Stopwatch.GetTimestamp() - from) / (double)Stopwatch.Frequency;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Each thing's reports on its `config` shadow, as the shadow service received them (arrival timestamps).</summary>
    private sealed class ConfigReports
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, List<(long At, JsonObject Reported)>> _reports = new(StringComparer.Ordinal);
        private readonly List<Action> _waiters = [];

        public void OnRequest(string topic, string payload, long arrived)
        {
            string[] levels = topic.Split('/');
            if (levels is not ["$aws", "things", var thing, "shadow", "name", ConfigShadow.ShadowName, "update"])
            {
                return;
            }

            if (JsonNode.Parse(payload)?["state"]?["reported"] is not JsonObject reported)
            {
                return;
            }

            Action[] waiters;
            lock (_gate)
            {
                if (!_reports.TryGetValue(thing, out var list))
                {
                    _reports[thing] = list = [];
                }

                list.Add((arrived, reported));
                waiters = [.. _waiters];
            }

            foreach (Action waiter in waiters)
            {
                waiter();
            }
        }

        public List<long> Applied(string thing) => Versions(thing, "config_version");

        public List<long> Refused(string thing) => Versions(thing, "config_refused_version");

        private List<long> Versions(string thing, string key)
        {
            lock (_gate)
            {
                return _reports.TryGetValue(thing, out var list)
                    ? [.. list.Select(r => r.Reported[key] is JsonValue v && v.TryGetValue(out long n) ? n : -1).Where(n => n >= 0)]
                    : [];
            }
        }

        /// <summary>When each thing first reported <paramref name="key"/> = its version (past reports count).</summary>
        public async Task<Dictionary<string, long>> WaitAsync(IReadOnlyDictionary<string, long> versions, string key, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var done = new TaskCompletionSource<Dictionary<string, long>>(TaskCreationOptions.RunContinuationsAsynchronously);
            var found = new Dictionary<string, long>(StringComparer.Ordinal);
            void Check()
            {
                lock (_gate)
                {
                    foreach ((string thing, long version) in versions)
                    {
                        if (!found.ContainsKey(thing) && _reports.TryGetValue(thing, out var list)
                            && list.FirstOrDefault(r => r.Reported[key] is JsonValue v && v.TryGetValue(out long n) && n == version) is { Reported: not null } hit)
                        {
                            found[thing] = hit.At;
                        }
                    }

                    if (found.Count == versions.Count)
                    {
                        done.TrySetResult(new Dictionary<string, long>(found, StringComparer.Ordinal));
                    }
                }
            }

            lock (_gate)
            {
                _waiters.Add(Check);
            }

            try
            {
                Check();
                return await done.Task.WaitAsync(timeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                string[] missing;
                lock (_gate)
                {
                    missing = [.. versions.Keys.Where(t => !found.ContainsKey(t))];
                }

                throw new BenchException(Invariant($"{missing.Length} of {versions.Count} things did not report {key} within {timeout.TotalSeconds:0} s: {string.Join(", ", missing.Take(10))}"));
            }
            finally
            {
                lock (_gate)
                {
                    _waiters.Remove(Check);
                }
            }
        }
    }
}

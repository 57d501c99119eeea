using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KvsEdge.Common;
using KvsEdge.TestSupport;
using MQTTnet;
using static KvsEdge.Benchmarks.Faults.FaultLab;

namespace KvsEdge.Benchmarks.Faults;

/// <summary>
/// The twelve rows. Each starts its own daemon(s) on the shared kinesalite and broker, injects one fault, and
/// judges from what an outsider can see: the relay's transition log, MQTT, the process's exit and its output.
/// </summary>
internal sealed partial class FaultRows(FaultLab lab, FaultOptions options)
{
    private static readonly TimeSpan Decide = TimeSpan.FromSeconds(10);

    // ---------------------------------------------------------------- R1
    /// <summary>Broker stopped 30 s while decisions happen: every event arrives after it returns, in order.</summary>
    public async Task<FaultResult> BrokerOutageAsync(CancellationToken ct)
    {
        const string fault = "broker stopped 30 s";
        string stream = await lab.CreateStreamAsync("R1", ct);
        DaemonConfig config = lab.Config("R1", stream);
        await using ChildProcess daemon = await config.StartReadyAsync(stream, ct);
        // A persistent session: the broker keeps what the daemon publishes before this probe is back.
        await using MqttProbe probe = await MqttProbe.ConnectAsync("127.0.0.1", lab.Broker.Port, config.Prefix + "/events", persistentSession: true);
        int baseEdges = config.Edges;

        await lab.Broker.StopAsync();
        long down = Stopwatch.GetTimestamp();
        var fragments = new List<string>();
        int grants = 0;
        for (int i = 0; Stopwatch.GetElapsedTime(down) < TimeSpan.FromSeconds(28); i++)
        {
            bool alice = i % 2 == 0;
            string fragment = await lab.PutMatchAsync(stream, alice ? "alice" : "mallory", ct);
            fragments.Add(fragment);
            grants += alice ? 1 : 0;
            if (!await DaemonConfig.DecidedAsync(daemon, fragment, Decide, ct))
            {
                throw new BenchException("no decision while the broker was down for " + fragment + Environment.NewLine + daemon.Tail());
            }

            await Task.Delay(TimeSpan.FromSeconds(2), ct); // decisions spread over the outage, as visitors would be
        }

        TimeSpan remaining = TimeSpan.FromSeconds(30) - Stopwatch.GetElapsedTime(down);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, ct); // the outage itself is the fault
        }

        await lab.Broker.StartAsync(ct);
        long up = Stopwatch.GetTimestamp();
        await probe.ReconnectAsync();
        bool all = await UntilAsync(() => fragments.All(Events.Fragments(probe, config.Prefix).Contains), TimeSpan.FromSeconds(60), ct);
        TimeSpan recovery = Stopwatch.GetElapsedTime(up);

        IReadOnlyList<string> received = Events.Fragments(probe, config.Prefix);
        int lost = fragments.Count(f => !received.Contains(f));
        // At least once: a duplicate is allowed, but first arrivals must keep the decisions' order.
        List<string> firstArrivals = [.. received.Where(fragments.Contains).Distinct()];
        bool ordered = firstArrivals.SequenceEqual(fragments.Where(firstArrivals.Contains));
        int wrong = Math.Max(0, config.Edges - baseEdges - grants);
        int missingPulses = Math.Max(0, grants - (config.Edges - baseEdges));
        bool passed = all && lost == 0 && ordered && wrong == 0 && missingPulses == 0 && !daemon.Exited.IsCompleted;
        return new FaultResult("R1", fault, Invariant($"mosquitto SIGTERM, {fragments.Count} decisions during 30 s"), wrong, lost, all ? recovery : null, passed,
            Invariant($"{fragments.Count} decisions ({grants} grants) while the broker was down; {received.Count} events received after it returned ({received.Count - received.Distinct().Count()} duplicates), first arrivals {(ordered ? "in order" : "OUT OF ORDER")}; {missingPulses} grants without a pulse"));
    }

    // ---------------------------------------------------------------- R2
    /// <summary>SIGKILL after the ledger append and before the checkpoint at every grant: no second pulse for any record.</summary>
    public async Task<FaultResult> FaultPointsAsync(CancellationToken ct)
    {
        const int Grants = 3;
        int wrong = 0;
        int kills = 0;
        TimeSpan worstRecovery = TimeSpan.Zero;
        var notes = new List<string>();
        bool passed = true;
        foreach (string point in new[] { "after-ledger-append", "before-checkpoint" })
        {
            string stream = await lab.CreateStreamAsync("R2", ct);
            DaemonConfig config = lab.Config("R2", stream);
            config.Environment["KVSEDGE_FAULT_POINT"] = point;
            ChildProcess daemon = await config.StartReadyAsync(stream, ct);
            int regrants = 0;
            int duplicates = 0;
            try
            {
                for (int i = 0; i < Grants; i++)
                {
                    string fragment = await lab.PutMatchAsync(stream, "alice", ct);
                    int deaths = 0;
                    // Each death at the fault point is one grant of this record; the restart must see a duplicate.
                    while (await ExitedAsync(daemon, TimeSpan.FromSeconds(10), ct) is { } code)
                    {
                        deaths++;
                        kills++;
                        if (code != 137)
                        {
                            notes.Add(Invariant($"{point}: exit {code}, expected SIGKILL (137)"));
                        }

                        await daemon.DisposeAsync();
                        long restarted = Stopwatch.GetTimestamp();
                        daemon = config.Start();
                        if (deaths > 3)
                        {
                            break;
                        }

                        if (await DaemonConfig.DecidedAsync(daemon, fragment, TimeSpan.FromSeconds(30), ct))
                        {
                            worstRecovery = Max(worstRecovery, Stopwatch.GetElapsedTime(restarted));
                            duplicates += DaemonConfig.DecisionLine(daemon, fragment)!.Contains("(duplicate)", StringComparison.Ordinal) ? 1 : 0;
                        }
                    }

                    if (deaths == 0)
                    {
                        passed = false;
                        notes.Add($"{point}: the daemon did not die at the fault point (KVSEDGE_FAULT_POINT not honoured)");
                        break;
                    }

                    regrants += deaths - 1;
                }
            }
            finally
            {
                await daemon.DisposeAsync();
            }

            // after-ledger-append dies before the relay moves, so 0 or 1 pulse per record is right; never 2.
            int excess = Math.Max(0, config.Edges - Grants);
            wrong += excess + regrants;
            notes.Add(Invariant($"{point}: {config.Edges} pulses for {Grants} grants, {regrants} re-grants after restart, {duplicates} redeliveries decided duplicate"));
        }

        passed &= wrong == 0 && kills >= 2 * Grants;
        return new FaultResult("R2", "SIGKILL ledger→checkpoint, every grant", Invariant($"KVSEDGE_FAULT_POINT, {kills} self-kills"), wrong, null, worstRecovery, passed, string.Join("; ", notes));
    }

    private static async Task<int?> ExitedAsync(ChildProcess daemon, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            return await daemon.Exited.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    // ---------------------------------------------------------------- R3
    /// <summary>Kinesis unreachable for two minutes while records pile up: none older than MaxEventAge pulses.</summary>
    public async Task<FaultResult> KinesisOutageAsync(CancellationToken ct)
    {
        TimeSpan outage = TimeSpan.FromSeconds(options.KinesisOutageSeconds);
        TimeSpan maxEventAge = TimeSpan.FromSeconds(10);
        string stream = await lab.CreateStreamAsync("R3", ct);
        await using var gate = new TcpGate(lab.Kinesalite.ServiceUrl);
        DaemonConfig config = lab.Config("R3", stream, gate.Url);
        await using ChildProcess daemon = await config.StartReadyAsync(stream, ct);
        int baseEdges = config.Edges;

        gate.Close();
        long down = Stopwatch.GetTimestamp();
        var backlog = new List<string>();
        // Puts go straight to kinesalite; the last one is older than MaxEventAge by the time the link returns.
        while (Stopwatch.GetElapsedTime(down) < outage - maxEventAge - TimeSpan.FromSeconds(5))
        {
            backlog.Add(await lab.PutMatchAsync(stream, "alice", ct));
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }

        TimeSpan rest = outage - Stopwatch.GetElapsedTime(down);
        if (rest > TimeSpan.Zero)
        {
            await Task.Delay(rest, ct); // the outage itself is the fault
        }

        gate.Open();
        long up = Stopwatch.GetTimestamp();
        bool drained = await UntilAsync(() => backlog.All(f => DaemonConfig.DecisionLine(daemon, f) is not null) || daemon.Exited.IsCompleted, TimeSpan.FromSeconds(90), ct);
        TimeSpan recovery = Stopwatch.GetElapsedTime(up);
        int staleEdges = config.Edges - baseEdges;
        int granted = backlog.Count(f => DaemonConfig.DecisionLine(daemon, f) is { } l && !l.Contains("(stale)", StringComparison.Ordinal));

        // The door still works afterwards: one fresh record, one pulse.
        string fresh = await lab.PutMatchAsync(stream, "alice", ct);
        bool freshPulsed = await UntilAsync(() => config.Edges - baseEdges > staleEdges, Decide, ct);
        int decidedStale = backlog.Count(f => DaemonConfig.DecisionLine(daemon, f)?.Contains("(stale)", StringComparison.Ordinal) == true);
        bool passed = drained && staleEdges == 0 && granted == 0 && freshPulsed && !daemon.Exited.IsCompleted;
        return new FaultResult("R3", "Kinesis outage then backlog", Invariant($"link cut {outage.TotalSeconds:0} s, {backlog.Count} records queued"), staleEdges, null, drained ? recovery : null, passed,
            Invariant($"{backlog.Count} backlog records ({backlog.Count - decidedStale} not decided stale), {staleEdges} pulses from them; backlog decided {recovery.TotalSeconds:0.0} s after the link returned; fresh record afterwards {(freshPulsed ? "pulsed" : "did NOT pulse")} ({fresh})"));
    }

    // ---------------------------------------------------------------- R4
    /// <summary>Hostile records: no crash, no pulse; a good record after them still pulses exactly once.</summary>
    public async Task<FaultResult> HostileRecordsAsync(CancellationToken ct)
    {
        string stream = await lab.CreateStreamAsync("R4", ct);
        DaemonConfig config = lab.Config("R4", stream);
        await using ChildProcess daemon = await config.StartReadyAsync(stream, ct);
        int baseEdges = config.Edges;
        IReadOnlyList<(string Name, byte[] Data)> hostile = HostileRecords.All(lab.NextFragment);
        foreach ((_, byte[] data) in hostile)
        {
            await lab.PutAsync(stream, data, ct);
        }

        long canaryPut = Stopwatch.GetTimestamp();
        string canary = await lab.PutMatchAsync(stream, "alice", ct);
        bool decided = await DaemonConfig.DecidedAsync(daemon, canary, TimeSpan.FromSeconds(30), ct);
        bool pulsed = await UntilAsync(() => config.Edges > baseEdges, Decide, ct);
        TimeSpan recovery = Stopwatch.GetElapsedTime(canaryPut);
        int edges = config.Edges - baseEdges;
        int wrong = Math.Max(0, edges - 1);
        int crashes = daemon.Exited.IsCompleted ? 1 : 0;
        int unhandled = daemon.Lines.Count(l => l.Contains("Unhandled exception", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
        int malformed = daemon.Lines.Count(l => l.Contains("Malformed", StringComparison.OrdinalIgnoreCase) || l.Contains("(malformed)", StringComparison.Ordinal));
        bool passed = decided && pulsed && wrong == 0 && crashes == 0 && unhandled == 0;
        return new FaultResult("R4", "hostile records", Invariant($"{hostile.Count} records: {string.Join(", ", hostile.Select(h => h.Name).Distinct())}"), wrong, null, decided ? recovery : null, passed,
            Invariant($"{hostile.Count} hostile records ({string.Join(", ", hostile.GroupBy(h => h.Name).Select(g => $"{g.Count()} {g.Key}"))}); {crashes} crashes, {unhandled} critical lines, {malformed} malformed reports; canary {(pulsed ? "pulsed once" : "did NOT pulse")} after them"));
    }

    // ---------------------------------------------------------------- R5
    /// <summary>SIGTERM mid-pulse: relay inactive within 50 ms. SIGKILL mid-pulse, then `door lock` with a broken config.</summary>
    public async Task<FaultResult> SignalsMidPulseAsync(CancellationToken ct)
    {
        string stream = await lab.CreateStreamAsync("R5", ct);
        DaemonConfig config = lab.Config("R5", stream);
        config.Settings["Door"]!["PulseDuration"] = "00:00:05";
        var notes = new List<string>();

        // SIGTERM while the strike is held.
        TimeSpan? termToLow = null;
        await using (ChildProcess daemon = await config.StartReadyAsync(stream, ct))
        {
            int baseEdges = config.Edges;
            await lab.PutMatchAsync(stream, "alice", ct);
            if (!await UntilAsync(() => config.Edges > baseEdges, Decide, ct))
            {
                throw new BenchException("no pulse to interrupt" + Environment.NewLine + daemon.Tail());
            }

            DateTimeOffset signalled = DateTimeOffset.UtcNow;
            Processes.Signal(daemon.Id, Processes.SigTerm);
            int code = await daemon.Exited.WaitAsync(TimeSpan.FromSeconds(15), ct);
            var levels = RelayLog.Levels(config.RelayLog, RelayPin);
            int lastHigh = levels.Select((l, i) => (l, i)).LastOrDefault(x => x.l.High, (default, -1)).Item2;
            if (lastHigh >= 0 && lastHigh + 1 < levels.Count)
            {
                // The first inactive write after the pulse began (later ones only repeat it). The log has millisecond
                // resolution, truncated: the signal time is truncated alike.
                termToLow = levels[lastHigh + 1].At - signalled.AddTicks(-(signalled.Ticks % TimeSpan.TicksPerMillisecond));
            }

            notes.Add(Invariant($"SIGTERM mid-pulse: exit {code}, relay {(termToLow is { } t ? $"inactive {t.TotalMilliseconds:0} ms after the signal" : "NOT inactive")}"));
        }

        // SIGKILL while the strike is held, then systemd's ExecStopPost with a config that no longer parses.
        bool lockedAfterKill = false;
        TimeSpan? killToLow = null;
        string configText = config.Settings.ToJsonString();
        await using (ChildProcess daemon = await config.StartReadyAsync(stream, ct))
        {
            int baseEdges = config.Edges;
            await lab.PutMatchAsync(stream, "alice", ct);
            if (!await UntilAsync(() => config.Edges > baseEdges, Decide, ct))
            {
                throw new BenchException("no pulse to interrupt" + Environment.NewLine + daemon.Tail());
            }

            long killed = Stopwatch.GetTimestamp();
            await daemon.KillAsync();
            bool heldAfterKill = RelayLog.Levels(config.RelayLog, RelayPin)[^1].High;
            File.WriteAllText(config.ConfigFile, configText[..(configText.Length / 2)]); // a half-written config file
            // systemd gives every Exec* command of the unit its StateDirectory=, ExecStopPost included.
            var environment = new Dictionary<string, string>(config.Environment) { ["STATE_DIRECTORY"] = config.StateDirectory };
            await using ChildProcess doorLock = config.Track(ChildProcess.Start("kvsedge door lock", lab.StartInfo(config.Directory, ["door", "lock", "--config", config.ConfigFile], environment)));
            int code = await doorLock.Exited.WaitAsync(TimeSpan.FromSeconds(30), ct);
            var levels = RelayLog.Levels(config.RelayLog, RelayPin);
            lockedAfterKill = heldAfterKill && levels.Count > 0 && !levels[^1].High;
            killToLow = lockedAfterKill ? Stopwatch.GetElapsedTime(killed) : null;
            notes.Add(Invariant($"SIGKILL mid-pulse (relay {(heldAfterKill ? "held" : "already low")}), then door lock with a broken config: exit {code}, relay {(lockedAfterKill ? "inactive" : "NOT inactive")} — {string.Join(" | ", doorLock.Lines.Take(3))}"));
        }

        bool passed = termToLow is { } term && term <= TimeSpan.FromMilliseconds(50) && term >= TimeSpan.FromMilliseconds(-1) && lockedAfterKill;
        return new FaultResult("R5", "SIGTERM / SIGKILL mid-pulse", "SIGTERM; SIGKILL + door lock, broken config", 0, null, termToLow, passed, string.Join("; ", notes)
            + (killToLow is { } k ? Invariant($"; kill → door lock done {k.TotalMilliseconds:0} ms") : string.Empty));
    }

    // ---------------------------------------------------------------- R6
    /// <summary>Camera pipeline failing and restarting: record put → relay active no slower than with a healthy camera.</summary>
    public async Task<FaultResult> CameraFaultsAsync(CancellationToken ct)
    {
        // Put → relay includes the phase of the 200 ms Kinesis poll (uniform noise of ±60 ms on one sample), so 40 records
        // per run and a p50 margin of 50 ms: a door path held up by the camera shows as hundreds of ms, not tens.
        const int Records = 40;
        var camera = new JsonObject
        {
            ["Enabled"] = true,
            ["Source"] = "test",
            ["Width"] = 640,
            ["Height"] = 480,
            ["Framerate"] = 15,
            ["RestartMinDelay"] = "00:00:00.1",
            ["RestartMaxDelay"] = "00:00:00.2",
        };
        (Stats? healthy, _) = await MeasureDoorLatencyAsync("R6", camera, Records, ct);

        // Error: a camera that is not there fails at every start, and the supervisor restarts it every 0.1-0.2 s.
        JsonObject missing = (JsonObject)camera.DeepClone();
        missing["Source"] = "v4l2";
        missing["Device"] = "/dev/kvsedge-faults-no-camera";
        (Stats? failing, int restarts) = await MeasureDoorLatencyAsync("R6", missing, Records, ct);

        // Stall: the pipeline plays but no frame passes its source (the daemon's camera-stall fault point closes a valve
        // there), so the supervisor gives up on it after StallTimeout and restarts it, again and again.
        JsonObject stalling = (JsonObject)camera.DeepClone();
        stalling["StallTimeout"] = "00:00:01";
        (Stats? stalled, int stallRestarts) = await MeasureDoorLatencyAsync(
            "R6", stalling, Records, ct, new Dictionary<string, string> { [FaultPoint.EnvironmentVariable] = FaultPoint.CameraStall });

        bool Unaffected(Stats? s) => healthy is not null && s is not null && s.Count == Records
            && s.P50 <= healthy.P50 + 50 && s.P90 <= Math.Max(healthy.P90 * 1.5, healthy.P90 + 50);
        bool passed = healthy is { Count: Records } && Unaffected(failing) && restarts > 0 && Unaffected(stalled) && stallRestarts > 0;
        return new FaultResult("R6", "camera pipeline error and stall", "camera device missing; frames stopped at the source (valve)", null, null, null, passed,
            Invariant($"record put → relay active p50/p90/max ms: healthy camera (test pattern) {Fmt(healthy)}; failing camera {Fmt(failing)} with {restarts} pipeline restarts meanwhile; stalled camera {Fmt(stalled)} with {stallRestarts} stall restarts meanwhile (pass: every record pulsed, p50 within +50 ms and p90 within ×1.5 or +50 ms of the healthy run)"));

        static string Fmt(Stats? s) => s is null ? "none" : Invariant($"{Stats.Ms(s.P50)}/{Stats.Ms(s.P90)}/{Stats.Ms(s.Max)} (n={s.Count})");
    }

    private async Task<(Stats? Latency, int Restarts)> MeasureDoorLatencyAsync(
        string row, JsonObject camera, int records, CancellationToken ct, Dictionary<string, string>? environment = null)
    {
        string stream = await lab.CreateStreamAsync(row, ct);
        DaemonConfig config = lab.Config(row, stream);
        config.Settings["Camera"] = camera;
        foreach ((string name, string value) in environment ?? [])
        {
            config.Environment[name] = value;
        }

        config.Settings["Mqtt"]!["Enabled"] = false;
        await using ChildProcess daemon = await config.StartReadyAsync(stream, ct);
        await Task.Delay(TimeSpan.FromSeconds(2), ct); // let the camera reach its steady state (playing, or failing) first
        var latencies = new List<double>();
        var random = new Random(records); // not security: gaps off the poll phase
        for (int i = 0; i < records; i++)
        {
            int before = config.Edges;
            DateTimeOffset put = DateTimeOffset.UtcNow;
            await lab.PutMatchAsync(stream, "alice", ct);
            if (await UntilAsync(() => config.Edges > before, TimeSpan.FromSeconds(5), ct))
            {
                latencies.Add((RelayLog.RisingEdges(config.RelayLog, RelayPin)[^1] - put).TotalMilliseconds);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250 + random.Next(150)), ct);
        }

        // A stall restart says why ("Camera pipeline ended (stalled: no frame for …)"): the stall run counts only those.
        string marker = environment is null ? "Camera pipeline ended" : "Camera pipeline ended (stalled";
        int restarts = daemon.Lines.Count(l => l.Contains(marker, StringComparison.Ordinal));
        return (Stats.Of(latencies), restarts);
    }

    // ---------------------------------------------------------------- R7
    /// <summary>Bad configurations exit 78 (EX_CONFIG) before any GPIO line is opened.</summary>
    public async Task<FaultResult> BadConfigsAsync(CancellationToken ct)
    {
        string stream = await lab.CreateStreamAsync("R7", ct);
        bool libgpiodPresent = LibgpiodPresent();
        var cases = new List<(string Name, Func<DaemonConfig, string> Write, string Names, bool SimulatedDoor)>
        {
            ("JSON syntax error", c => """{ "Door": { "Driver": "simulated", """, "", true),
            ("pulse above maximum", c => Set(c, s => s["Door"]!["PulseDuration"] = "00:05:00"), "Door:PulseDuration", true),
            ("unbindable value", c => Set(c, s => s["Access"]!["MaxEventAge"] = "soon"), "MaxEventAge", true),
            ("replay on real GPIO", c => Set(c, s =>
            {
                s["Recognition"] = new JsonObject { ["Source"] = "replay" };
                s["Door"] = new JsonObject { ["Driver"] = "libgpiod" };
            }), "Recognition:Source", false),
        };
        if (!libgpiodPresent)
        {
            cases.Add(("missing libgpiod", c => Set(c, s => s["Door"] = new JsonObject { ["Driver"] = "libgpiod" }), "libgpiod", false));
        }

        var notes = new List<string>();
        bool passed = true;
        foreach ((string name, Func<DaemonConfig, string> write, string names, bool simulatedDoor) in cases)
        {
            DaemonConfig config = lab.Config("R7", stream);
            if (simulatedDoor)
            {
                // Through the environment, so even a config file that does not parse would open the logged lines.
                config.Environment["KVSEDGE_Door__Driver"] = "simulated";
                config.Environment["KVSEDGE_Door__Simulated__TransitionLog"] = config.RelayLog;
            }

            File.WriteAllText(config.ConfigFile, write(config));
            await using ChildProcess daemon = config.Track(ChildProcess.Start("kvsedge R7", lab.StartInfo(config.Directory, ["run", "--config", config.ConfigFile], config.Environment)));
            int? code = await ExitedAsync(daemon, TimeSpan.FromSeconds(30), ct);
            bool opened = File.Exists(config.RelayLog) && new FileInfo(config.RelayLog).Length > 0;
            string output = string.Join("\n", daemon.Lines);
            bool named = output.Contains(names, StringComparison.Ordinal);
            bool ok = code == 78 && !opened && named;
            passed &= ok;
            string firstError = daemon.Lines.FirstOrDefault(l => l.Contains(names.Length > 0 ? names : "rror", StringComparison.Ordinal)) ?? string.Join(" ", daemon.Lines.Take(3));
            notes.Add(Invariant($"{name}: exit {(code is { } c ? c.ToString(CultureInfo.InvariantCulture) : "none (still running)")}{(opened ? ", A LINE WAS OPENED" : "")}{(named ? "" : $", '{names}' not named")}{(ok ? "" : $" [{Cut(firstError, 120)}]")}"));
        }

        if (libgpiodPresent)
        {
            notes.Add("missing libgpiod: not run, libgpiod is installed on this machine");
        }

        return new FaultResult("R7", "bad configs", Invariant($"{cases.Count} configs: {string.Join(", ", cases.Select(c => c.Name))}"), 0, null, null, passed, string.Join("; ", notes));

        static string Set(DaemonConfig config, Action<JsonObject> change)
        {
            change(config.Settings);
            return config.Settings.ToJsonString();
        }

        static bool LibgpiodPresent() => LibraryDirectories
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "libgpiod.so*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 2, IgnoreInaccessible = true }))
            .Any();
    }

    private static readonly string[] LibraryDirectories = ["/usr/lib", "/lib", "/usr/local/lib"];

    private static readonly string[] CommandWords = ["unlock", "UNLOCK", "open", "OPEN", "ON", "1", "true", "unlocked", "pulse", "{\"command\":\"unlock\"}",
        "{\"state\":\"unlocked\",\"person\":\"alice\"}", "{\"unlock\":true,\"duration\":60}", "online", "offline", ""];

    private static string Cut(string text, int length) => text.Length <= length ? text : text[..length] + "…";

    // ---------------------------------------------------------------- R8
    /// <summary>Commands and garbage on every topic under the prefix (and Home Assistant's), retained and not: no unlock.</summary>
    public async Task<FaultResult> MqttFuzzAsync(CancellationToken ct)
    {
        string stream = await lab.CreateStreamAsync("R8", ct);
        DaemonConfig config = lab.Config("R8", stream);
        string discovery = "homeassistant/device/" + config.Id + "/config";
        ChildProcess daemon = await config.StartReadyAsync(stream, ct);
        await using MqttProbe probe = await MqttProbe.ConnectAsync("127.0.0.1", lab.Broker.Port, discovery);
        IMqttClient fuzzer = new MqttClientFactory().CreateMqttClient();
        await fuzzer.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", lab.Broker.Port).WithClientId("faults-fuzzer-" + config.Id).Build(), ct);
        int baseEdges = config.Edges;
        string[] suffixes = ["", "/door", "/door/set", "/door/command", "/unlock", "/lock", "/open", "/set", "/command", "/cmd", "/relay", "/relay/set",
            "/trigger", "/events", "/availability", "/recognition", "/camera", "/status", "/config", "/ledger", "/grant", "/alice"];
        var topics = suffixes.Select(s => config.Prefix + s).Concat(["homeassistant/status", discovery, "homeassistant/lock/" + config.Id + "/set", "kvsedge/" + config.Id + "-x/door"]).ToList();
        List<byte[]> payloads = [.. CommandWords.Select(Encoding.UTF8.GetBytes),
            BenchRecords.Match("alice", 99.9, DateTimeOffset.UtcNow, lab.NextFragment()), [0xFF, 0xFE, 0xC3, 0x28, 0x00], new byte[65536]];
        int published = 0;
        try
        {
            foreach (bool retain in (bool[])[false, true])
            {
                foreach (string topic in topics)
                {
                    foreach (byte[] payload in payloads)
                    {
                        if (retain && payload.Length == 0)
                        {
                            continue; // an empty retained message only clears; sent at the end
                        }

                        await fuzzer.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain)
                            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
                        published++;
                    }
                }
            }

            // Barrier: inbound messages are handled one at a time in order, and Home Assistant's birth re-sends discovery.
            await BarrierAsync();
            int afterLive = config.Edges - baseEdges;
            bool aliveLive = !daemon.Exited.IsCompleted;

            // The retained commands again, replayed by the broker to a daemon that subscribes afresh.
            await daemon.DisposeAsync();
            daemon = await config.StartReadyAsync(stream, ct);
            baseEdges = config.Edges - afterLive;
            await BarrierAsync();
            int wrong = config.Edges - baseEdges;
            bool alive = aliveLive && !daemon.Exited.IsCompleted;

            // A real grant still works: the counts above are of a working door.
            int beforeCanary = config.Edges;
            await lab.PutMatchAsync(stream, "alice", ct);
            bool canary = await UntilAsync(() => config.Edges > beforeCanary, Decide, ct);
            bool passed = wrong == 0 && alive && canary;
            return new FaultResult("R8", "MQTT command fuzz", Invariant($"{published} messages on {topics.Count} topics, live+retained"), wrong, null, null, passed,
                Invariant($"{published} messages ({payloads.Count} payloads × {topics.Count} topics, not retained then retained, retained replayed to a restarted daemon); daemon {(alive ? "alive" : "EXITED")}; canary grant {(canary ? "pulsed" : "did NOT pulse")}"));
        }
        finally
        {
            foreach (string topic in topics)
            {
                await fuzzer.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload([]).WithRetainFlag(true).Build(), CancellationToken.None);
            }

            await fuzzer.DisconnectAsync(cancellationToken: CancellationToken.None);
            fuzzer.Dispose();
            await daemon.DisposeAsync();
        }

        async Task BarrierAsync()
        {
            int seen = probe.Messages.Count(m => m.Topic == discovery && m.Payload.Length > 100);
            await fuzzer.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("homeassistant/status").WithPayload("online").Build(), ct);
            await probe.WaitForAsync(_ => probe.Messages.Count(m => m.Topic == discovery && m.Payload.Length > 100) > seen, TimeSpan.FromSeconds(20));
        }
    }

    // ---------------------------------------------------------------- R9
    /// <summary>Distinctive secrets in the environment: none in any log line or command line of the daemon and its children.</summary>
    public async Task<FaultResult> SecretsAsync(CancellationToken ct)
    {
        string token = Guid.NewGuid().ToString("N");
        string awsSecret = "FaultsAwsSecret" + token[..16];
        string sessionToken = "FaultsSessionToken" + token[16..];
        string mqttPassword = "FaultsMqttPassword" + token[..12];
        string stream = await lab.CreateStreamAsync("R9", ct);
        DaemonConfig config = lab.Config("R9", stream);
        config.Environment["AWS_SECRET_ACCESS_KEY"] = awsSecret;
        config.Environment["AWS_SESSION_TOKEN"] = sessionToken;
        config.Environment["KVSEDGE_Mqtt__Username"] = "kvsedge";
        config.Environment["KVSEDGE_Mqtt__Password"] = mqttPassword;
        // Everything the daemon can log, and the camera path that hands credentials to kvssink.
        config.Settings["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Trace", ["Microsoft"] = "Trace", ["System"] = "Trace" } };
        config.Settings["Camera"] = new JsonObject
        {
            ["Enabled"] = true, ["Source"] = "test", ["Width"] = 320, ["Height"] = 240, ["Framerate"] = 10,
            ["Sinks"] = new JsonArray("kvs"), ["Kvs"] = new JsonObject { ["StreamName"] = "faults-r9" },
            ["RestartMinDelay"] = "00:00:00.5", ["RestartMaxDelay"] = "00:00:01",
        };
        await using ChildProcess daemon = await config.StartReadyAsync(stream, ct);
        var commandLines = new List<string>();
        int processes = 0;
        for (int i = 0; i < 6; i++)
        {
            await lab.PutMatchAsync(stream, i % 2 == 0 ? "alice" : "mallory", ct);
            foreach (int pid in Processes.Tree(daemon.Id))
            {
                processes++;
                commandLines.Add(Processes.CommandLine(pid));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }

        // A broker that goes away: reconnect errors are logged too.
        await using (ChildProcess doorLock = config.Track(ChildProcess.Start("kvsedge door lock", lab.StartInfo(config.Directory, ["door", "lock", "--config", config.ConfigFile], config.Environment))))
        {
            await doorLock.Exited.WaitAsync(TimeSpan.FromSeconds(30), ct);
            commandLines.AddRange(doorLock.Lines);
        }

        await daemon.TerminateAsync(TimeSpan.FromSeconds(15));
        string[] secrets = [awsSecret, sessionToken, mqttPassword];
        IReadOnlyList<string> lines = daemon.Lines;
        int logHits = lines.Sum(l => secrets.Count(s => l.Contains(s, StringComparison.Ordinal) || l.Contains(s[^12..], StringComparison.Ordinal)));
        int cmdHits = commandLines.Sum(l => secrets.Count(s => l.Contains(s, StringComparison.Ordinal) || l.Contains(s[^12..], StringComparison.Ordinal)));
        int stateHits = Directory.EnumerateFiles(config.Directory, "*", SearchOption.AllDirectories)
            .Sum(f => secrets.Count(s => File.ReadAllText(f).Contains(s, StringComparison.Ordinal)));
        bool passed = logHits == 0 && cmdHits == 0 && stateHits == 0 && lines.Count > 20;
        return new FaultResult("R9", "secrets in logs and command lines", "distinctive AWS secret, session token, MQTT password", null, null, null, passed,
            Invariant($"{lines.Count} log lines at Trace (camera with a kvs sink, grants, denials, door lock), {processes} command lines of the daemon and its children: {logHits} hits in logs, {cmdHits} in command lines and door lock output, {stateHits} in state files"));
    }

    // ---------------------------------------------------------------- R10
    /// <summary>Records every 50 ms with the camera on the test pattern: RSS does not grow by more than 5 MiB.</summary>
    public async Task<FaultResult> SoakAsync(CancellationToken ct)
    {
        TimeSpan duration = TimeSpan.FromSeconds(options.SoakSeconds);
        string stream = await lab.CreateStreamAsync("R10", ct);
        DaemonConfig config = lab.Config("R10", stream);
        config.Settings["Camera"] = new JsonObject { ["Enabled"] = true, ["Source"] = "test", ["Width"] = 640, ["Height"] = 480, ["Framerate"] = 15 };
        await using ChildProcess daemon = await config.StartReadyAsync(stream, ct);
        await using MqttProbe probe = await MqttProbe.ConnectAsync("127.0.0.1", lab.Broker.Port, config.Prefix + "/events");
        int baseEdges = config.Edges;
        var samples = new List<(double Seconds, double MiB)>();
        var fragments = new List<string>();
        int grants = 0;
        long started = Stopwatch.GetTimestamp();
        long next = started;
        long nextSample = started;
        for (int i = 0; Stopwatch.GetElapsedTime(started) < duration; i++)
        {
            TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, ct); // the record rate is the load
            }

            next += Stopwatch.Frequency / 20;
            bool alice = i % 20 == 0; // one grant a second, the rest strangers
            grants += alice ? 1 : 0;
            fragments.Add(await lab.PutMatchAsync(stream, alice ? "alice" : "stranger-" + (i % 97).ToString(CultureInfo.InvariantCulture), ct));
            if (Stopwatch.GetTimestamp() >= nextSample)
            {
                nextSample += Stopwatch.Frequency;
                if (daemon.Exited.IsCompleted)
                {
                    break;
                }

                samples.Add((Stopwatch.GetElapsedTime(started).TotalSeconds, ProcMemory.Read(daemon.Id).RssKb / 1024.0));
            }
        }

        await UntilAsync(() => fragments.All(new HashSet<string>(Events.Fragments(probe, config.Prefix)).Contains), TimeSpan.FromSeconds(30), ct);
        var received = new HashSet<string>(Events.Fragments(probe, config.Prefix));
        int lost = fragments.Count(f => !received.Contains(f));
        int edges = config.Edges - baseEdges;
        int wrong = Math.Max(0, edges - grants);
        // The camera, encoder, pools and caches fill during the first 20 s (or fifth of the run): the slope is fitted after
        // that, and the growth it predicts over that steady window must stay within 5 MiB.
        TimeSpan warmUp = TimeSpan.FromSeconds(Math.Max(20, duration.TotalSeconds / 5));
        var steady = samples.Where(s => s.Seconds >= warmUp.TotalSeconds).ToList();
        double slope = Slope(steady);
        double growth = slope * (duration - warmUp).TotalSeconds;
        // A grant decided while the previous pulse still runs starts none (PulseNotStarted, 1502): behind a lagging
        // consumer two grants can land within one pulse. Every other grant must have its pulse.
        int granted = daemon.Lines.Count(l => l.Contains("Decision access_granted", StringComparison.Ordinal));
        int busy = daemon.Lines.Count(l => l.Contains("[1502]", StringComparison.Ordinal));
        bool passed = !daemon.Exited.IsCompleted && steady.Count >= 10 && growth <= 5 && wrong == 0 && lost == 0 && edges == granted - busy;
        return new FaultResult("R10", "accelerated soak", Invariant($"{fragments.Count} records at 20/s for {duration.TotalSeconds:0} s, camera on"), wrong, lost, null, passed,
            Invariant($"RSS MiB at 0/25/50/75/100 % of the run: {string.Join(" / ", new[] { 0, 0.25, 0.5, 0.75, 1 }.Select(q => samples.Count == 0 ? "-" : samples[(int)Math.Round(q * (samples.Count - 1))].MiB.ToString("0.0", CultureInfo.InvariantCulture)))}; slope {slope * 60:0.00} MiB/min after a {warmUp.TotalSeconds:0} s warm-up = {growth:0.00} MiB over the remaining {(duration - warmUp).TotalSeconds:0} s (limit 5); {edges} pulses for {grants} allow-listed records ({granted} granted, {busy} while a pulse ran); events for {fragments.Count - lost} of {fragments.Count} records"));

        static double Slope(IReadOnlyList<(double X, double Y)> points)
        {
            if (points.Count < 2)
            {
                return double.NaN;
            }

            double mx = points.Average(p => p.X);
            double my = points.Average(p => p.Y);
            double sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
            return sxx == 0 ? double.NaN : points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
        }
    }

    // ---------------------------------------------------------------- R11
    /// <summary>Lock writes that fail: retried until inactive (once), or `fault` published and the watchdog stopped (always).</summary>
    public async Task<FaultResult> RelayWriteFailuresAsync(CancellationToken ct)
    {
        var notes = new List<string>();
        bool passed = true;
        TimeSpan? recovery = null;
        foreach (string mode in new[] { "Once", "Always" })
        {
            string stream = await lab.CreateStreamAsync("R11", ct);
            DaemonConfig config = lab.Config("R11", stream);
            config.Settings["Door"]!["Simulated"]!["LockWriteFailures"] = mode;
            config.Settings["Door"]!["MaxPulseDuration"] = "00:00:01";
            using var systemd = new NotifySocketListener();
            config.Environment["NOTIFY_SOCKET"] = systemd.Path;
            config.Environment["WATCHDOG_USEC"] = "1000000"; // WatchdogSec=1: a keep-alive every 0.5 s
            await using MqttProbe probe = await MqttProbe.ConnectAsync("127.0.0.1", lab.Broker.Port, config.Prefix + "/door");
            await using ChildProcess daemon = await config.StartReadyAsync(stream, ct);
            await systemd.WaitForAsync(m => m.Contains("WATCHDOG=1", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
            int baseEdges = config.Edges;
            long put = Stopwatch.GetTimestamp();
            await lab.PutMatchAsync(stream, "alice", ct);
            if (!await UntilAsync(() => config.Edges > baseEdges, Decide, ct))
            {
                throw new BenchException("no pulse" + Environment.NewLine + daemon.Tail());
            }

            bool fault = await Published(probe, config.Prefix + "/door", "fault", mode == "Once" ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(10));
            if (mode == "Once")
            {
                // One failed lock write, then the retry lands: inactive, locked, and the watchdog never stopped.
                bool low = await UntilAsync(() => RelayLog.Levels(config.RelayLog, RelayPin)[^1] is { High: false }, TimeSpan.FromSeconds(10), ct);
                recovery = low ? Stopwatch.GetElapsedTime(put) : null;
                int feedsBefore = systemd.Messages.Count(m => m.Contains("WATCHDOG=1", StringComparison.Ordinal));
                await Task.Delay(TimeSpan.FromSeconds(2), ct); // the watchdog's keep-alives over two periods
                bool feeding = systemd.Messages.Count(m => m.Contains("WATCHDOG=1", StringComparison.Ordinal)) > feedsBefore;
                // The door's own second attempt in the same lock call usually absorbs a single failure (no fault, but a
                // RelayLockWriteRetried warning, 1218); a slower recovery goes through the retry loop (1215).
                bool recoveredLate = daemon.Lines.Any(l => l.Contains("[1215]", StringComparison.Ordinal));
                bool warned = daemon.Lines.Any(l => l.Contains("[1218]", StringComparison.Ordinal));
                bool ok = low && feeding && (warned || recoveredLate) && !daemon.Exited.IsCompleted;
                passed &= ok;
                notes.Add($"Once: relay {(low ? "inactive after the retry" : "NOT inactive")} ({(recoveredLate ? "retry loop, 1215 logged" : warned ? "second attempt in the same lock call, 1218 warning logged" : "NOT LOGGED")}), watchdog {(feeding ? "still fed" : "STOPPED")}{(fault ? ", fault published meanwhile" : ", no fault published")}");
            }
            else
            {
                // Never confirmed inactive: `fault` (retained), and no WATCHDOG=1 for three periods after MaxPulseDuration.
                await Task.Delay(TimeSpan.FromSeconds(1), ct); // MaxPulseDuration
                _feedCount = -1;
                bool stopped = await UntilAsync(() => LastFeedAge(systemd) >= TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(15), ct);
                bool retained = fault && await MqttProbe.IsRetainedAsync("127.0.0.1", lab.Broker.Port, config.Prefix + "/door", "fault", TimeSpan.FromSeconds(5));
                int retries = daemon.Lines.Count(l => l.Contains("[1214]", StringComparison.Ordinal)); // RelayLockRetryFailed
                bool ok = fault && retained && stopped && retries > 1;
                passed &= ok;
                notes.Add(Invariant($"Always: fault {(retained ? "published, retained" : fault ? "published, NOT retained" : "NOT published")}, {retries} failed-retry lines (1214), watchdog {(stopped ? "stopped" : "still fed")}"));
            }
        }

        return new FaultResult("R11", "relay lock-write failures", "LockWriteFailures=Once, then Always", 0, null, recovery, passed, string.Join("; ", notes));

        static async Task<bool> Published(MqttProbe probe, string topic, string payload, TimeSpan timeout)
        {
            try
            {
                await probe.WaitForAsync(topic, payload, timeout);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        // Seconds since the last keep-alive, from the order of notifications (the listener does not time them).
        TimeSpan LastFeedAge(NotifySocketListener systemd)
        {
            int count = systemd.Messages.Count(m => m.Contains("WATCHDOG=1", StringComparison.Ordinal));
            if (count != _feedCount)
            {
                _feedCount = count;
                _feedSeen = Stopwatch.GetTimestamp();
            }

            return Stopwatch.GetElapsedTime(_feedSeen);
        }
    }

    private int _feedCount = -1;
    private long _feedSeen;

    // ---------------------------------------------------------------- R12
    /// <summary>Ledger faults: a corrupt line, a full disk, a read-only state directory. No crash loop, door locked, state reported.</summary>
    public async Task<FaultResult> LedgerFaultsAsync(CancellationToken ct)
    {
        var notes = new List<string>();
        bool passed = true;
        int wrong = 0;

        // Corrupt lines: one whose time parses as a long but is out of range, garbage, a negative time.
        {
            string stream = await lab.CreateStreamAsync("R12", ct);
            DaemonConfig config = lab.Config("R12", stream);
            Directory.CreateDirectory(config.StateDirectory);
            string now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            File.WriteAllText(Path.Combine(config.StateDirectory, "granted.log"), $"99999999999999999 alice/1\nnot a ledger line\n-99999999999999999 alice/2\n{now} alice/3\n");
            (bool ok, string note, int w) = await LedgerCaseAsync(config, stream, expectPulse: true, ct);
            int skipped = config.Lines().Count(l => l.Contains("DecisionExecutor[1504]", StringComparison.Ordinal));
            note += Invariant($", {skipped} LedgerLinesSkipped (1504) log lines");
            passed &= ok;
            wrong += w;
            notes.Add("corrupt lines: " + note);
        }

        if (!Processes.IsRoot)
        {
            notes.Add("disk full and read-only: NOT RUN (mounting a tmpfs needs root)");
            return new FaultResult("R12", "ledger faults", "corrupt line only (not root)", wrong, null, null, false, string.Join("; ", notes));
        }

        // Disk full: the state directory on a 64 KiB tmpfs that is filled after start.
        {
            string stream = await lab.CreateStreamAsync("R12", ct);
            DaemonConfig config = lab.Config("R12", stream);
            Directory.CreateDirectory(config.StateDirectory);
            await Processes.RunAsync("mount", "-t", "tmpfs", "-o", "size=64k", "kvsedge-faults", config.StateDirectory);
            try
            {
                (bool ok, string note, int w) = await LedgerCaseAsync(config, stream, expectPulse: false, ct, afterStart: () => Fill(config.StateDirectory),
                    recover: () => File.Delete(Path.Combine(config.StateDirectory, "filler")));
                passed &= ok;
                wrong += w;
                notes.Add("disk full: " + note);
            }
            finally
            {
                await Processes.RunAsync("umount", "-l", config.StateDirectory);
            }
        }

        // Read-only state directory from the start (a remounted SD card).
        {
            string stream = await lab.CreateStreamAsync("R12", ct);
            DaemonConfig config = lab.Config("R12", stream);
            Directory.CreateDirectory(config.StateDirectory);
            await Processes.RunAsync("mount", "-t", "tmpfs", "-o", "size=64k,ro", "kvsedge-faults", config.StateDirectory);
            try
            {
                (bool ok, string note, int w) = await LedgerCaseAsync(config, stream, expectPulse: false, ct);
                passed &= ok;
                wrong += w;
                notes.Add("read-only: " + note);
            }
            finally
            {
                await Processes.RunAsync("umount", "-l", config.StateDirectory);
            }
        }

        return new FaultResult("R12", "ledger faults", "corrupt lines; 64 KiB tmpfs full; read-only", wrong, null, null, passed, string.Join("; ", notes));

        static void Fill(string directory)
        {
            using var filler = new FileStream(Path.Combine(directory, "filler"), FileMode.Create, FileAccess.Write);
            byte[] block = new byte[4096];
            try
            {
                while (true)
                {
                    filler.Write(block);
                    filler.Flush(flushToDisk: true);
                }
            }
            catch (IOException)
            {
                // Full.
            }
        }
    }

    /// <param name="recover">Undoes the fault; then a grant must pulse again and the ledger read ok.</param>
    private async Task<(bool Ok, string Note, int Wrong)> LedgerCaseAsync(DaemonConfig config, string stream, bool expectPulse, CancellationToken ct, Action? afterStart = null, Action? recover = null)
    {
        await using MqttProbe probe = await MqttProbe.ConnectAsync("127.0.0.1", lab.Broker.Port, config.Prefix + "/#");
        ChildProcess daemon;
        try
        {
            daemon = await config.StartReadyAsync(stream, ct);
        }
        catch (ChildProcessException ex)
        {
            // An exit at start is the crash (loop) this row is about.
            return (false, "did not start: " + Cut(string.Join(" | ", ex.Message.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("at ", StringComparison.Ordinal) && !l.StartsWith("---", StringComparison.Ordinal)).Take(3)), 300), 0);
        }

        try
        {
            afterStart?.Invoke();
            int baseEdges = config.Edges;
            string fragment = await lab.PutMatchAsync(stream, "alice", ct);
            bool decided = await DaemonConfig.DecidedAsync(daemon, fragment, Decide, ct);
            bool pulsed = await UntilAsync(() => config.Edges > baseEdges, expectPulse ? Decide : TimeSpan.FromSeconds(2), ct);
            int wrong = !expectPulse && pulsed ? config.Edges - baseEdges : 0;
            bool locked = RelayLog.Levels(config.RelayLog, RelayPin) is { Count: > 0 } levels && !levels[^1].High
                || await UntilAsync(() => !RelayLog.Levels(config.RelayLog, RelayPin)[^1].High, TimeSpan.FromSeconds(2), ct);
            string expected = expectPulse ? "\"ok\"" : "\"unavailable\"";
            bool reported = await UntilAsync(() => LedgerState(probe, config.Prefix) == expected, TimeSpan.FromSeconds(5), ct);
            string? ledger = LedgerState(probe, config.Prefix);
            string recovered = string.Empty;
            bool recoveredOk = true;
            if (recover is not null)
            {
                recover();
                long freed = Stopwatch.GetTimestamp();
                int before = config.Edges;
                await lab.PutMatchAsync(stream, "alice", ct);
                bool again = await UntilAsync(() => config.Edges > before, Decide, ct);
                bool ledgerOk = await UntilAsync(() => LedgerState(probe, config.Prefix) == "\"ok\"", TimeSpan.FromSeconds(5), ct);
                recoveredOk = again && ledgerOk;
                recovered = Invariant($"; space freed: next grant {(again ? $"pulsed after {Stopwatch.GetElapsedTime(freed).TotalMilliseconds:0} ms" : "did NOT pulse")}, ledger {LedgerState(probe, config.Prefix) ?? "not reported"}");
            }

            bool alive = !daemon.Exited.IsCompleted;
            bool ok = alive && decided && pulsed == expectPulse && locked && reported && recoveredOk;
            return (ok, $"daemon {(alive ? "running" : "EXITED")}, grant {(pulsed ? "pulsed" : "did not pulse")}{(expectPulse == pulsed ? "" : " (WRONG)")}, door {(locked ? "locked" : "NOT locked")}, recognition ledger {ledger ?? "NOT reported"}{recovered}", wrong);
        }
        finally
        {
            await daemon.DisposeAsync();
        }
    }

    /// <summary>The `ledger` field of the retained `&lt;p&gt;/recognition` JSON (feat/access), as raw JSON.</summary>
    private static string? LedgerState(MqttProbe probe, string prefix)
    {
        MqttApplicationMessage? last = probe.Messages.LastOrDefault(m => m.Topic == prefix + "/recognition");
        if (last is null)
        {
            return null;
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(last.ConvertPayloadToString());
            return doc.RootElement.TryGetProperty("ledger", out JsonElement ledger) && ledger.ValueKind != JsonValueKind.Null ? ledger.GetRawText() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

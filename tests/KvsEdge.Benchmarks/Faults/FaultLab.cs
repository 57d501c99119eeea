using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using KvsEdge.Aws;
using KvsEdge.TestSupport;
using MQTTnet;

namespace KvsEdge.Benchmarks.Faults;

/// <summary>
/// What every fault row shares: one kinesalite, one Mosquitto on its own port, the kvsedge build under test (the
/// published executable or the JIT build beside the bench), and a scratch directory. Each row gets its own stream,
/// device id (so its own MQTT prefix), state directory and transition log, so rows can run side by side.
/// </summary>
internal sealed class FaultLab : IAsyncDisposable
{
    public const int RelayPin = 17;

    private readonly List<DaemonConfig> _configs = [];
    private int _next;

    private FaultLab(string repoRoot, string? executable, DirectoryInfo work, KinesaliteServer kinesalite, MosquittoBroker broker)
    {
        RepoRoot = repoRoot;
        Executable = executable;
        Work = work;
        Kinesalite = kinesalite;
        Broker = broker;
        Kinesis = kinesalite.CreateClient();
    }

    public string RepoRoot { get; }

    /// <summary>The published kvsedge, or null for `dotnet kvsedge.dll` (the JIT build beside the bench).</summary>
    public string? Executable { get; }

    public DirectoryInfo Work { get; }

    public KinesaliteServer Kinesalite { get; }

    public KinesisClient Kinesis { get; }

    public MosquittoBroker Broker { get; }

    public static string DaemonDll => Path.Combine(AppContext.BaseDirectory, "kvsedge.dll");

    public static async Task<FaultLab> StartAsync(string? executable, CancellationToken cancellationToken)
    {
        string repoRoot = RepositoryRoot.Find();
        DirectoryInfo work = Directory.CreateTempSubdirectory("kvsedge-faults-");
        KinesaliteServer kinesalite = await KinesaliteServer.StartAsync(repoRoot, cancellationToken);
        MosquittoBroker broker = new(Path.Combine(work.FullName, "mosquitto"));
        try
        {
            await broker.StartAsync(cancellationToken);
        }
        catch
        {
            await kinesalite.DisposeAsync();
            throw;
        }

        return new FaultLab(repoRoot, executable, work, kinesalite, broker);
    }

    /// <summary>A fresh, ACTIVE single-shard stream.</summary>
    public async Task<string> CreateStreamAsync(string row, CancellationToken cancellationToken)
    {
        string stream = $"faults-{row.ToLowerInvariant()}-{Guid.NewGuid():N}"[..30];
        await Kinesis.CreateStreamAsync(stream, 1, cancellationToken);
        await Kinesis.WaitForActiveAsync(stream, TimeProvider.System, TimeSpan.FromSeconds(30), cancellationToken);
        return stream;
    }

    /// <summary>A unique, all-digit FragmentNumber (the events carry it back as a string).</summary>
    public string NextFragment() => string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}{Interlocked.Increment(ref _next):D6}");

    public Task PutAsync(string stream, byte[] data, CancellationToken cancellationToken) =>
        Kinesis.PutRecordAsync(stream, data, "door", cancellationToken);

    /// <summary>A record matching <paramref name="person"/> at 97 % seen now; returns its fragment number.</summary>
    public async Task<string> PutMatchAsync(string stream, string person, CancellationToken cancellationToken, double similarity = 97, DateTimeOffset? frameTime = null)
    {
        string fragment = NextFragment();
        await PutAsync(stream, BenchRecords.Match(person, similarity, frameTime ?? DateTimeOffset.UtcNow, fragment), cancellationToken);
        return fragment;
    }

    /// <summary>
    /// A door-only daemon configuration: Kinesis on <paramref name="kinesis"/> (kinesalite unless a gate sits between),
    /// simulated relay with a transition log, MQTT on the suite's broker, camera off. Rows change what they inject.
    /// </summary>
#pragma warning disable CA1507 // configuration keys, not member names
    public DaemonConfig Config(string row, string stream, Uri? kinesis = null)
    {
        string directory = Path.Combine(Work.FullName, row + "-" + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        string id = "faults-" + row.ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N")[..6];
        string relayLog = Path.Combine(directory, "relay.jsonl");
        string state = Path.Combine(directory, "state");
        var settings = new JsonObject
        {
            ["Device"] = new JsonObject { ["Id"] = id, ["StateDirectory"] = state },
            ["Aws"] = new JsonObject { ["Region"] = "us-east-1", ["Endpoints"] = new JsonObject { ["Kinesis"] = (kinesis ?? Kinesalite.ServiceUrl).ToString() } },
            ["Recognition"] = new JsonObject { ["Source"] = "kinesis", ["Kinesis"] = new JsonObject { ["StreamName"] = stream, ["PollInterval"] = "00:00:00.2" } },
            // Cooldown 0 so every matching record is its own grant; the default MaxEventAge (10 s).
            ["Access"] = new JsonObject
            {
                ["MaxEventAge"] = "00:00:10",
                ["Cooldown"] = "00:00:00",
                ["People"] = new JsonObject { ["alice"] = new JsonObject { ["MinSimilarity"] = 90 } },
            },
            ["Door"] = new JsonObject
            {
                ["Driver"] = "simulated",
                ["PulseDuration"] = "00:00:00.1",
                ["Relay"] = new JsonObject { ["Pin"] = RelayPin, ["ActiveLow"] = false },
                ["Simulated"] = new JsonObject { ["TransitionLog"] = relayLog },
            },
            ["Mqtt"] = new JsonObject
            {
                ["Enabled"] = true,
                ["Host"] = "127.0.0.1",
                ["Port"] = Broker.Port,
                ["ReconnectMinDelay"] = "00:00:00.2",
                ["ReconnectMaxDelay"] = "00:00:01",
            },
            ["Camera"] = new JsonObject { ["Enabled"] = false },
        };
        var config = new DaemonConfig(this, row, directory, id, relayLog, state, settings);
        lock (_configs)
        {
            _configs.Add(config);
        }

        return config;
    }
#pragma warning restore CA1507

    /// <summary>`kvsedge &lt;arguments&gt;` as systemd would run it, with test credentials only.</summary>
    public ProcessStartInfo StartInfo(string workDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(Executable ?? "dotnet") { WorkingDirectory = workDirectory };
        if (Executable is null)
        {
            info.ArgumentList.Add(DaemonDll);
        }

        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Nothing inherited may change what runs: no developer credentials, no KVSEDGE_ overrides, no runtime knobs.
        foreach (string name in info.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal) || k.StartsWith("KVSEDGE_", StringComparison.Ordinal)
            || k.StartsWith("DOTNET_gc", StringComparison.OrdinalIgnoreCase) || k is "NOTIFY_SOCKET" or "WATCHDOG_USEC" or "WATCHDOG_PID").ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["AWS_ACCESS_KEY_ID"] = "AKIDKVSEDGEFAULTS";
        info.Environment["AWS_SECRET_ACCESS_KEY"] = "kvsedge-faults-secret";
        info.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }

    /// <summary>Keep the scratch directory, with every daemon's output as output-N.log beside its config and state.</summary>
    public bool Keep { get; set; }

    public async ValueTask DisposeAsync()
    {
        Kinesis.Dispose();
        await Broker.DisposeAsync();
        await Kinesalite.DisposeAsync();
        if (Keep)
        {
            foreach (DaemonConfig config in _configs)
            {
                config.WriteOutputs();
            }

            Console.WriteLine("scratch directory kept: " + Work.FullName);
            return;
        }

        try
        {
            Work.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover scratch directory must not turn a result into a failure.
        }
    }

    /// <summary>Polls <paramref name="condition"/> (a file or a log another process appends to) until true or the time is up.</summary>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }

        return true;
    }

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One daemon's configuration and files; <see cref="StartAsync"/> may be called again on the same state.</summary>
internal sealed class DaemonConfig(FaultLab lab, string row, string directory, string id, string relayLog, string stateDirectory, JsonObject settings)
{
    public string Row { get; } = row;

    public string Directory { get; } = directory;

    public string Id { get; } = id;

    public string Prefix => "kvsedge/" + Id;

    public string RelayLog { get; } = relayLog;

    public string StateDirectory { get; } = stateDirectory;

    public JsonObject Settings { get; } = settings;

    public string ConfigFile => Path.Combine(Directory, "kvsedge.json");

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public int Edges => Benchmarks.RelayLog.RisingEdges(RelayLog, FaultLab.RelayPin).Count;

    private readonly List<ChildProcess> _started = [];

    /// <summary>Writes the configuration and starts `kvsedge run --config FILE`.</summary>
    public ChildProcess Start(string verb = "run")
    {
        File.WriteAllText(ConfigFile, Settings.ToJsonString());
        return Track(ChildProcess.Start("kvsedge " + Row, lab.StartInfo(Directory, [.. verb.Split(' '), "--config", ConfigFile], Environment)));
    }

    /// <summary>Remembers a process started for this configuration, so --keep can save its output.</summary>
    public ChildProcess Track(ChildProcess child)
    {
        lock (_started)
        {
            _started.Add(child);
        }

        return child;
    }

    /// <summary>Every output line of every process started for this configuration.</summary>
    public IReadOnlyList<string> Lines()
    {
        lock (_started)
        {
            return [.. _started.SelectMany(c => c.Lines)];
        }
    }

    public void WriteOutputs()
    {
        lock (_started)
        {
            for (int i = 0; i < _started.Count; i++)
            {
                File.WriteAllLines(Path.Combine(Directory, FaultLab.Invariant($"output-{i}.log")), [_started[i].Name, .. _started[i].Lines]);
            }
        }
    }

    /// <summary>Starts the daemon and returns once its Kinesis consumer has an iterator (a record put now is seen).</summary>
    public async Task<ChildProcess> StartReadyAsync(string stream, CancellationToken cancellationToken)
    {
        ChildProcess daemon = Start();
        try
        {
            await daemon.WaitForLineAsync(l => l.Contains("Reading shard", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "\"Reading shard\"", cancellationToken);
            // "Reading shard" comes just before the LATEST iterator is asked for: put unknown faces until one is decided.
            for (int attempt = 0; attempt < 20; attempt++)
            {
                string fragment = await lab.PutMatchAsync(stream, "warmup-stranger", cancellationToken);
                if (await DecidedAsync(daemon, fragment, TimeSpan.FromSeconds(2), cancellationToken))
                {
                    return daemon;
                }
            }

            throw new ChildProcessException("no warm-up record was decided." + System.Environment.NewLine + daemon.Tail());
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
    }

    /// <summary>Whether the daemon logged a decision (EventId 1500) for the record with <paramref name="fragment"/>.</summary>
    public static async Task<bool> DecidedAsync(ChildProcess daemon, string fragment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await daemon.WaitForLineAsync(l => IsDecision(l, fragment), timeout, "decision " + fragment, cancellationToken);
            return true;
        }
        catch (ChildProcessException)
        {
            return false;
        }
    }

    public static string? DecisionLine(ChildProcess daemon, string fragment) => daemon.Lines.FirstOrDefault(l => IsDecision(l, fragment));

    private static bool IsDecision(string line, string fragment) =>
        line.Contains("Decision ", StringComparison.Ordinal) && line.Contains("fragment=" + fragment + " ", StringComparison.Ordinal);
}

/// <summary>Mosquitto on a free loopback port, with persistence so a subscriber's session survives a graceful stop.</summary>
internal sealed class MosquittoBroker(string directory) : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/mosquitto";

    private ChildProcess? _process;

    public int Port { get; } = FreeTcpPort();

    public bool IsRunning => _process is { Exited.IsCompleted: false };

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Executable))
        {
            throw new BenchException($"Mosquitto is not installed at {Executable}: bash scripts/install-prerequisites.sh (apt-get install mosquitto).");
        }

        Directory.CreateDirectory(directory);
        string config = Path.Combine(directory, "mosquitto.conf");
        File.WriteAllText(config, FaultLab.Invariant($"""
            user {Environment.UserName}
            persistence true
            persistence_location {directory}/
            log_dest stderr
            allow_anonymous true
            listener {Port} 127.0.0.1

            """));
        var info = new ProcessStartInfo(Executable);
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(config);
        _process = ChildProcess.Start("mosquitto", info);
        await _process.WaitForLineAsync(l => l.Contains(" running", StringComparison.Ordinal), TimeSpan.FromSeconds(15), "\"running\"", cancellationToken);
    }

    /// <summary>SIGTERM, as `systemctl stop mosquitto`: sessions are saved, every client sees its connection drop.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            await process.TerminateAsync(TimeSpan.FromSeconds(10));
            await process.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// A loopback TCP relay in front of kinesalite that can be cut: while closed it resets every connection, like an
/// uplink that is down. kinesalite keeps running, so records put meanwhile wait in the stream as a backlog.
/// </summary>
internal sealed class TcpGate : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Lock _gate = new();
    private readonly Task _accepting;
    private volatile bool _closed;

    public TcpGate(Uri upstream)
    {
        _upstream = upstream;
        _listener.Start();
        Url = new Uri(FaultLab.Invariant($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/"));
        _accepting = Task.Run(AcceptAsync);
    }

    public Uri Url { get; }

    /// <summary>Drops every open connection and refuses new ones until <see cref="Open"/>.</summary>
    public void Close()
    {
        _closed = true;
        lock (_gate)
        {
            foreach (TcpClient client in _open)
            {
                client.Client.LingerState = new LingerOption(true, 0); // RST, as a dead link would look
                client.Dispose();
            }

            _open.Clear();
        }
    }

    public void Open() => _closed = false;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (_closed)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        lock (_gate)
        {
            _open.Add(client);
            _open.Add(upstream);
        }

        try
        {
            await upstream.ConnectAsync(_upstream.Host, _upstream.Port, _stop.Token);
            NetworkStream a = client.GetStream();
            NetworkStream b = upstream.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The gate was closed or a side hung up: the client sees a reset, which is the point.
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }

            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Close();
        await _accepting;
        _stop.Dispose();
    }
}

/// <summary>Signals and /proc reads for the rows that kill, stop or inspect processes.</summary>
internal static partial class Processes
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    /// <summary>Sends <paramref name="signal"/> directly (no `kill` child in between: R5 times the SIGTERM to the millisecond).</summary>
    public static void Signal(int pid, int signal)
    {
        if (SysKill(pid, signal) != 0)
        {
            throw new BenchException(FaultLab.Invariant($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}"));
        }
    }

    /// <summary>The process and all its descendants, from /proc/*/stat parent ids.</summary>
    public static IReadOnlyList<int> Tree(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                string[] after = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(after[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
        }

        var tree = new List<int> { root };
        for (int i = 0; i < tree.Count; i++)
        {
            tree.AddRange(parents.Where(p => p.Value == tree[i]).Select(p => p.Key));
        }

        return tree;
    }

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText(FaultLab.Invariant($"/proc/{pid}/cmdline")).Replace('\0', ' ');
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    /// <summary>Runs a short command (mount, umount) and fails with its output when it fails.</summary>
    public static async Task RunAsync(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        await using ChildProcess child = ChildProcess.Start(file, info);
        int code = await child.Exited.WaitAsync(TimeSpan.FromSeconds(30));
        if (code != 0)
        {
            throw new BenchException($"{file} {string.Join(' ', arguments)} exited {code}" + Environment.NewLine + child.Tail(5));
        }
    }

    public static bool IsRoot => Environment.UserName == "root";

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}

/// <summary>Retained and live messages under a topic filter, with JSON helpers for the events topic.</summary>
internal static class Events
{
    /// <summary>fragment_number of every event message, in the order received (duplicates kept: delivery is at least once).</summary>
    public static IReadOnlyList<string> Fragments(MqttProbe probe, string prefix) =>
        [.. probe.Messages.Where(m => m.Topic == prefix + "/events").Select(m => Fragment(m.ConvertPayloadToString())).OfType<string>()];

    private static string? Fragment(string payload)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(payload);
            return doc.RootElement.TryGetProperty("fragment_number", out JsonElement f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

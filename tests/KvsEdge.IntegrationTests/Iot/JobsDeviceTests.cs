using System.Security.Cryptography;
using System.Text.Json.Nodes;
using KvsEdge.Iot;
using KvsEdge.Status;
using KvsEdge.TestSupport.IotCoreDouble;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvsEdge.IntegrationTests.Iot;

/// <summary>
/// AWS IoT Jobs on the device (<see cref="JobsAgent"/> on the keyed `iot` connection) against the IoT Core double:
/// Mosquitto with mutual TLS and the jobs service. A "start" of the device is a new connection and agent on the same
/// state directory, with the version the process would run; the package installer is a recording fake (dpkg is not run).
/// </summary>
[Trait("Category", "Integration")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class JobsDeviceTests : IAsyncLifetime
{
    private const string Thing = "door-lobby";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly string _state = Directory.CreateTempSubdirectory("kvsedge-iot-jobs-").FullName;
    private readonly List<Device> _devices = [];
    private IotCoreDouble _iot = null!;
    private JobsService _jobs = null!;

    public async Task InitializeAsync()
    {
        _iot = await IotCoreDouble.StartAsync();
        _jobs = await JobsService.StartAsync(_iot.Broker, _iot.Certificates);
    }

    public async Task DisposeAsync()
    {
        foreach (Device device in _devices)
        {
            await device.StopAsync();
        }

        await _jobs.DisposeAsync();
        await _iot.DisposeAsync();
        Directory.Delete(_state, recursive: true);
    }

    private PendingJobStore Store => new(_state);

    [Fact]
    public async Task An_update_with_the_wrong_hash_is_reported_FAILED_and_nothing_is_installed()
    {
        string package = WritePackage("new.deb", "kvsedge 9.9.9");
        Device device = await StartAsync("1.0.0");
        await _jobs.AddJobAsync(Thing, "update-1", Update(package, Sha256("something else"), "9.9.9"));

        JobExecutionRecord done = await _jobs.WaitForTerminalAsync(Thing, "update-1", Timeout);

        Assert.Equal("FAILED", done.Status);
        Assert.Equal("sha256 mismatch", done.StatusDetails["reason"]!.GetValue<string>());
        Assert.Empty(device.Installer.Installed);
        Assert.False(device.Lifetime.StopRequested.Task.IsCompleted);
        Assert.False(File.Exists(Store.StagedPackagePath));
        Assert.Null(Store.Read());
    }

    [Fact]
    public async Task A_verified_update_is_only_staged_for_the_root_installer_the_sandboxed_service_never_installs()
    {
        // The service runs as User=kvsedge with NoNewPrivileges and ProtectSystem=strict: dpkg from inside it is refused.
        string package = WritePackage("new.deb", "kvsedge 9.9.9");
        Device device = await StartAsync("1.0.0");
        await _jobs.AddJobAsync(Thing, "update-staged", Update(package, Sha256("kvsedge 9.9.9"), "9.9.9"));

        await _jobs.WaitForAsync(Thing, "update-staged", e => e.StatusDetails["reason"]?.GetValue<string>() is "staged" or "installing", Timeout);

        Assert.Empty(device.Installer.Installed);
        Assert.True(File.Exists(Path.Combine(_state, "update", "request.json")));
    }

    [Fact]
    public async Task A_verified_update_is_installed_and_reported_SUCCEEDED_only_once_the_new_version_runs_ready()
    {
        string package = WritePackage("new.deb", "kvsedge 9.9.9");
        Device first = await StartAsync("1.0.0");
        await _jobs.AddJobAsync(Thing, "update-2", Update(package, Sha256("kvsedge 9.9.9"), "9.9.9"));

        await first.Lifetime.StopRequested.Task.WaitAsync(Timeout);
        (string installedPath, string installedHash) = Assert.Single(first.Installer.Installed);
        Assert.Equal(Store.StagedPackagePath, installedPath);
        Assert.Equal(Sha256("kvsedge 9.9.9"), installedHash);
        Assert.Equal("IN_PROGRESS", _jobs.Execution(Thing, "update-2")!.Status);
        Assert.Equal(new PendingJob("update-2", "update", 3, "9.9.9", "1.0.0"), Store.Read());
        await first.StopAsync();

        // The next start, on the new version: connected, but not reported before the host is ready.
        Device second = await StartAsync("9.9.9", ready: false);
        await second.Connected.Task.WaitAsync(Timeout);
        Assert.Equal("IN_PROGRESS", _jobs.Execution(Thing, "update-2")!.Status);
        second.Lifetime.SignalStarted();

        JobExecutionRecord done = await _jobs.WaitForTerminalAsync(Thing, "update-2", Timeout);
        Assert.Equal("SUCCEEDED", done.Status);
        Assert.Equal("9.9.9", done.StatusDetails["version"]!.GetValue<string>());
        Assert.Equal(["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"], done.History);
        Assert.Null(Store.Read());
        Assert.Equal(Sha256("kvsedge 9.9.9"), Sha256File(Store.CurrentPackagePath));
        Assert.Empty(second.Installer.Installed);
        Assert.False(second.Lifetime.StopRequested.Task.IsCompleted);
    }

    [Fact]
    public async Task An_update_whose_version_does_not_run_after_the_restart_is_rolled_back_and_reported_FAILED()
    {
        Store.EnsureDirectory();
        File.WriteAllText(Store.CurrentPackagePath, "kvsedge 1.0.0");
        string package = WritePackage("new.deb", "kvsedge 9.9.9");
        Device first = await StartAsync("1.0.0");
        await _jobs.AddJobAsync(Thing, "update-3", Update(package, Sha256("kvsedge 9.9.9"), "9.9.9"));
        await first.Lifetime.StopRequested.Task.WaitAsync(Timeout);
        await first.StopAsync();

        Device second = await StartAsync("1.0.0");
        JobExecutionRecord done = await _jobs.WaitForTerminalAsync(Thing, "update-3", Timeout);

        Assert.Equal("FAILED", done.Status);
        string reason = done.StatusDetails["reason"]!.GetValue<string>();
        Assert.Contains("running version 1.0.0 after the update, expected 9.9.9", reason, StringComparison.Ordinal);
        Assert.Contains("rolled back", reason, StringComparison.Ordinal);
        (string path, string hash) = Assert.Single(second.Installer.Installed);
        Assert.Equal(Store.CurrentPackagePath, path);
        Assert.Equal(Sha256("kvsedge 1.0.0"), hash);
        await second.Lifetime.StopRequested.Task.WaitAsync(Timeout); // starts again on the package reinstalled
        Assert.Null(Store.Read());
    }

    [Fact]
    public async Task Unknown_and_door_jobs_are_reported_FAILED_and_never_acted_on()
    {
        Device device = await StartAsync("1.0.0");
        await _jobs.AddJobAsync(Thing, "unknown", new JsonObject { ["operation"] = "format-disk" });
        await _jobs.AddJobAsync(Thing, "unlock", new JsonObject { ["operation"] = "unlock" });
        // Safety rule 9: a known operation carrying a door setting is refused whole (without the guard it would restart).
        await _jobs.AddJobAsync(Thing, "restart-door", JsonNode.Parse("""{"operation":"restart","Door":{"Relay":{"Pin":5}}}""")!.AsObject());

        JobExecutionRecord unknown = await _jobs.WaitForTerminalAsync(Thing, "unknown", Timeout);
        JobExecutionRecord unlock = await _jobs.WaitForTerminalAsync(Thing, "unlock", Timeout);
        JobExecutionRecord door = await _jobs.WaitForTerminalAsync(Thing, "restart-door", Timeout);

        Assert.Equal("FAILED", unknown.Status);
        Assert.Contains("unknown operation 'format-disk'", unknown.StatusDetails["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("FAILED", unlock.Status);
        Assert.Contains("cannot open the door", unlock.StatusDetails["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("FAILED", door.Status);
        Assert.Contains("cannot open the door or change door or GPIO settings", door.StatusDetails["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["IN_PROGRESS", "FAILED"], door.History);
        Assert.False(device.Lifetime.StopRequested.Task.IsCompleted);
        Assert.Empty(device.Installer.Installed);
        Assert.Null(Store.Read());
    }

    [Fact]
    public async Task A_restart_job_stops_the_host_and_is_reported_SUCCEEDED_by_the_next_start_before_the_next_job()
    {
        Device first = await StartAsync("1.0.0");
        await _jobs.AddJobAsync(Thing, "restart-1", new JsonObject { ["operation"] = "restart" });
        await _jobs.AddJobAsync(Thing, "after", new JsonObject { ["operation"] = "nothing-known" });

        await first.Lifetime.StopRequested.Task.WaitAsync(Timeout);
        Assert.Equal("IN_PROGRESS", _jobs.Execution(Thing, "restart-1")!.Status);
        Assert.Equal("QUEUED", _jobs.Execution(Thing, "after")!.Status); // one job at a time
        Assert.Equal("restart", Store.Read()!.Operation);
        await first.StopAsync();

        await StartAsync("1.0.0");
        JobExecutionRecord restarted = await _jobs.WaitForTerminalAsync(Thing, "restart-1", Timeout);
        JobExecutionRecord after = await _jobs.WaitForTerminalAsync(Thing, "after", Timeout);

        Assert.Equal("SUCCEEDED", restarted.Status);
        Assert.Equal("restarted", restarted.StatusDetails["reason"]!.GetValue<string>());
        Assert.Equal("FAILED", after.Status);
        Assert.Null(Store.Read());
    }

    [Fact]
    public async Task A_sync_faces_job_runs_the_sync_and_reports_its_outcome()
    {
        int syncs = 0;
        var outcomes = new Queue<Func<bool>>([() => true, () => false, () => throw new InvalidOperationException("no enrollment source is recorded on this device")]);
        await StartAsync("1.0.0", syncFaces: _ =>
        {
            Interlocked.Increment(ref syncs);
            return Task.FromResult(outcomes.Dequeue()());
        });
        await _jobs.AddJobAsync(Thing, "sync-1", new JsonObject { ["operation"] = "sync-faces" });
        await _jobs.AddJobAsync(Thing, "sync-2", new JsonObject { ["operation"] = "sync-faces" });
        await _jobs.AddJobAsync(Thing, "sync-3", new JsonObject { ["operation"] = "sync-faces" });

        JobExecutionRecord all = await _jobs.WaitForTerminalAsync(Thing, "sync-1", Timeout);
        JobExecutionRecord some = await _jobs.WaitForTerminalAsync(Thing, "sync-2", Timeout);
        JobExecutionRecord none = await _jobs.WaitForTerminalAsync(Thing, "sync-3", Timeout);

        Assert.Equal(3, syncs);
        Assert.Equal(("SUCCEEDED", "faces re-indexed"), (all.Status, all.StatusDetails["reason"]!.GetValue<string>()));
        Assert.Equal(("FAILED", "some photos were not indexed (see the device log)"), (some.Status, some.StatusDetails["reason"]!.GetValue<string>()));
        Assert.Equal(("FAILED", "no enrollment source is recorded on this device"), (none.Status, none.StatusDetails["reason"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_sync_faces_job_without_a_sync_is_reported_FAILED()
    {
        await StartAsync("1.0.0");
        await _jobs.AddJobAsync(Thing, "sync-0", new JsonObject { ["operation"] = "sync-faces" });

        JobExecutionRecord done = await _jobs.WaitForTerminalAsync(Thing, "sync-0", Timeout);

        Assert.Equal("FAILED", done.Status);
        Assert.Contains("not supported", done.StatusDetails["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private string WritePackage(string name, string content)
    {
        string path = Path.Combine(_state, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static JsonObject Update(string path, string sha256, string version) => new()
    {
        ["operation"] = "update",
        ["url"] = new Uri(path).AbsoluteUri,
        ["sha256"] = sha256,
        ["version"] = version,
    };

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    private static string Sha256File(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private async Task<Device> StartAsync(string version, bool ready = true, Func<CancellationToken, Task<bool>>? syncFaces = null)
    {
        MqttBrokerConnection connection = IotServiceCollectionExtensions.CreateConnection(_iot.DeviceOptions(Thing), TimeProvider.System, NullLogger.Instance);
        var device = new Device(connection, _state, version, syncFaces);
        _devices.Add(device);
        await device.StartAsync(ready);
        return device;
    }

    /// <summary>One process lifetime of the device: its connection, its agent, its host lifetime.</summary>
    private sealed class Device
    {
        private readonly MqttBrokerConnection _connection;
        private readonly CancellationTokenSource _run = new();
        private Task? _running;
        private bool _stopped;

        public Device(MqttBrokerConnection connection, string state, string version, Func<CancellationToken, Task<bool>>? syncFaces)
        {
            _connection = connection;
            Agent = new JobsAgent(connection, Thing, new PendingJobStore(state), Installer, Lifetime, () => version, NullLogger.Instance, syncFaces);
            connection.Connected += (_, _) => Connected.TrySetResult();
        }

        public RecordingInstaller Installer { get; } = new();

        public TestLifetime Lifetime { get; } = new();

        public JobsAgent Agent { get; }

        public TaskCompletionSource Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task StartAsync(bool ready)
        {
            await Agent.StartAsync(CancellationToken.None);
            _running = _connection.RunAsync(_run.Token);
            if (ready)
            {
                Lifetime.SignalStarted();
            }
        }

        public async Task StopAsync()
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            await Agent.StopAsync(CancellationToken.None);
            await _run.CancelAsync();
            await _running!;
            _run.Dispose();
        }
    }

    internal sealed class RecordingInstaller : IPackageInstaller
    {
        private readonly Lock _gate = new();
        private readonly List<(string Path, string Sha256)> _installed = [];

        public IReadOnlyList<(string Path, string Sha256)> Installed
        {
            get
            {
                lock (_gate)
                {
                    return [.. _installed];
                }
            }
        }

        public Task InstallAsync(string packagePath, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _installed.Add((packagePath, Sha256File(packagePath)));
            }

            return Task.CompletedTask;
        }
    }

    internal sealed class TestLifetime : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource _started = new();

        public CancellationToken ApplicationStarted => _started.Token;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public TaskCompletionSource StopRequested { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void SignalStarted() => _started.Cancel();

        public void StopApplication() => StopRequested.TrySetResult();
    }
}

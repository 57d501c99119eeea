using System.Security.Cryptography;
using System.Text.Json.Nodes;
using KvsEdge.Iot;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using KvsEdge.TestSupport.IotCoreDouble;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvsEdge.IntegrationTests.Iot;

/// <summary>
/// AWS IoT Jobs on the device (<see cref="JobsAgent"/> on the keyed `iot` connection) against the IoT Core double:
/// Mosquitto with mutual TLS and the jobs service. A "start" of the device is a new connection and agent on the same
/// state directory, with the version the process would run. The root installer is <see cref="UpdateApplier"/> on the
/// same staging directory with stand-in package tools (dpkg is not run), started by the test where systemd's path unit would.
/// </summary>
[Trait("Category", "Integration")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
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

    private readonly SignallingTimeProvider _time = new();

    private PendingJobStore Store => new(_state);

    private UpdateStaging Staging => UpdateStaging.UnderState(_state);

    private Task<JobExecutionRecord> WaitForReasonAsync(string jobId, string reason) =>
        _jobs.WaitForAsync(Thing, jobId, e => e.StatusDetails["reason"]?.GetValue<string>() == reason, Timeout);

    /// <summary>Reported with <paramref name="reason"/>, staged, and the service waiting for the installer's result.</summary>
    private async Task<JobExecutionRecord> WaitForStagedAsync(string jobId, string reason = "staged")
    {
        JobExecutionRecord record = await WaitForReasonAsync(jobId, reason);
        await _time.WaitForTimerAsync(d => d == JobsAgent.InstallerPollInterval);
        return record;
    }

    /// <summary>What kvsedge-update.service does when the request appears (the package tools are <paramref name="tools"/>).</summary>
    private Task<UpdateResult?> ApplyAsRootAsync(PackageTools tools) =>
        new UpdateApplier(Staging, Path.Combine(_state, "root-work"), tools, _time).ApplyAsync(CancellationToken.None);

    /// <summary>The device's last UpdateJobExecution request for the job, exactly as it went over the wire.</summary>
    private void AssertLastUpdate(string jobId, string status, long expectedVersion, JsonObject statusDetails)
    {
        string payload = _jobs.Requests.Last(r => r.Topic == $"{JobsService.Prefix(Thing)}/{jobId}/update").Payload;
        JsonObject request = JsonNode.Parse(payload)!.AsObject();
        Assert.StartsWith("kvsedge-job-", request["clientToken"]!.GetValue<string>(), StringComparison.Ordinal);
        request.Remove("clientToken");
        Assert.Equal(new JsonObject
        {
            ["status"] = status,
            ["statusDetails"] = statusDetails,
            ["expectedVersion"] = expectedVersion,
        }.ToJsonString(), request.ToJsonString());
    }

    [Fact]
    public async Task An_update_with_the_wrong_hash_is_reported_FAILED_and_nothing_is_staged()
    {
        string package = WritePackage("new.deb", "kvsedge 9.9.9");
        Device device = await StartAsync("1.0.0");
        await _jobs.AddJobAsync(Thing, "update-1", Update(package, Sha256("something else"), "9.9.9"));

        JobExecutionRecord done = await _jobs.WaitForTerminalAsync(Thing, "update-1", Timeout);

        Assert.Equal("FAILED", done.Status);
        Assert.Equal("sha256 mismatch", done.StatusDetails["reason"]!.GetValue<string>());
        Assert.False(File.Exists(Staging.RequestPath));
        Assert.False(File.Exists(Staging.PackagePath));
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

        JobExecutionRecord staged = await WaitForStagedAsync("update-staged");

        Assert.Equal("IN_PROGRESS", staged.Status);
        Assert.Equal("9.9.9", staged.StatusDetails["version"]!.GetValue<string>());
        Assert.Equal(new UpdateRequest("update-staged", "kvsedge.deb", Sha256("kvsedge 9.9.9")), UpdateStaging.ParseRequest(File.ReadAllBytes(Staging.RequestPath)));
        Assert.Equal(Sha256("kvsedge 9.9.9"), Sha256File(Staging.PackagePath));
        Assert.False(device.Lifetime.StopRequested.Task.IsCompleted); // the door keeps working until dpkg restarts the service
        Assert.Equal(new PendingJob("update-staged", "update", 3, "9.9.9", "1.0.0", _time.GetUtcNow()), Store.Read());
    }

    [Fact]
    public async Task A_verified_update_is_installed_by_the_root_installer_and_reported_SUCCEEDED_only_once_the_new_version_runs_ready()
    {
        string package = WritePackage("new.deb", "kvsedge 9.9.9");
        Device first = await StartAsync("1.0.0");
        await _jobs.AddJobAsync(Thing, "update-2", Update(package, Sha256("kvsedge 9.9.9"), "9.9.9"));
        await WaitForStagedAsync("update-2");

        // kvsedge-update.service: dpkg's postinst restarts the service while dpkg runs, before the result is written.
        var tools = new PackageTools(onInstall: first.StopAsync);
        UpdateResult result = (await ApplyAsRootAsync(tools))!;
        Assert.True(result.Succeeded);
        Assert.Equal([Sha256("kvsedge 9.9.9")], tools.Installed);
        Assert.Equal("IN_PROGRESS", _jobs.Execution(Thing, "update-2")!.Status);

        // The next start, on the new version: connected, but not reported before the host is ready.
        Device second = await StartAsync("9.9.9", ready: false);
        await second.Connected.Task.WaitAsync(Timeout);
        Assert.Equal("IN_PROGRESS", _jobs.Execution(Thing, "update-2")!.Status);
        second.Lifetime.SignalStarted();

        JobExecutionRecord done = await _jobs.WaitForTerminalAsync(Thing, "update-2", Timeout);
        Assert.Equal("SUCCEEDED", done.Status);
        Assert.Equal(["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"], done.History);
        AssertLastUpdate("update-2", "SUCCEEDED", 3, new JsonObject { ["reason"] = "updated and running", ["version"] = "9.9.9" });
        Assert.Null(Store.Read());
        Assert.False(File.Exists(Staging.ResultPath));
        Assert.Equal(Sha256("kvsedge 9.9.9"), Sha256File(Store.CurrentPackagePath));
        Assert.False(second.Lifetime.StopRequested.Task.IsCompleted);
    }

    [Fact]
    public async Task A_package_tampered_with_after_staging_is_refused_by_the_installer_and_reported_FAILED_while_the_service_runs_on()
    {
        string package = WritePackage("new.deb", "kvsedge 9.9.9");
        Device device = await StartAsync("1.0.0");
        await _jobs.AddJobAsync(Thing, "update-t", Update(package, Sha256("kvsedge 9.9.9"), "9.9.9"));
        await WaitForStagedAsync("update-t"); // the service waits for the installer
        File.WriteAllText(Staging.PackagePath, "kvsedge with a backdoor");

        var tools = new PackageTools();
        UpdateResult result = (await ApplyAsRootAsync(tools))!;
        _time.Advance(JobsAgent.InstallerPollInterval);

        JobExecutionRecord done = await _jobs.WaitForTerminalAsync(Thing, "update-t", Timeout);
        Assert.Empty(tools.Installed);
        Assert.Equal("FAILED", done.Status);
        string reason = done.StatusDetails["reason"]!.GetValue<string>();
        Assert.StartsWith("install failed: refused: sha256 mismatch: the staged package is ", reason, StringComparison.Ordinal);
        Assert.Equal("install failed: " + result.Message, reason);
        Assert.False(device.Lifetime.StopRequested.Task.IsCompleted);
        Assert.False(File.Exists(Staging.PackagePath));
        Assert.False(File.Exists(Staging.RequestPath));
        Assert.False(File.Exists(Staging.ResultPath));
        Assert.False(File.Exists(Store.StagedPackagePath));
        Assert.Null(Store.Read());
    }

    [Fact]
    public async Task A_dpkg_failure_is_read_from_the_installers_result_and_reported_FAILED_with_dpkgs_reason()
    {
        const string DpkgLine = "dpkg -i exited 1: dpkg: error processing archive /run/kvsedge-update/kvsedge.deb (--install): cannot access archive";
        string package = WritePackage("new.deb", "kvsedge 9.9.9");
        Device first = await StartAsync("1.0.0");
        await _jobs.AddJobAsync(Thing, "update-f", Update(package, Sha256("kvsedge 9.9.9"), "9.9.9"));
        await WaitForStagedAsync("update-f");
        await first.StopAsync(); // a restart for another reason: the pending job survives it

        Device second = await StartAsync("1.0.0");
        await _time.WaitForTimerAsync(d => d == JobsAgent.InstallerPollInterval);
        await ApplyAsRootAsync(new PackageTools(failure: DpkgLine));
        _time.Advance(JobsAgent.InstallerPollInterval);

        JobExecutionRecord done = await _jobs.WaitForTerminalAsync(Thing, "update-f", Timeout);
        Assert.Equal(["IN_PROGRESS", "IN_PROGRESS", "FAILED"], done.History);
        AssertLastUpdate("update-f", "FAILED", 3, new JsonObject { ["reason"] = "install failed: " + DpkgLine });
        Assert.False(second.Lifetime.StopRequested.Task.IsCompleted);
        Assert.Null(Store.Read());
        Assert.False(File.Exists(Staging.ResultPath));
    }

    [Fact]
    public async Task A_result_for_another_job_is_discarded_and_the_wait_goes_on_for_this_ones()
    {
        string package = WritePackage("new.deb", "kvsedge 9.9.9");
        Device device = await StartAsync("1.0.0");
        await _jobs.AddJobAsync(Thing, "update-s", Update(package, Sha256("kvsedge 9.9.9"), "9.9.9"));
        await WaitForStagedAsync("update-s");
        File.WriteAllBytes(Staging.ResultPath, UpdateStaging.ResultBytes(new UpdateResult("an-older-job", false, "dpkg: error"), _time.GetUtcNow()));

        _time.Advance(JobsAgent.InstallerPollInterval);
        await _time.WaitForTimerAsync(d => d == JobsAgent.InstallerPollInterval); // still waiting
        Assert.False(File.Exists(Staging.ResultPath));
        Assert.Equal("IN_PROGRESS", _jobs.Execution(Thing, "update-s")!.Status);
        await ApplyAsRootAsync(new PackageTools(failure: "dpkg -i exited 1: dpkg: dependency problems prevent configuration of kvsedge:"));
        _time.Advance(JobsAgent.InstallerPollInterval);

        JobExecutionRecord done = await _jobs.WaitForTerminalAsync(Thing, "update-s", Timeout);
        Assert.Equal("install failed: dpkg -i exited 1: dpkg: dependency problems prevent configuration of kvsedge:", done.StatusDetails["reason"]!.GetValue<string>());
        Assert.False(device.Lifetime.StopRequested.Task.IsCompleted);
    }

    [Fact]
    public async Task An_update_the_root_installer_never_picks_up_is_withdrawn_and_reported_FAILED_after_the_timeout()
    {
        string package = WritePackage("new.deb", "kvsedge 9.9.9");
        Device device = await StartAsync("1.0.0");
        await _jobs.AddJobAsync(Thing, "update-lost", Update(package, Sha256("kvsedge 9.9.9"), "9.9.9"));
        await WaitForStagedAsync("update-lost");

        _time.Advance(JobsAgent.InstallerTimeout);

        JobExecutionRecord done = await _jobs.WaitForTerminalAsync(Thing, "update-lost", Timeout);
        Assert.Equal("FAILED", done.Status);
        Assert.Equal("the root installer did not run within 15 minutes (is kvsedge-update.path enabled?)", done.StatusDetails["reason"]!.GetValue<string>());
        Assert.False(File.Exists(Staging.RequestPath));
        Assert.False(File.Exists(Store.StagedPackagePath));
        Assert.False(File.Exists(Staging.PackagePath));
        Assert.False(device.Lifetime.StopRequested.Task.IsCompleted);
        Assert.Null(Store.Read());
    }

    [Fact]
    public async Task An_update_whose_version_does_not_run_after_the_restart_is_rolled_back_and_reported_FAILED()
    {
        Store.EnsureDirectory();
        File.WriteAllText(Store.CurrentPackagePath, "kvsedge 1.0.0");
        string package = WritePackage("new.deb", "kvsedge 9.9.9");
        Device first = await StartAsync("1.0.0");
        await _jobs.AddJobAsync(Thing, "update-3", Update(package, Sha256("kvsedge 9.9.9"), "9.9.9"));
        await WaitForStagedAsync("update-3");
        await ApplyAsRootAsync(new PackageTools(onInstall: first.StopAsync));

        // Restarted, but still on 1.0.0: the previous package is handed to the installer.
        Device second = await StartAsync("1.0.0");
        await WaitForStagedAsync("update-3", "rolling back");
        Assert.Equal(Sha256("kvsedge 1.0.0"), UpdateStaging.ParseRequest(File.ReadAllBytes(Staging.RequestPath)).Sha256);
        var tools = new PackageTools(onInstall: second.StopAsync);
        await ApplyAsRootAsync(tools);
        Assert.Equal([Sha256("kvsedge 1.0.0")], tools.Installed);

        Device third = await StartAsync("1.0.0");
        JobExecutionRecord done = await _jobs.WaitForTerminalAsync(Thing, "update-3", Timeout);

        Assert.Equal("FAILED", done.Status);
        Assert.Equal(["IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "FAILED"], done.History);
        AssertLastUpdate("update-3", "FAILED", 4, new JsonObject
        {
            ["reason"] = "running version 1.0.0 after the update, expected 9.9.9; rolled back to the previous package",
        });
        Assert.False(third.Lifetime.StopRequested.Task.IsCompleted); // already on the package reinstalled
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
        Assert.False(File.Exists(Staging.RequestPath));
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
        var device = new Device(connection, _state, version, syncFaces, _time);
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

        public Device(MqttBrokerConnection connection, string state, string version, Func<CancellationToken, Task<bool>>? syncFaces, TimeProvider time)
        {
            _connection = connection;
            Agent = new JobsAgent(
                connection, Thing, new PendingJobStore(state), UpdateStaging.UnderState(state), Lifetime, () => version, NullLogger.Instance, syncFaces, time: time);
            connection.Connected += (_, _) => Connected.TrySetResult();
        }

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

    /// <summary>dpkg-deb and dpkg as the root installer would run them; <c>onInstall</c> is what dpkg's postinst does.</summary>
    internal sealed class PackageTools(Func<Task>? onInstall = null, string? failure = null) : IPackageInstaller
    {
        private readonly Lock _gate = new();
        private readonly List<string> _installed = [];

        /// <summary>The SHA-256 of each package installed.</summary>
        public IReadOnlyList<string> Installed
        {
            get
            {
                lock (_gate)
                {
                    return [.. _installed];
                }
            }
        }

        public Task<string> PackageNameAsync(string packagePath, CancellationToken cancellationToken) => Task.FromResult("kvsedge");

        public async Task<string> InstallAsync(string packagePath, CancellationToken cancellationToken)
        {
            if (failure is not null)
            {
                throw new InvalidOperationException(failure);
            }

            lock (_gate)
            {
                _installed.Add(Sha256File(packagePath));
            }

            if (onInstall is not null)
            {
                await onInstall();
            }

            return "Setting up kvsedge ...";
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

using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using KvsEdge.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;

namespace KvsEdge.Iot;

/// <summary>The `sync-faces` job's work (registered by the host, which knows the cloud side): true when every photo is indexed.</summary>
public sealed record FaceSyncJob(Func<CancellationToken, Task<bool>> SyncAsync);

/// <summary>What became of one job execution on this device (tests wait on it).</summary>
/// <param name="Status">`SUCCEEDED`, `FAILED`, or `IN_PROGRESS` when the service stops to finish it after the restart.</param>
public sealed record JobResult(string JobId, string Status, IReadOnlyDictionary<string, string> Details);

/// <summary>
/// AWS IoT Jobs on the device, one job at a time. At each connect and on each `notify-next` it sends
/// StartNextPendingJobExecution (`jobs/start-next`); the execution it gets back is checked (<see cref="JobDocument"/>),
/// carried out and reported with UpdateJobExecution (`jobs/&lt;jobId&gt;/update`, status, statusDetails.reason and
/// expectedVersion). `restart` reports IN_PROGRESS, keeps the job in <see cref="PendingJobStore"/> and stops the host
/// normally (door locked; systemd's Restart=always starts it again). `update` never installs from here: this service is
/// sandboxed (User=kvsedge, NoNewPrivileges, ProtectSystem=strict), so it stages the verified package for the root
/// installer (<see cref="UpdateStaging"/>, kvsedge-update.path) and waits for its result, across the restart that
/// dpkg's postinst does. A job kept across a restart is reported by the next start once the host is ready, before it
/// asks for the next job. Nothing here holds the door or a GPIO line.
/// </summary>
public sealed class JobsAgent : IHostedService, IDisposable
{
    private static readonly TimeSpan ReportTimeout = TimeSpan.FromSeconds(10);
    private const long MaxPackageBytes = 512L * 1024 * 1024;

    /// <summary>How often the installer's result is looked for while an update is handed over.</summary>
    internal static readonly TimeSpan InstallerPollInterval = TimeSpan.FromSeconds(2);

    /// <summary>How long a staged update may wait for the root installer before the job is FAILED and the request withdrawn.</summary>
    internal static readonly TimeSpan InstallerTimeout = TimeSpan.FromMinutes(15);

    private readonly MqttBrokerConnection _connection;
    private readonly JobsTopics _topics;
    private readonly PendingJobStore _store;
    private readonly UpdateStaging _staging;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly Func<string> _runningVersion;
    private readonly Func<CancellationToken, Task<bool>>? _syncFaces;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly Channel<JsonObject?> _work = Channel.CreateUnbounded<JsonObject?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<string> _done = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _subscriptions = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _worker;
    private long _tokens;
    private bool _stopRequested;

    /// <param name="runningVersion">The version this process runs (the package's version on the appliance).</param>
    /// <param name="staging">Where an update is handed to the root installer (`update/` under the state directory).</param>
    /// <param name="syncFaces">Re-indexes the enrolled faces; null when this build cannot (the job is then FAILED).</param>
    public JobsAgent(
        MqttBrokerConnection connection,
        string thingName,
        PendingJobStore store,
        UpdateStaging staging,
        IHostApplicationLifetime lifetime,
        Func<string> runningVersion,
        ILogger logger,
        Func<CancellationToken, Task<bool>>? syncFaces = null,
        HttpClient? http = null,
        TimeProvider? time = null)
    {
        _connection = connection;
        _topics = new JobsTopics(thingName);
        _store = store;
        _staging = staging;
        _time = time ?? TimeProvider.System;
        _lifetime = lifetime;
        _runningVersion = runningVersion;
        _logger = logger;
        _syncFaces = syncFaces;
        _http = http ?? new HttpClient();
    }

    /// <summary>Raised after each job's report was sent.</summary>
    public event EventHandler<JobResult>? Reported;

    public JobsTopics Topics => _topics;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _lifetime.ApplicationStarted.Register(() => _ready.TrySetResult());
        _subscriptions.Add(_connection.Subscribe(new InboundTopic(_topics.NotifyNext, OnNotifyNext)));
        _subscriptions.Add(_connection.Subscribe(new InboundTopic(_topics.StartNextAccepted, OnStartNextAccepted)));
        _subscriptions.Add(_connection.Subscribe(new InboundTopic(_topics.StartNextRejected, OnRejected)));
        _connection.Connected += OnConnected;
        _worker = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _connection.Connected -= OnConnected;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_worker is not null)
        {
            await _worker.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        Dispose();
    }

    public void Dispose()
    {
        _connection.Connected -= OnConnected;
        _subscriptions.ForEach(s => s.Dispose());
        _subscriptions.Clear();
        _stopping.Dispose();
    }

    // A null item asks for the next job; an object is an execution to carry out.
    private void OnConnected(object? sender, EventArgs e) => _work.Writer.TryWrite(null);

    private ValueTask OnNotifyNext(MqttInboundMessage message, CancellationToken cancellationToken)
    {
        // notify-next says which execution is next; start-next is what moves it to IN_PROGRESS and hands it over.
        if (Parse(message)?["execution"] is JsonObject)
        {
            _work.Writer.TryWrite(null);
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask OnStartNextAccepted(MqttInboundMessage message, CancellationToken cancellationToken)
    {
        if (Parse(message)?["execution"] is JsonObject execution)
        {
            _work.Writer.TryWrite(execution);
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask OnRejected(MqttInboundMessage message, CancellationToken cancellationToken)
    {
        JsonObject? error = Parse(message);
        JobsLog.RequestRejected(_logger, message.Topic, Text(error, "code") ?? "?", Text(error, "message") ?? "(no message)");
        return ValueTask.CompletedTask;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        bool pendingChecked = false;
        try
        {
            await foreach (JsonObject? item in _work.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                if (_stopRequested)
                {
                    continue; // the service is stopping for a job: nothing more until the next start
                }

                if (!pendingChecked)
                {
                    // A job that spans the restart is reported before any other is started.
                    pendingChecked = true;
                    await FinishPendingAsync(ct).ConfigureAwait(false);
                    if (_stopRequested)
                    {
                        continue;
                    }
                }

                if (item is null)
                {
                    RequestNext();
                }
                else
                {
                    await RunExecutionAsync(item, ct).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The host stops.
        }
    }

    private void RequestNext() => Publish(_topics.StartNext, new JsonObject
    {
        ["statusDetails"] = new JsonObject { ["agent"] = "kvsedge " + _runningVersion() },
        ["clientToken"] = NextToken(),
    });

    private async Task RunExecutionAsync(JsonObject execution, CancellationToken ct)
    {
        string? jobId = Text(execution, "jobId");
        long version = execution["versionNumber"] is JsonValue v && v.TryGetValue(out long n) ? n : 0;
        if (!JobsTopics.IsValidJobId(jobId) || !_done.Add(jobId!))
        {
            return; // an execution already handled here (a repeated start-next answer), or not a job id at all
        }

        JobDocument? document = JobDocument.Read(execution["jobDocument"], out string? refusal);
        if (document is null)
        {
            JobsLog.JobRefused(_logger, jobId!, refusal!);
            await ReportAsync(jobId!, "FAILED", version, Details(refusal!), wait: false, ct).ConfigureAwait(false);
            RequestNext();
            return;
        }

        string operation = Name(document.Operation);
        JobsLog.JobStarted(_logger, jobId!, operation);
        try
        {
            switch (document.Operation)
            {
                case JobOperation.Restart:
                    _store.Write(new PendingJob(jobId!, operation, version + 1));
                    await StopForJobAsync(jobId!, operation, version, Details("restarting"), ct).ConfigureAwait(false);
                    return;
                case JobOperation.Update:
                    if (await UpdateAsync(jobId!, document, version, ct).ConfigureAwait(false))
                    {
                        return;
                    }

                    break;
                case JobOperation.SyncFaces:
                    await SyncFacesAsync(jobId!, version, ct).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            JobsLog.JobError(_logger, ex, jobId!, operation);
            _store.Clear();
            await ReportAsync(jobId!, "FAILED", version, Details(ex.Message), wait: false, ct).ConfigureAwait(false);
        }

        RequestNext();
    }

    private async Task SyncFacesAsync(string jobId, long version, CancellationToken ct)
    {
        if (_syncFaces is null)
        {
            await FailAsync(jobId, "sync-faces", version, "sync-faces is not supported by this version of kvsedge", ct).ConfigureAwait(false);
            return;
        }

        bool all = await _syncFaces(ct).ConfigureAwait(false);
        if (all)
        {
            await SucceedAsync(jobId, "sync-faces", version, Details("faces re-indexed"), ct).ConfigureAwait(false);
        }
        else
        {
            await FailAsync(jobId, "sync-faces", version, "some photos were not indexed (see the device log)", ct).ConfigureAwait(false);
        }
    }

    /// <returns>True when the service stops (to run the installed version) and the next start finishes the job.</returns>
    private async Task<bool> UpdateAsync(string jobId, JobDocument document, long version, CancellationToken ct)
    {
        _store.EnsureDirectory();
        string download = _store.DownloadPath;
        await DownloadAsync(document.Url!, download, ct).ConfigureAwait(false);
        string actual;
        await using (FileStream file = File.OpenRead(download))
        {
            actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct).ConfigureAwait(false));
        }

        if (!string.Equals(actual, document.Sha256, StringComparison.Ordinal))
        {
            File.Delete(download);
            var details = Details("sha256 mismatch");
            details["expected"] = document.Sha256!;
            details["actual"] = actual;
            await ReportAsync(jobId, "FAILED", version, details, wait: false, ct).ConfigureAwait(false);
            JobsLog.JobFailed(_logger, jobId, "update", "sha256 mismatch");
            return false;
        }

        File.Move(download, _store.StagedPackagePath, overwrite: true);
        // Kept before the hand-off: dpkg's postinst restarts this service, and the next start reports the result.
        var pending = new PendingJob(jobId, "update", version + 1, document.Version, _runningVersion(), _time.GetUtcNow());
        _store.Write(pending);
        var progress = Details("staged");
        progress["version"] = document.Version!;
        // Reported (and answered) before the request exists: once it does, dpkg's postinst may stop this process at
        // any moment, and the next start's report needs the execution's version to have moved on already.
        await ReportAsync(jobId, "IN_PROGRESS", version, progress, wait: true, ct).ConfigureAwait(false);
        if (!await TryStageAsync(pending, _store.StagedPackagePath, actual, ct).ConfigureAwait(false))
        {
            return false;
        }

        JobsLog.UpdateStaged(_logger, jobId, document.Version!, _staging.RequestPath);
        return await AwaitInstallerAsync(pending, stagedHere: true, ct).ConfigureAwait(false);
    }

    /// <returns>False when staging failed and the job was reported FAILED.</returns>
    private async Task<bool> TryStageAsync(PendingJob pending, string package, string sha256, CancellationToken ct)
    {
        try
        {
            _staging.Stage(package, pending.JobId, sha256);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _staging.Withdraw(); // a half-staged request must not start the installer later
            await FailUpdateAsync(pending, "staging the package for the installer failed: " + ex.Message, ct).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>
    /// Waits for the root installer's result (polled on the clock: the installer is another process, started by systemd)
    /// and finishes the job with it; bounded by <see cref="InstallerTimeout"/> from the staging, across restarts.
    /// </summary>
    /// <param name="stagedHere">This process staged the request (so still runs the version from before it).</param>
    /// <returns>True when the service stops and the next start finishes the job.</returns>
    private async Task<bool> AwaitInstallerAsync(PendingJob pending, bool stagedHere, CancellationToken ct)
    {
        if (pending.StagedAt is null)
        {
            // Kept by a version that installed from inside the service: the install already happened.
            return await OnInstalledAsync(pending, new UpdateResult(pending.JobId, true, "installed"), stagedHere, ct).ConfigureAwait(false);
        }

        while (true)
        {
            UpdateResult? result;
            try
            {
                result = _staging.ReadResult();
            }
            catch (InvalidDataException ex)
            {
                JobsLog.StateUnreadable(_logger, _staging.ResultPath, ex.Message);
                _staging.RemoveResult();
                result = null;
            }

            if (result is not null && result.JobId is not null && result.JobId != pending.JobId)
            {
                JobsLog.StaleInstallerResult(_logger, result.JobId, pending.JobId);
                _staging.RemoveResult();
                result = null;
            }

            if (result is not null)
            {
                return await OnInstalledAsync(pending, result, stagedHere, ct).ConfigureAwait(false);
            }

            if (_time.GetUtcNow() - pending.StagedAt.Value >= InstallerTimeout)
            {
                _staging.Withdraw();
                if (pending.RollbackReason is null)
                {
                    File.Delete(_store.StagedPackagePath); // never installed: nothing to keep it for
                }

                string missing = $"the root installer did not run within {InstallerTimeout.TotalMinutes:0} minutes (is kvsedge-update.path enabled?)";
                await FailUpdateAsync(pending, pending.RollbackReason is { } why ? $"{why}; the roll back was not done: {missing}" : missing, ct)
                    .ConfigureAwait(false);
                return false;
            }

            await Task.Delay(InstallerPollInterval, _time, ct).ConfigureAwait(false);
        }
    }

    private async Task<bool> OnInstalledAsync(PendingJob pending, UpdateResult result, bool stagedHere, CancellationToken ct)
    {
        JobsLog.InstallerResult(_logger, pending.JobId, result.Succeeded, result.Message);
        string running = _runningVersion();
        if (pending.RollbackReason is { } why)
        {
            _staging.RemoveResult();
            if (!result.Succeeded)
            {
                await FailUpdateAsync(pending, $"{why}; the roll back failed too: {result.Message}", ct).ConfigureAwait(false);
                return false;
            }

            JobsLog.RolledBack(_logger, pending.JobId, why, _store.CurrentPackagePath);
            await FailUpdateAsync(pending, why + "; rolled back to the previous package", ct, wait: true).ConfigureAwait(false);
            if (string.Equals(running, pending.PreviousVersion, StringComparison.Ordinal))
            {
                return false;
            }

            RequestStop(); // dpkg did not restart this process: start again on the package reinstalled
            return true;
        }

        if (!result.Succeeded)
        {
            _staging.RemoveResult();
            File.Delete(_store.StagedPackagePath);
            await FailUpdateAsync(pending, "install failed: " + result.Message, ct).ConfigureAwait(false);
            return false;
        }

        if (string.Equals(running, pending.ExpectedVersion, StringComparison.Ordinal))
        {
            // Confirmed: this package is what a later failed update rolls back to.
            if (File.Exists(_store.StagedPackagePath))
            {
                File.Move(_store.StagedPackagePath, _store.CurrentPackagePath, overwrite: true);
            }

            _staging.RemoveResult();
            _store.Clear();
            var details = Details("updated and running");
            details["version"] = running;
            await SucceedAsync(pending.JobId, "update", pending.VersionNumber, details, ct).ConfigureAwait(false);
            return false;
        }

        if (stagedHere)
        {
            // Installed, but this process still runs the old binary (dpkg's postinst did not restart it): the next start,
            // on the new one, finishes the job from the result left in place.
            JobsLog.Restarting(_logger, pending.JobId, "update");
            RequestStop();
            return true;
        }

        _staging.RemoveResult();
        string reason = $"running version {running} after the update, expected {pending.ExpectedVersion}";
        File.Delete(_store.StagedPackagePath);
        if (!File.Exists(_store.CurrentPackagePath))
        {
            await FailUpdateAsync(pending, reason + "; no previous package is kept to roll back to", ct).ConfigureAwait(false);
            return false;
        }

        string sha256;
        await using (FileStream file = File.OpenRead(_store.CurrentPackagePath))
        {
            sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct).ConfigureAwait(false));
        }

        var rollback = pending with { VersionNumber = pending.VersionNumber + 1, StagedAt = _time.GetUtcNow(), RollbackReason = reason };
        _store.Write(rollback);
        var progress = Details("rolling back");
        progress["detail"] = reason;
        await ReportAsync(pending.JobId, "IN_PROGRESS", pending.VersionNumber, progress, wait: true, ct).ConfigureAwait(false);
        if (!await TryStageAsync(rollback, _store.CurrentPackagePath, sha256, ct).ConfigureAwait(false))
        {
            return false;
        }

        JobsLog.RollingBack(_logger, pending.JobId, reason, _store.CurrentPackagePath);
        return await AwaitInstallerAsync(rollback, stagedHere: true, ct).ConfigureAwait(false);
    }

    private async Task FailUpdateAsync(PendingJob pending, string reason, CancellationToken ct, bool wait = false)
    {
        _store.Clear();
        await FailAsync(pending.JobId, "update", pending.VersionNumber, reason, ct, wait).ConfigureAwait(false);
    }

    private async Task DownloadAsync(Uri url, string path, CancellationToken ct)
    {
        if (url.IsFile)
        {
            File.Copy(url.LocalPath, path, overwrite: true);
            return;
        }

        using HttpResponseMessage response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"download failed: HTTP {(int)response.StatusCode}");
        }

        await using Stream body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > MaxPackageBytes)
            {
                throw new InvalidOperationException("download failed: the package is larger than 512 MiB");
            }

            await file.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
        }
    }

    private async Task StopForJobAsync(string jobId, string operation, long version, Dictionary<string, string> details, CancellationToken ct)
    {
        await ReportAsync(jobId, "IN_PROGRESS", version, details, wait: true, ct).ConfigureAwait(false);
        JobsLog.Restarting(_logger, jobId, operation);
        RequestStop();
    }

    private void RequestStop()
    {
        _stopRequested = true;
        // The host's normal stop: every hosted service stops, the door controller drives the relay inactive.
        _lifetime.StopApplication();
    }

    /// <summary>After a restart: the pending job's result, once the host is ready (every hosted service started).</summary>
    private async Task FinishPendingAsync(CancellationToken ct)
    {
        PendingJob? pending;
        try
        {
            pending = _store.Read();
        }
        catch (InvalidDataException ex)
        {
            JobsLog.StateUnreadable(_logger, _store.PendingPath, ex.Message);
            _store.Clear();
            return;
        }

        if (pending is null)
        {
            return;
        }

        _done.Add(pending.JobId);
        await _ready.Task.WaitAsync(ct).ConfigureAwait(false);
        JobsLog.PendingResumed(_logger, pending.JobId, pending.Operation);
        if (pending.Operation != "update")
        {
            _store.Clear();
            await SucceedAsync(pending.JobId, pending.Operation, pending.VersionNumber, Details("restarted"), ct).ConfigureAwait(false);
            return;
        }

        await AwaitInstallerAsync(pending, stagedHere: false, ct).ConfigureAwait(false);
    }

    private async Task SucceedAsync(string jobId, string operation, long version, Dictionary<string, string> details, CancellationToken ct)
    {
        await ReportAsync(jobId, "SUCCEEDED", version, details, wait: false, ct).ConfigureAwait(false);
        JobsLog.JobSucceeded(_logger, jobId, operation, details["reason"]);
    }

    private async Task FailAsync(string jobId, string operation, long version, string reason, CancellationToken ct, bool wait = false)
    {
        await ReportAsync(jobId, "FAILED", version, Details(reason), wait, ct).ConfigureAwait(false);
        JobsLog.JobFailed(_logger, jobId, operation, reason);
    }

    /// <summary>UpdateJobExecution; with <paramref name="wait"/>, until IoT Jobs answered (before the service stops).</summary>
    private async Task ReportAsync(string jobId, string status, long expectedVersion, Dictionary<string, string> details, bool wait, CancellationToken ct)
    {
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string token = NextToken();
        ValueTask Answer(MqttInboundMessage m, CancellationToken _)
        {
            if (Text(Parse(m), "clientToken") == token)
            {
                answered.TrySetResult();
            }

            return ValueTask.CompletedTask;
        }

        using IDisposable accepted = _connection.Subscribe(new InboundTopic(_topics.UpdateAccepted(jobId), Answer));
        using IDisposable rejected = _connection.Subscribe(new InboundTopic(_topics.UpdateRejected(jobId), async (m, c) =>
        {
            await OnRejected(m, c).ConfigureAwait(false);
            await Answer(m, c).ConfigureAwait(false);
        }));
        var statusDetails = new JsonObject();
        foreach ((string key, string value) in details)
        {
            statusDetails[key] = value;
        }

        Publish(_topics.Update(jobId), new JsonObject
        {
            ["status"] = status,
            ["statusDetails"] = statusDetails,
            ["expectedVersion"] = expectedVersion,
            ["clientToken"] = token,
        });
        Reported?.Invoke(this, new JobResult(jobId, status, details));
        if (wait)
        {
            try
            {
                await answered.Task.WaitAsync(ReportTimeout, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The report stays queued on the connection; the next start reports the pending job again anyway.
            }
        }
    }

    private static Dictionary<string, string> Details(string reason) => new(StringComparer.Ordinal) { ["reason"] = reason };

    private static string Name(JobOperation operation) => operation switch
    {
        JobOperation.Restart => "restart",
        JobOperation.Update => "update",
        _ => "sync-faces",
    };

    private string NextToken() => "kvsedge-job-" + Interlocked.Increment(ref _tokens).ToString(CultureInfo.InvariantCulture);

    private void Publish(string topic, JsonObject payload) =>
        _connection.Publish(topic, ShadowJson.Bytes(payload), MqttQualityOfServiceLevel.AtLeastOnce, retain: false);

    private static JsonObject? Parse(MqttInboundMessage message)
    {
        try
        {
            return JsonNode.Parse(message.Payload.Span) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonObject? o, string key) =>
        o?[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}

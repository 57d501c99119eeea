using System.Globalization;
using KvsEdge.Access;
using KvsEdge.Common;
using KvsEdge.Door;
using KvsEdge.Snapshots;
using KvsEdge.Status;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Actions;

/// <summary>
/// Turns observations into decisions and carries them out: one frame at a time (the policy keeps cooldown,
/// confirmation and de-duplication state), ledger before relay, then the audit (journal + MQTT event).
/// Sources checkpoint only after this returns, so every decision is acted on and audited before it counts as done.
/// </summary>
public sealed partial class DecisionExecutor : IDisposable
{
    /// <summary>Reason given when a grant cannot be made durable: the door stays locked rather than risk a replay.</summary>
    public const string LedgerUnavailableReason = "ledger_unavailable";

    private readonly AccessPolicy _policy;
    private readonly IDoor _door;
    private readonly IStatusPublisher _status;
    private readonly GrantLedger _ledger;
    private readonly TimeProvider _time;
    private readonly ILogger<DecisionExecutor> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly FaultPoint _faultPoint;
    private readonly SnapshotWriter? _snapshots;
    private int _ledgerAvailable = 1;
    private bool _restoreFailed;

    public DecisionExecutor(
        AccessPolicy policy, IDoor door, IStatusPublisher status, GrantLedger ledger, TimeProvider time, ILogger<DecisionExecutor> logger,
        FaultPoint? faultPoint = null, SnapshotWriter? snapshots = null)
    {
        _faultPoint = faultPoint ?? FaultPoint.None;
        _snapshots = snapshots;
        _policy = policy;
        _door = door;
        _status = status;
        _ledger = ledger;
        _time = time;
        _logger = logger;
    }

    /// <summary>Raised after each decision is audited (the demo's live view listens).</summary>
    public event EventHandler<Decision>? Decided;

    /// <summary>
    /// Raised once a frame's decisions are all carried out and audited, so a view can show a relay change after the
    /// decisions that caused it (the relay moves before the audit).
    /// </summary>
    public event EventHandler<IReadOnlyList<Decision>>? FrameDecided;

    /// <summary>Raised when the ledger becomes unavailable (true → false) or usable again (false → true).</summary>
    public event EventHandler<bool>? LedgerAvailabilityChanged;

    /// <summary>False while grants cannot be made durable: every grant is then denied as <see cref="LedgerUnavailableReason"/>.</summary>
    public bool LedgerAvailable => Volatile.Read(ref _ledgerAvailable) == 1;

    /// <summary>
    /// Reloads the faces that already unlocked, so their redelivery after a restart is a duplicate, and the people's
    /// last grants, so their cooldown survives the restart. A ledger that cannot be read or rewritten (read-only or
    /// full state directory) does not stop the service: grants are denied until it can be written again (or, when it
    /// could not even be read, until a restart), so the door stays locked rather than risk a replay.
    /// </summary>
    public int RestoreLedger(TimeSpan window)
    {
        IReadOnlyList<GrantLedgerEntry> entries;
        int skipped;
        try
        {
            entries = _ledger.ReadRecent(_time.GetUtcNow() - window, out skipped);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // What unlocked before is unknown: no grant may go ahead in this run.
            _restoreFailed = true;
            Log.LedgerUnreadable(_logger, _ledger.FilePath, ex);
            SetLedgerAvailable(false);
            return 0;
        }

        foreach (GrantLedgerEntry entry in entries)
        {
            // The person too: their cooldown survives the restart, so a frame in cooldown before a crash stays in it.
            _policy.RememberGranted(entry.Key, entry.FrameTime, entry.Person);
        }

        if (skipped > 0)
        {
            Log.LedgerLinesSkipped(_logger, skipped, _ledger.FilePath);
        }

        Log.LedgerRestored(_logger, entries.Count);
        try
        {
            _ledger.Compact(entries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.LedgerWriteFailed(_logger, ex);
            SetLedgerAvailable(false);
        }

        return entries.Count;
    }

    /// <summary>Decides every face of one frame, pulses the door at most once for it, and audits each decision.</summary>
    public Task<IReadOnlyList<Decision>> HandleFrameAsync(IReadOnlyList<FaceObservation> faces, CancellationToken cancellationToken) =>
        HandleFrameAsync(faces, evidence: null, cancellationToken);

    /// <summary>
    /// As <see cref="HandleFrameAsync(IReadOnlyList{FaceObservation}, CancellationToken)"/>, keeping
    /// <paramref name="evidence"/> (the frame's JPEG) as the snapshot of its face decisions. The snapshot is only
    /// queued, after the door acted: a slow, full or read-only disk never delays or changes a decision.
    /// </summary>
    public async Task<IReadOnlyList<Decision>> HandleFrameAsync(
        IReadOnlyList<FaceObservation> faces, SnapshotEvidence? evidence, CancellationToken cancellationToken)
    {
        if (faces.Count == 0)
        {
            return [];
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DateTimeOffset now = _time.GetUtcNow();
            var decisions = new List<Decision>(faces.Count);
            foreach (FaceObservation face in faces)
            {
                decisions.Add(_policy.Decide(face, now));
            }

            if (decisions.Exists(d => d.Kind == DecisionKind.Granted))
            {
                await UnlockAsync(decisions, cancellationToken).ConfigureAwait(false);
            }
            else if (decisions.Exists(d => d.Kind is DecisionKind.Denied or DecisionKind.UnknownFace))
            {
                _door.SignalDenied();
            }

            if (evidence is not null)
            {
                KeepSnapshot(decisions, evidence, now);
            }

            foreach (Decision decision in decisions)
            {
                Audit(decision);
            }

            FrameDecided?.Invoke(this, decisions);
            return decisions;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Audits a record that could not be parsed; it never reaches the policy.</summary>
    public Decision HandleMalformed(string detail)
    {
        Decision decision = AccessPolicy.Malformed(detail, _time.GetUtcNow());
        Audit(decision);
        return decision;
    }

    public void Dispose() => _gate.Dispose();

    private async Task UnlockAsync(List<Decision> decisions, CancellationToken cancellationToken)
    {
        try
        {
            if (_restoreFailed)
            {
                throw new IOException("the grant ledger " + _ledger.FilePath + " could not be read at start");
            }

            foreach (Decision granted in decisions.Where(d => d.Kind == DecisionKind.Granted))
            {
                _ledger.Append(granted.Observation!.DedupKey, granted.Observation.FrameTime, granted.Person);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Without a durable record a crash could replay this grant; staying locked is the safe side.
            Log.LedgerWriteFailed(_logger, ex);
            SetLedgerAvailable(false);
            for (int i = 0; i < decisions.Count; i++)
            {
                if (decisions[i].Kind == DecisionKind.Granted)
                {
                    decisions[i] = decisions[i] with { Kind = DecisionKind.Denied, Reason = LedgerUnavailableReason, Detail = ex.Message };
                }
            }

            _door.SignalDenied();
            return;
        }

        SetLedgerAvailable(true);

        _faultPoint.Reached(FaultPoint.AfterLedgerAppend);
        if (!await _door.UnlockAsync(cancellationToken).ConfigureAwait(false))
        {
            // A pulse is already running (the door is open) or the service is stopping: the grant stands, no new pulse.
            Log.PulseNotStarted(_logger);
        }
    }

    /// <summary>Queues the frame's snapshot when it has a face decision, and names it in those decisions.</summary>
    private void KeepSnapshot(List<Decision> decisions, SnapshotEvidence evidence, DateTimeOffset now)
    {
        if (_snapshots is null || !decisions.Exists(d => d.IsFaceDecision))
        {
            return;
        }

        // One snapshot per frame; its label is the frame's strongest outcome (after a ledger failure turned a grant
        // into a denial, it says denied, as the events do).
        string type = decisions.Exists(d => d.Kind == DecisionKind.Granted) ? SnapshotWriter.GrantedDecision
            : decisions.Exists(d => d.Kind == DecisionKind.Denied) ? "access_denied"
            : "unknown_face";
        string[] people = decisions.Where(d => d.IsFaceDecision && d.Person is not null).Select(d => d.Person!).Distinct(StringComparer.Ordinal).ToArray();
        string? id = _snapshots.Submit(now, type, people.Length == 0 ? null : string.Join(", ", people), evidence);
        if (id is null)
        {
            return;
        }

        for (int i = 0; i < decisions.Count; i++)
        {
            if (decisions[i].IsFaceDecision)
            {
                decisions[i] = decisions[i] with { SnapshotId = id };
            }
        }
    }

    private void SetLedgerAvailable(bool available)
    {
        if (Interlocked.Exchange(ref _ledgerAvailable, available ? 1 : 0) == (available ? 1 : 0))
        {
            return;
        }

        if (available)
        {
            Log.LedgerAvailableAgain(_logger, _ledger.FilePath);
        }
        else
        {
            Log.LedgerUnavailable(_logger, _ledger.FilePath);
        }

        LedgerAvailabilityChanged?.Invoke(this, available);
    }

    private void Audit(Decision decision)
    {
        FaceObservation? o = decision.Observation;
        // A local match has no Rekognition similarity: the log shows its descriptor distance instead, as the event does.
        bool local = o is { Source: LocalRecognitionState.Source };
        string? detail = o?.Local is { Distance: float d } && float.IsFinite(d)
            ? string.Create(CultureInfo.InvariantCulture, $"local distance={d:0.###} {decision.Detail}").TrimEnd()
            : decision.Detail;
        Log.Decided(_logger, decision.EventType, decision.Reason, decision.Person, local ? null : decision.Similarity, o?.Source, o?.FragmentNumber, o?.FrameTime, detail);
        _status.PublishEvent(decision);
        Decided?.Invoke(this, decision);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1500, EventName = "Decided", Level = LogLevel.Information,
            Message = "Decision {Type} ({Reason}) person={Person} similarity={Similarity} source={Source} fragment={FragmentNumber} frame_time={FrameTime:o} {Detail}")]
        public static partial void Decided(ILogger logger, string type, string reason, string? person, double? similarity, string? source, string? fragmentNumber, DateTimeOffset? frameTime, string? detail);

        [LoggerMessage(EventId = 1501, EventName = "LedgerWriteFailed", Level = LogLevel.Error,
            Message = "Could not record a grant durably; the door stays locked")]
        public static partial void LedgerWriteFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1502, EventName = "PulseNotStarted", Level = LogLevel.Information,
            Message = "Access granted while the door is already open or stopping: no new pulse")]
        public static partial void PulseNotStarted(ILogger logger);

        [LoggerMessage(EventId = 1503, EventName = "LedgerRestored", Level = LogLevel.Information,
            Message = "Restored {Count} recent grants from the ledger")]
        public static partial void LedgerRestored(ILogger logger, int count);

        [LoggerMessage(EventId = 1504, EventName = "LedgerLinesSkipped", Level = LogLevel.Warning,
            Message = "Skipped {Count} unreadable lines of the grant ledger {Path} (torn or corrupted); the rest was restored")]
        public static partial void LedgerLinesSkipped(ILogger logger, int count, string path);

        [LoggerMessage(EventId = 1505, EventName = "LedgerUnreadable", Level = LogLevel.Error,
            Message = "Cannot read the grant ledger {Path}: every grant is denied until a restart can read it; the door stays locked")]
        public static partial void LedgerUnreadable(ILogger logger, string path, Exception exception);

        [LoggerMessage(EventId = 1506, EventName = "LedgerUnavailable", Level = LogLevel.Error,
            Message = "Grant ledger {Path} unavailable (read-only or full state directory?): grants are denied as ledger_unavailable, the door stays locked")]
        public static partial void LedgerUnavailable(ILogger logger, string path);

        [LoggerMessage(EventId = 1507, EventName = "LedgerAvailableAgain", Level = LogLevel.Information,
            Message = "Grant ledger {Path} writable again: grants go ahead")]
        public static partial void LedgerAvailableAgain(ILogger logger, string path);
    }
}

using KvsEdge.Access;
using KvsEdge.Door;
using KvsEdge.Recognition;
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

    public DecisionExecutor(AccessPolicy policy, IDoor door, IStatusPublisher status, GrantLedger ledger, TimeProvider time, ILogger<DecisionExecutor> logger)
    {
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

    /// <summary>Reloads the faces that already unlocked, so their redelivery after a restart is a duplicate.</summary>
    public int RestoreLedger(TimeSpan window)
    {
        var entries = _ledger.LoadRecent(_time.GetUtcNow() - window);
        foreach (var (key, frameTime) in entries)
        {
            _policy.RememberGranted(key, frameTime);
        }

        Log.LedgerRestored(_logger, entries.Count);
        return entries.Count;
    }

    /// <summary>Decides every face of one frame, pulses the door at most once for it, and audits each decision.</summary>
    public async Task<IReadOnlyList<Decision>> HandleFrameAsync(IReadOnlyList<FaceObservation> faces, CancellationToken cancellationToken)
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
            foreach (Decision granted in decisions.Where(d => d.Kind == DecisionKind.Granted))
            {
                _ledger.Append(granted.Observation!.DedupKey, granted.Observation.FrameTime);
            }
        }
        catch (IOException ex)
        {
            // Without a durable record a crash could replay this grant; staying locked is the safe side.
            Log.LedgerWriteFailed(_logger, ex);
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

        if (!await _door.UnlockAsync(cancellationToken).ConfigureAwait(false))
        {
            // A pulse is already running (the door is open) or the service is stopping: the grant stands, no new pulse.
            Log.PulseNotStarted(_logger);
        }
    }

    private void Audit(Decision decision)
    {
        FaceObservation? o = decision.Observation;
        Log.Decided(_logger, decision.EventType, decision.Reason, decision.Person, decision.Similarity, o?.Source, o?.FragmentNumber, o?.FrameTime, decision.Detail);
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
    }
}

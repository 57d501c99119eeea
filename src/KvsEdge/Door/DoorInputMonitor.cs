using System.Device.Gpio;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Door;

/// <summary>The `type` values of door events on the events topic (a contract, like the decision types).</summary>
public static class DoorEventTypes
{
    public const string ExitRequest = "exit_request";
    public const string HeldOpen = "door_held_open";
    public const string Forced = "door_forced";
    public const string Tamper = "tamper";

    public static IReadOnlyList<string> All { get; } = [ExitRequest, HeldOpen, Forced, Tamper];
}

/// <summary>Stable `reason` values of door events.</summary>
public static class DoorEventReasons
{
    /// <summary>Exit request: the strike was pulsed.</summary>
    public const string Unlocked = "unlocked";

    /// <summary>Exit request while a pulse already held the strike released.</summary>
    public const string AlreadyUnlocked = "already_unlocked";

    /// <summary>Exit request the door refused (relay fault, stopping).</summary>
    public const string Refused = "refused";

    /// <summary>Forced: the door opened with the strike locked and no grant or exit request just before.</summary>
    public const string NoGrant = "no_grant";

    /// <summary>Held open: open longer than Door:Inputs:Contact:HeldOpenAfter.</summary>
    public const string OpenTooLong = "open_too_long";

    /// <summary>Tamper: the tamper input became active (or was active at start).</summary>
    public const string TamperActive = "tamper_active";
}

/// <summary>An audited door event (not a face decision): goes to the events topic and the journal.</summary>
public sealed record DoorEvent(string Type, string Reason, DateTimeOffset At, string? Detail = null);

public enum DoorPosition
{
    /// <summary>No door contact configured.</summary>
    Unknown,
    Closed,
    Open,
}

/// <summary>The door's alarm states; each stays on until its cause goes (the door closes, the tamper switch closes).</summary>
public readonly record struct DoorAlarms(bool HeldOpen, bool Forced, bool Tamper);

/// <summary>
/// The door's own inputs (contact, exit button, tamper) and what they mean for the strike: door position, held-open and
/// forced-open alarms, relock on close, and the exit button, which pulses the strike locally (no cloud, no network, no
/// grant ledger: it is not a face decision). Started right after <see cref="DoorController"/>; publishing is the
/// subscribers' business (events are raised outside the lock, after the relay was acted on).
/// </summary>
public sealed partial class DoorInputMonitor : IHostedService, IDisposable
{
    /// <summary>
    /// A door that opens this soon after the strike locked again is not forced: a person pushing as the pulse ends
    /// (the strike's latch and the contact's debounce lag behind the relay).
    /// </summary>
    internal static readonly TimeSpan ForcedGrace = TimeSpan.FromSeconds(1);

    private readonly DoorInputsOptions _options;
    private readonly GpioController _gpio;
    private readonly DoorController _door;
    private readonly TimeProvider _time;
    private readonly ILogger<DoorInputMonitor> _logger;
    private readonly Lock _gate = new();
    private readonly ITimer _heldTimer;
    private readonly List<GpioDoorInput> _inputs = [];
    private readonly Queue<Action> _pending = new();
    private bool _raising;

    private DoorPosition _position = DoorPosition.Unknown;
    private DoorAlarms _alarms;
    private long _openSince;
    private long _lockedAt;
    private long _lastExitPulse;
    private bool _started;

    public DoorInputMonitor(IOptions<DoorOptions> options, GpioController gpio, DoorController door, TimeProvider time, ILogger<DoorInputMonitor> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value.Inputs ?? new DoorInputsOptions();
        _gpio = gpio;
        _door = door;
        _time = time;
        _logger = logger;
        _heldTimer = time.CreateTimer(_ => OnHeldOpenTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Raised on every debounced position change (and once at start when a contact is configured).</summary>
    public event EventHandler<DoorPosition>? PositionChanged;

    public event EventHandler<DoorAlarms>? AlarmsChanged;

    /// <summary>Audited door events: exit_request, door_held_open, door_forced, tamper.</summary>
    public event EventHandler<DoorEvent>? EventRaised;

    public bool HasContact => _options.Contact?.Pin is not null;

    public bool HasTamper => _options.Tamper?.Pin is not null;

    public bool HasExitButton => _options.ExitButton?.Pin is not null;

    public DoorPosition Position
    {
        get
        {
            lock (_gate)
            {
                return _position;
            }
        }
    }

    public DoorAlarms Alarms
    {
        get
        {
            lock (_gate)
            {
                return _alarms;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_started)
            {
                return Task.CompletedTask;
            }

            _started = true;
        }

        _door.StateChanged += OnDoorStateChanged;
        if (_options.Contact is { Pin: int contactPin } contact)
        {
            GpioDoorInput input = Open("door_contact", contact.Wiring(contactPin), OnContact);
            lock (_gate)
            {
                SetPosition(input.IsActive ? DoorPosition.Open : DoorPosition.Closed);
                if (input.IsActive)
                {
                    // Open at start: its history is unknown, so no forced alarm, but it may still be held open.
                    _openSince = _time.GetTimestamp();
                    _heldTimer.Change(contact.HeldOpenAfter, Timeout.InfiniteTimeSpan);
                }
            }
        }

        if (_options.ExitButton is { Pin: int exitPin } exit)
        {
            Open("exit_button", exit.Wiring(exitPin), OnExitButton);
        }

        if (_options.Tamper is { Pin: int tamperPin } tamper)
        {
            GpioDoorInput input = Open("tamper", tamper.Wiring(tamperPin), OnTamper);
            if (input.IsActive)
            {
                lock (_gate)
                {
                    SetTamper(true, _time.GetUtcNow(), "active at start");
                }
            }
        }

        RaisePending();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _door.StateChanged -= OnDoorStateChanged;
        _heldTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        CloseInputs();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _door.StateChanged -= OnDoorStateChanged;
        _heldTimer.Dispose();
        CloseInputs();
    }

    private GpioDoorInput Open(string name, DoorInputWiring wiring, Action<DoorInputChange> handler)
    {
        var input = new GpioDoorInput(name, wiring, _gpio, _time, _logger);
        input.Changed += (_, change) => handler(change);
        input.Open();
        lock (_gate)
        {
            _inputs.Add(input);
        }

        return input;
    }

    private void CloseInputs()
    {
        GpioDoorInput[] inputs;
        lock (_gate)
        {
            inputs = [.. _inputs];
            _inputs.Clear();
        }

        foreach (GpioDoorInput input in inputs)
        {
            input.Dispose();
        }
    }

    private void OnDoorStateChanged(object? sender, DoorState state)
    {
        if (state != DoorState.Unlocked)
        {
            lock (_gate)
            {
                _lockedAt = _time.GetTimestamp();
            }
        }
    }

    private void OnContact(DoorInputChange change)
    {
        DoorContactOptions contact = _options.Contact;
        bool relock = false;
        lock (_gate)
        {
            if (change.IsActive)
            {
                SetPosition(DoorPosition.Open);
                _openSince = _time.GetTimestamp();
                _heldTimer.Change(contact.HeldOpenAfter, Timeout.InfiniteTimeSpan);

                // Authorised: the strike is released now (a grant or an exit request pulsed it), or it locked only just.
                bool released = _door.State == DoorState.Unlocked;
                bool justLocked = _lockedAt != 0 && _time.GetElapsedTime(_lockedAt) <= ForcedGrace + contact.Debounce;
                if (!released && !justLocked)
                {
                    SetAlarms(_alarms with { Forced = true });
                    Queue(new DoorEvent(DoorEventTypes.Forced, DoorEventReasons.NoGrant, change.At, "opened with the strike locked"));
                    _pending.Enqueue(() => Log.DoorForced(_logger));
                }
            }
            else
            {
                SetPosition(DoorPosition.Closed);
                _heldTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                SetAlarms(_alarms with { HeldOpen = false, Forced = false });

                // Safety: a door that closed while the strike is released must not stay unlocked behind the person.
                relock = contact.RelockOnClose && _door.State == DoorState.Unlocked;
            }
        }

        if (relock && _door.EndPulseEarly("door closed"))
        {
            Log.RelockedOnClose(_logger);
        }

        RaisePending();
    }

    private void OnHeldOpenTimer()
    {
        lock (_gate)
        {
            // A timer armed for an earlier opening may fire late: only a door still open long enough counts.
            if (_position != DoorPosition.Open || _alarms.HeldOpen || _time.GetElapsedTime(_openSince) < _options.Contact.HeldOpenAfter)
            {
                return;
            }

            TimeSpan open = _time.GetElapsedTime(_openSince);
            SetAlarms(_alarms with { HeldOpen = true });
            Queue(new DoorEvent(DoorEventTypes.HeldOpen, DoorEventReasons.OpenTooLong, _time.GetUtcNow(), $"open for {DoorOptionsValidator.Format(open)}"));
            _pending.Enqueue(() => Log.DoorHeldOpen(_logger, open));
        }

        RaisePending();
    }

    private void OnExitButton(DoorInputChange change)
    {
        if (!change.IsActive)
        {
            return;
        }

        lock (_gate)
        {
            // Rate limit: a stuck or hammered button pulses at most once per MinInterval.
            if (_lastExitPulse != 0 && _time.GetElapsedTime(_lastExitPulse) < _options.ExitButton.MinInterval)
            {
                Log.ExitRequestRateLimited(_logger, _options.ExitButton.MinInterval);
                return;
            }

            _lastExitPulse = _time.GetTimestamp();
        }

        // Local only: the door controller and its relay. No cloud call, no grant ledger, no network on this path.
        bool wasUnlocked = _door.State == DoorState.Unlocked;
        bool pulsed;
        try
        {
            // The door completes UnlockAsync before returning (the relay is active or the unlock refused).
            Task<bool> unlock = _door.UnlockAsync(CancellationToken.None);
            pulsed = unlock.IsCompletedSuccessfully && unlock.Result;
        }
        catch (Exception ex)
        {
            // A failed relay write: the door has already driven it back inactive (or entered Fault).
            Log.ExitRequestFailed(_logger, ex);
            pulsed = false;
        }

        string reason = pulsed ? DoorEventReasons.Unlocked : wasUnlocked ? DoorEventReasons.AlreadyUnlocked : DoorEventReasons.Refused;
        lock (_gate)
        {
            Queue(new DoorEvent(DoorEventTypes.ExitRequest, reason, change.At));
        }

        Log.ExitRequest(_logger, reason);
        RaisePending();
    }

    private void OnTamper(DoorInputChange change)
    {
        lock (_gate)
        {
            SetTamper(change.IsActive, change.At, null);
        }

        RaisePending();
    }

    /// <summary>Call under _gate.</summary>
    private void SetTamper(bool active, DateTimeOffset at, string? detail)
    {
        SetAlarms(_alarms with { Tamper = active });
        if (active)
        {
            Queue(new DoorEvent(DoorEventTypes.Tamper, DoorEventReasons.TamperActive, at, detail));
            _pending.Enqueue(() => Log.Tamper(_logger));
        }
    }

    /// <summary>Call under _gate.</summary>
    private void SetPosition(DoorPosition position)
    {
        if (_position != position)
        {
            _position = position;
            _pending.Enqueue(() => PositionChanged?.Invoke(this, position));
        }
    }

    /// <summary>Call under _gate.</summary>
    private void SetAlarms(DoorAlarms alarms)
    {
        if (_alarms != alarms)
        {
            _alarms = alarms;
            _pending.Enqueue(() => AlarmsChanged?.Invoke(this, alarms));
        }
    }

    /// <summary>Call under _gate.</summary>
    private void Queue(DoorEvent doorEvent) => _pending.Enqueue(() => EventRaised?.Invoke(this, doorEvent));

    /// <summary>Raises queued notifications outside the lock, in order, one thread at a time (like the door's events).</summary>
    private void RaisePending()
    {
        while (true)
        {
            Action next;
            lock (_gate)
            {
                if (_raising || !_pending.TryDequeue(out next!))
                {
                    return;
                }

                _raising = true;
            }

            try
            {
                next();
            }
            catch (Exception ex)
            {
                // A failing subscriber (MQTT, the demo view) must not stop the door's own reaction.
                Log.HandlerFailed(_logger, ex);
            }
            finally
            {
                lock (_gate)
                {
                    _raising = false;
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1282, LogLevel.Information, "Exit request: {Reason}", EventName = "ExitRequest")]
        public static partial void ExitRequest(ILogger logger, string reason);

        [LoggerMessage(1283, LogLevel.Information, "Exit request ignored: less than {MinInterval} since the last one", EventName = "ExitRequestRateLimited")]
        public static partial void ExitRequestRateLimited(ILogger logger, TimeSpan minInterval);

        [LoggerMessage(1284, LogLevel.Warning, "Door forced open: it opened with the strike locked and no grant or exit request", EventName = "DoorForced")]
        public static partial void DoorForced(ILogger logger);

        [LoggerMessage(1285, LogLevel.Warning, "Door held open for {Open}", EventName = "DoorHeldOpen")]
        public static partial void DoorHeldOpen(ILogger logger, TimeSpan open);

        [LoggerMessage(1286, LogLevel.Information, "Door closed during the pulse: strike locked at once", EventName = "RelockedOnClose")]
        public static partial void RelockedOnClose(ILogger logger);

        [LoggerMessage(1287, LogLevel.Warning, "Tamper input active", EventName = "Tamper")]
        public static partial void Tamper(ILogger logger);

        [LoggerMessage(1288, LogLevel.Error, "A door input handler failed", EventName = "DoorInputHandlerFailed")]
        public static partial void HandlerFailed(ILogger logger, Exception exception);

        [LoggerMessage(1289, LogLevel.Error, "The exit request could not pulse the strike", EventName = "ExitRequestFailed")]
        public static partial void ExitRequestFailed(ILogger logger, Exception exception);
    }
}

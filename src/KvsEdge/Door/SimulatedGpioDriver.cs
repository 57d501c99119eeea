using System.Device.Gpio;
using System.Globalization;
using System.Text;

namespace KvsEdge.Door;

/// <summary>Fault injection for the simulated driver: which writes of <paramref name="Inactive"/> to <paramref name="Pin"/> fail.</summary>
public sealed record RelayLockWriteFault(int Pin, PinValue Inactive, LockWriteFailures Failures);

/// <summary>One write to a simulated output, stamped with the injected clock.</summary>
public readonly record struct PinTransition(int Pin, PinValue Value, DateTimeOffset At);

/// <summary>
/// A GPIO driver without hardware for the demo and tests: pins behave like real lines (an output reads back its
/// last written value) and every level driven onto an output is recorded, optionally as JSON lines in a file.
/// </summary>
public class SimulatedGpioDriver : GpioDriver
{
    private const int SimulatedPinCount = DoorOptionsValidator.MaxPin + 1;

    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<int, PinState> _pins = [];
    private readonly List<PinTransition> _transitions = [];
    private readonly List<Waiter> _waiters = [];
    private readonly List<(int Pin, PinEventTypes Types, PinChangeEventHandler Handler)> _callbacks = [];
    private readonly RelayLockWriteFault? _lockWriteFault;
    private StreamWriter? _log;
    private int _lockWritesFailed;

    /// <param name="lockWriteFault">Makes writes of the relay's inactive level fail (Door:Simulated:LockWriteFailures).</param>
    public SimulatedGpioDriver(TimeProvider timeProvider, string? transitionLogPath = null, RelayLockWriteFault? lockWriteFault = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _lockWriteFault = lockWriteFault is { Failures: not LockWriteFailures.None } ? lockWriteFault : null;
        if (!string.IsNullOrWhiteSpace(transitionLogPath))
        {
            // FileShare.Read so a demo viewer can tail the file while we append; AutoFlush so each line lands at once.
            var stream = new FileStream(transitionLogPath, FileMode.Append, FileAccess.Write, FileShare.Read);
            _log = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true };
        }
    }

    /// <summary>Raised after each recorded write (on the writing thread, outside the driver's lock).</summary>
    public event EventHandler<PinTransition>? TransitionRecorded;

    /// <summary>A snapshot of every write so far, oldest first.</summary>
    public IReadOnlyList<PinTransition> Transitions
    {
        get
        {
            lock (_gate)
            {
                return _transitions.ToArray();
            }
        }
    }

    /// <summary>Transitions of one pin, oldest first.</summary>
    public IReadOnlyList<PinTransition> TransitionsOf(int pin) => Transitions.Where(t => t.Pin == pin).ToArray();

    /// <summary>
    /// Completes with the first transition at index <paramref name="fromIndex"/> or later that matches, whether it was
    /// recorded before or after this call (so a test cannot miss a write that happened on another thread meanwhile).
    /// </summary>
    public Task<PinTransition> WaitForTransitionAsync(Func<PinTransition, bool> match, int fromIndex = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        lock (_gate)
        {
            for (int i = Math.Max(0, fromIndex); i < _transitions.Count; i++)
            {
                if (match(_transitions[i]))
                {
                    return Task.FromResult(_transitions[i]);
                }
            }

            var waiter = new Waiter(match, new TaskCompletionSource<PinTransition>(TaskCreationOptions.RunContinuationsAsynchronously));
            _waiters.Add(waiter);
            return waiter.Completion.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The level a pin holds now (its last written value for an output).</summary>
    public PinValue GetLevel(int pin)
    {
        lock (_gate)
        {
            return _pins.TryGetValue(pin, out PinState? state) ? state.Value : PinValue.Low;
        }
    }

    public bool IsOpen(int pin)
    {
        lock (_gate)
        {
            return _pins.TryGetValue(pin, out PinState? state) && state.Open;
        }
    }

    protected override int PinCount => SimulatedPinCount;

    protected override void OpenPin(int pinNumber)
    {
        lock (_gate)
        {
            PinState state = GetOrAdd(pinNumber);
            state.Open = true;
        }
    }

    protected override void ClosePin(int pinNumber)
    {
        lock (_gate)
        {
            // Like a released line, the level is kept; only the ownership ends.
            if (_pins.TryGetValue(pinNumber, out PinState? state))
            {
                state.Open = false;
            }
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        PinTransition? driven = null;
        lock (_gate)
        {
            PinState state = RequireOpen(pinNumber);
            bool becomesOutput = mode == PinMode.Output && state.Mode != PinMode.Output;
            state.Mode = mode;
            if (mode is PinMode.InputPullUp or PinMode.InputPullDown)
            {
                // An input with nothing pressing on it reads its bias, as a real line does.
                state.Value = mode == PinMode.InputPullUp ? PinValue.High : PinValue.Low;
            }

            if (becomesOutput)
            {
                // A real line starts driving whatever level it latched (low by default) the moment it becomes an
                // output: record it, so a caller that forgets the initial value shows up as a glitch in tests.
                driven = Record(pinNumber, state.Value);
            }
        }

        Publish(driven);
    }

    protected override void SetPinMode(int pinNumber, PinMode mode, PinValue initialValue)
    {
        if (mode != PinMode.Output)
        {
            SetPinMode(pinNumber, mode);
            return;
        }

        PinTransition driven;
        lock (_gate)
        {
            // Mode and level change together, as libgpiod's request-with-default-value does: no glitch.
            PinState state = RequireOpen(pinNumber);
            state.Mode = PinMode.Output;
            state.Value = initialValue;
            driven = Record(pinNumber, initialValue);
        }

        Publish(driven);
    }

    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_gate)
        {
            return RequireOpen(pinNumber).Mode;
        }
    }

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) =>
        mode is PinMode.Input or PinMode.Output or PinMode.InputPullDown or PinMode.InputPullUp;

    protected override PinValue Read(int pinNumber)
    {
        lock (_gate)
        {
            return RequireOpen(pinNumber).Value;
        }
    }

    protected override void Write(int pinNumber, PinValue value)
    {
        PinTransition driven;
        lock (_gate)
        {
            PinState state = RequireOpen(pinNumber);
            if (state.Mode != PinMode.Output)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Pin {pinNumber} is not an output."));
            }

            if (_lockWriteFault is { } fault && fault.Pin == pinNumber && fault.Inactive == value
                && (fault.Failures == LockWriteFailures.Always || _lockWritesFailed == 0))
            {
                // The line keeps its level, as when a real write never reaches the chip.
                _lockWritesFailed++;
                throw new IOException(string.Create(CultureInfo.InvariantCulture, $"Simulated failure writing the inactive level to relay pin {pinNumber} (Door:Simulated:LockWriteFailures={fault.Failures})."));
            }

            state.Value = value;
            driven = Record(pinNumber, value);
        }

        Publish(driven);
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The simulated driver has no input events.");

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_gate)
        {
            RequireOpen(pinNumber);
            _callbacks.Add((pinNumber, eventTypes, callback));
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_gate)
        {
            _callbacks.RemoveAll(c => c.Pin == pinNumber && c.Handler == callback);
        }
    }

    /// <summary>
    /// Sets the level an input line reads, as a button or sensor would, and raises the edge callbacks registered for it
    /// (the trigger input's tests and demo). Not recorded as a transition: only levels we drive are.
    /// </summary>
    public void DriveInput(int pin, PinValue value)
    {
        PinChangeEventHandler[] handlers;
        PinEventTypes edge;
        lock (_gate)
        {
            PinState state = GetOrAdd(pin);
            if (state.Mode == PinMode.Output)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Pin {pin} is an output; only inputs can be driven from outside."));
            }

            if (state.Value == value)
            {
                return;
            }

            state.Value = value;
            edge = value == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
            handlers = _callbacks.Where(c => c.Pin == pin && (c.Types & edge) != 0).Select(c => c.Handler).ToArray();
        }

        foreach (PinChangeEventHandler handler in handlers)
        {
            handler(this, new PinValueChangedEventArgs(edge, pin));
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                _log?.Dispose();
                _log = null;
            }
        }

        base.Dispose(disposing);
    }

    private PinState GetOrAdd(int pin)
    {
        if (!_pins.TryGetValue(pin, out PinState? state))
        {
            state = new PinState();
            _pins.Add(pin, state);
        }

        return state;
    }

    private PinState RequireOpen(int pin) =>
        _pins.TryGetValue(pin, out PinState? state) && state.Open
            ? state
            : throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Pin {pin} is not open."));

    // Called under _gate: keeps the list, the file and the waiters in write order.
    private PinTransition Record(int pin, PinValue value)
    {
        var transition = new PinTransition(pin, value, _timeProvider.GetUtcNow());
        _transitions.Add(transition);
        _log?.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $$"""{"pin":{{pin}},"value":"{{(value == PinValue.High ? "high" : "low")}}","at":"{{transition.At.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}}"}"""));

        for (int i = _waiters.Count - 1; i >= 0; i--)
        {
            if (_waiters[i].Match(transition))
            {
                _waiters[i].Completion.TrySetResult(transition);
                _waiters.RemoveAt(i);
            }
        }

        return transition;
    }

    private void Publish(PinTransition? transition)
    {
        if (transition is { } t)
        {
            TransitionRecorded?.Invoke(this, t);
        }
    }

    private sealed class PinState
    {
        public bool Open { get; set; }

        public PinMode Mode { get; set; } = PinMode.Input;

        public PinValue Value { get; set; } = PinValue.Low;
    }

    private sealed record Waiter(Func<PinTransition, bool> Match, TaskCompletionSource<PinTransition> Completion);
}

using System.Device.Gpio;
using KvsEdge.Common;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Door;

/// <summary>
/// An <see cref="IDoorInput"/> on a GPIO line, in the manner of dotnet/iot's bindings: it takes the shared
/// <see cref="GpioController"/> (libgpiod or the simulated driver), opens its line as an input and debounces the edge
/// callbacks on the injected <see cref="TimeProvider"/>. Unlike a trigger, both directions are debounced, because a
/// door contact's release (door closed) matters as much as its press.
/// </summary>
public sealed partial class GpioDoorInput : IDoorInput
{
    private readonly GpioController _gpio;
    private readonly DoorInputWiring _wiring;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private bool _opened;
    private bool _raw;
    private long _rawSince;
    private DateTimeOffset _rawSinceAt;
    private bool _state;

    public GpioDoorInput(string name, DoorInputWiring wiring, GpioController gpio, TimeProvider time, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(wiring);
        ArgumentOutOfRangeException.ThrowIfLessThan(wiring.Debounce, TimeSpan.Zero);
        Name = name;
        _wiring = wiring;
        _gpio = gpio;
        _time = time;
        _logger = logger;
        _timer = time.CreateTimer(_ => Settle(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public string Name { get; }

    public bool IsActive
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public event EventHandler<DoorInputChange>? Changed;

    /// <summary>
    /// Opens the line as an input (never as an output) and takes its current level as the starting state, without an
    /// event: a door already open at start is a state, not a change.
    /// </summary>
    public void Open()
    {
        PinMode mode = _wiring.Pull switch
        {
            "up" => PinMode.InputPullUp,
            "down" => PinMode.InputPullDown,
            _ => PinMode.Input,
        };
        _gpio.OpenPin(_wiring.Pin, mode);
        lock (_gate)
        {
            _raw = _state = IsActiveLevel(_gpio.Read(_wiring.Pin));
            _rawSince = _time.GetTimestamp();
            _rawSinceAt = _time.GetUtcNow();
            _opened = true;
        }

        _gpio.RegisterCallbackForPinValueChangedEvent(_wiring.Pin, PinEventTypes.Rising | PinEventTypes.Falling, OnEdge);
        Log.Opened(_logger, Name, _wiring.Pin, _state);
    }

    /// <summary>One raw level (the driver's edge callback calls this).</summary>
    public void OnLevel(PinValue value)
    {
        DoorInputChange? change = null;
        lock (_gate)
        {
            bool active = IsActiveLevel(value);
            if (active == _raw)
            {
                return;
            }

            _raw = active;
            _rawSince = _time.GetTimestamp();
            _rawSinceAt = _time.GetUtcNow();
            if (_raw == _state)
            {
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan); // bounced back before it counted
            }
            else if (_wiring.Debounce == TimeSpan.Zero)
            {
                change = Commit();
            }
            else
            {
                _timer.Change(_wiring.Debounce, Timeout.InfiniteTimeSpan);
            }
        }

        Raise(change);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_opened)
            {
                _opened = false;
                _gpio.UnregisterCallbackForPinValueChangedEvent(_wiring.Pin, OnEdge);
                _gpio.ClosePin(_wiring.Pin);
            }
        }

        _timer.Dispose();
    }

    private void Settle()
    {
        DoorInputChange? change = null;
        lock (_gate)
        {
            // A timer armed for an earlier edge may fire late, or this one a moment early: only a level that has held
            // for the debounce time counts, and an early callback waits for the rest.
            if (_raw != _state && SettleTimer.HasHeld(_time, _timer, _rawSince, _wiring.Debounce))
            {
                change = Commit();
            }
        }

        Raise(change);
    }

    private DoorInputChange Commit()
    {
        _state = _raw;
        return new DoorInputChange(Name, _state, _rawSinceAt);
    }

    private void Raise(DoorInputChange? change)
    {
        if (change is { } c)
        {
            Log.Changed(_logger, Name, c.IsActive);
            Changed?.Invoke(this, c);
        }
    }

    private bool IsActiveLevel(PinValue value) => _wiring.ActiveLow ? value == PinValue.Low : value == PinValue.High;

    private void OnEdge(object sender, PinValueChangedEventArgs e) =>
        OnLevel(e.ChangeType == PinEventTypes.Rising ? PinValue.High : PinValue.Low);

    private static partial class Log
    {
        [LoggerMessage(1280, LogLevel.Information, "Door input {Name} on pin {Pin}, active now: {Active}", EventName = "DoorInputOpened")]
        public static partial void Opened(ILogger logger, string name, int pin, bool active);

        [LoggerMessage(1281, LogLevel.Information, "Door input {Name} active: {Active}", EventName = "DoorInputChanged")]
        public static partial void Changed(ILogger logger, string name, bool active);
    }
}

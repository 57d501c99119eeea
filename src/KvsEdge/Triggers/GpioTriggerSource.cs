using System.Device.Gpio;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Triggers;

/// <summary>
/// A doorbell button or PIR sensor on a GPIO input, through the same GpioController (and chip) as the door.
/// Edges come from the driver's event callback; <see cref="EdgeDebouncer"/> turns them into one trigger per
/// activation. Iot.Device.Button.GpioButton was not used: its debounce reads the wall clock (DateTime), so it
/// cannot be tested with FakeTimeProvider, and it would add a package for twenty lines.
/// </summary>
public sealed partial class GpioTriggerSource : IHostedService, IDisposable
{
    private readonly GpioTriggerOptions _options;
    private readonly GpioController _gpio;
    private readonly ILogger<GpioTriggerSource> _logger;
    private readonly EdgeDebouncer _debouncer;
    private readonly int _pin;
    private bool _registered;

    /// <param name="options">One item of `Triggers:Gpio` (validated: its pin is set).</param>
    public GpioTriggerSource(GpioTriggerOptions options, GpioController gpio, TriggerChannel triggers, TimeProvider time, ILogger<GpioTriggerSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _gpio = gpio;
        _logger = logger;
        _pin = options.Pin ?? throw new ArgumentException("A GPIO trigger needs a pin.", nameof(options));
        Name = options.EffectiveName;
        string name = Name;
        int pin = _pin;
        string detail = string.IsNullOrWhiteSpace(options.Name) ? $"pin {pin}" : $"{name} (pin {pin})";
        // Each input names itself in its trigger (`gpio:doorbell`), so a doorbell and a PIR stay apart downstream.
        _debouncer = new EdgeDebouncer(options.Debounce, time, () => triggers.Fire(TriggerKinds.Gpio, detail, $"{TriggerKinds.Gpio}:{name}", evidence: null));
    }

    /// <summary>The input's name in its triggers (`Name`, else the pin number).</summary>
    public string Name { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        PinMode mode = _options.Pull switch
        {
            "up" => PinMode.InputPullUp,
            "down" => PinMode.InputPullDown,
            _ => PinMode.Input,
        };
        try
        {
            _gpio.OpenPin(_pin, mode);
            OnLevel(_gpio.Read(_pin));
            _gpio.RegisterCallbackForPinValueChangedEvent(_pin, PinEventTypes.Rising | PinEventTypes.Falling, OnChanged);
            _registered = true;
            Log.Watching(_logger, Name, _pin, _options.ActiveLow ? "low" : "high", _options.Debounce);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or IOException or ArgumentException)
        {
            // A trigger input that cannot be read must not take the door down with it: the other triggers still work.
            Log.Unavailable(_logger, Name, _pin, ex.Message);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_registered)
        {
            _gpio.UnregisterCallbackForPinValueChangedEvent(_pin, OnChanged);
            _registered = false;
        }

        return Task.CompletedTask;
    }

    /// <summary>One raw level of the input (the driver's callback, or a test).</summary>
    public void OnLevel(PinValue value) => _debouncer.OnLevel(_options.ActiveLow ? value == PinValue.Low : value == PinValue.High);

    private void OnChanged(object sender, PinValueChangedEventArgs e) =>
        OnLevel(e.ChangeType == PinEventTypes.Rising ? PinValue.High : PinValue.Low);

    public void Dispose() => _debouncer.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = 1700, EventName = "GpioTriggerWatching", Level = LogLevel.Information,
            Message = "Trigger input {Name} on pin {Pin}, active {Level}, debounce {Debounce}")]
        public static partial void Watching(ILogger logger, string name, int pin, string level, TimeSpan debounce);

        [LoggerMessage(EventId = 1701, EventName = "GpioTriggerUnavailable", Level = LogLevel.Error,
            Message = "Trigger input {Name} on pin {Pin} cannot be watched: {Error}")]
        public static partial void Unavailable(ILogger logger, string name, int pin, string error);
    }
}

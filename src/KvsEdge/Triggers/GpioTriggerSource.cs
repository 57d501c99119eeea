using System.Device.Gpio;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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
    private bool _registered;

    public GpioTriggerSource(IOptions<TriggerOptions> options, GpioController gpio, TriggerChannel triggers, TimeProvider time, ILogger<GpioTriggerSource> logger)
    {
        _options = options.Value.Gpio;
        _gpio = gpio;
        _logger = logger;
        int pin = _options.Pin;
        _debouncer = new EdgeDebouncer(_options.Debounce, time, () => triggers.Fire(TriggerKinds.Gpio, $"pin {pin}", $"{TriggerKinds.Gpio}:{pin}", evidence: null));
    }

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
            _gpio.OpenPin(_options.Pin, mode);
            OnLevel(_gpio.Read(_options.Pin));
            _gpio.RegisterCallbackForPinValueChangedEvent(_options.Pin, PinEventTypes.Rising | PinEventTypes.Falling, OnChanged);
            _registered = true;
            Log.Watching(_logger, _options.Pin, _options.ActiveLow ? "low" : "high", _options.Debounce);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or IOException or ArgumentException)
        {
            // A trigger input that cannot be read must not take the door down with it: the other triggers still work.
            Log.Unavailable(_logger, _options.Pin, ex.Message);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_registered)
        {
            _gpio.UnregisterCallbackForPinValueChangedEvent(_options.Pin, OnChanged);
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
            Message = "Trigger input on pin {Pin}, active {Level}, debounce {Debounce}")]
        public static partial void Watching(ILogger logger, int pin, string level, TimeSpan debounce);

        [LoggerMessage(EventId = 1701, EventName = "GpioTriggerUnavailable", Level = LogLevel.Error,
            Message = "Trigger input on pin {Pin} cannot be watched: {Error}")]
        public static partial void Unavailable(ILogger logger, int pin, string error);
    }
}

using System.Device.Gpio;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Door;

/// <summary>
/// Drives the strike relay and the indicator LEDs. Fail-secure: the relay is opened at its inactive level before
/// anything else, and every pulse ends with the relay inactive on completion, cancellation, exception and shutdown.
/// </summary>
/// <remarks>
/// Every GPIO write happens under one lock, so pulses, denials and shutdown never interleave on a line; events are
/// raised outside it. The <see cref="GpioController"/> is not owned: whoever created it disposes it.
/// </remarks>
public sealed class DoorController : IDoor, IHostedService, IAsyncDisposable
{
    /// <summary>How long StopAsync waits for a cancelled pulse to finish its bookkeeping (the relay is already inactive).</summary>
    internal static readonly TimeSpan StopWaitTimeout = TimeSpan.FromSeconds(5);

    private static readonly Task<bool> Accepted = Task.FromResult(true);
    private static readonly Task<bool> Refused = Task.FromResult(false);

    private readonly Lock _gate = new();
    private readonly GpioController _gpio;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DoorController> _logger;
    private readonly Output _relay;
    private readonly Output? _grantedLed;
    private readonly Output? _deniedLed;
    private readonly Output? _statusLed;
    private readonly TimeSpan _pulseDuration;
    private readonly TimeSpan _deniedSignalDuration;

    // Cancelled by StopAsync: ends a running pulse and any denied signal at once.
    private readonly CancellationTokenSource _lifetime = new();

    private bool _started;
    private bool _stopping;
    private bool _disposed;
    private bool _relayOpen;
    private bool _faulted;
    private Pulse? _pulse;
    private long _deniedGeneration;
    private volatile DoorState _state = DoorState.Locked;

    public DoorController(IOptions<DoorOptions> options, GpioController gpio, TimeProvider timeProvider, ILogger<DoorController> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);

        DoorOptions o = options.Value;
        _gpio = gpio;
        _timeProvider = timeProvider;
        _logger = logger;
        _relay = new Output("relay", o.Relay.Pin, o.Relay.ActiveLow);
        _grantedLed = Led("granted", o.GrantedLed);
        _deniedLed = Led("denied", o.DeniedLed);
        _statusLed = Led("status", o.StatusLed);
        _pulseDuration = o.EffectivePulseDuration;
        _deniedSignalDuration = o.DeniedSignalDuration > TimeSpan.Zero ? o.DeniedSignalDuration : DoorOptions.MinimumDuration;
    }

    public event EventHandler<DoorState>? StateChanged;

    public DoorState State => _state;

    private IEnumerable<Output> Leds => new[] { _grantedLed, _deniedLed, _statusLed }.OfType<Output>();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_stopping)
            {
                throw new InvalidOperationException("The door has been stopped and cannot start again.");
            }

            if (_started)
            {
                return Task.CompletedTask;
            }

            // Safety rule 1: the relay is the first line touched, requested as an output already at its inactive
            // level, so it never spends a moment driving the strike (no open-then-write).
            _gpio.OpenPin(_relay.Pin, PinMode.Output, _relay.Level(active: false));
            _relayOpen = true;

            foreach (Output led in Leds)
            {
                _gpio.OpenPin(led.Pin, PinMode.Output, led.Level(active: false));
            }

            _started = true;
            TrySetLed(_statusLed, on: true);
        }

        Log.DoorStarted(_logger, _relay.Pin, _relay.ActiveLow ? "low" : "high", _pulseDuration);
        return Task.CompletedTask;
    }

    public Task<bool> UnlockAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<bool>(cancellationToken);
        }

        Pulse pulse;
        lock (_gate)
        {
            if (_faulted)
            {
                Log.UnlockRefusedFaulted(_logger);
                return Refused;
            }

            if (!_started || _stopping || _disposed)
            {
                Log.UnlockRefusedNotRunning(_logger);
                return Refused;
            }

            if (_pulse is not null)
            {
                Log.UnlockRefusedBusy(_logger);
                return Refused;
            }

            try
            {
                _gpio.Write(_relay.Pin, _relay.Level(active: true));
            }
            catch (Exception ex)
            {
                Log.UnlockFailed(_logger, _relay.Pin, ex);

                // The level may have reached the line before the failure surfaced: drive it back.
                TryLockRelay();
                throw;
            }

            // The caller's token and StopAsync both end the pulse early; the timer ends it otherwise.
            pulse = new Pulse(CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token));
            _pulse = pulse;
            _state = DoorState.Unlocked;
            TrySetLed(_grantedLed, on: true);
        }

        try
        {
            Log.Unlocked(_logger, _pulseDuration);
            RaiseStateChanged(DoorState.Unlocked);
        }
        finally
        {
            // Started whatever happened above: the relay is active and only the pulse's finally returns it.
            _ = RunPulseAsync(pulse);
        }

        return Accepted;
    }

    public void SignalDenied()
    {
        if (_deniedLed is not { } led)
        {
            return;
        }

        lock (_gate)
        {
            if (!_started || _stopping || _disposed)
            {
                return;
            }

            // A newer denial restarts the signal; the older timer then leaves the LED alone.
            long generation = ++_deniedGeneration;
            TrySetLed(led, on: true);
            _ = EndDeniedSignalAsync(led, generation, _lifetime.Token);
        }

        Log.DeniedSignalled(_logger, _deniedSignalDuration);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Pulse? pulse;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            // Refuse new pulses from here on.
            _stopping = true;
            pulse = _pulse;

            // Safety: end a running pulse now, not whenever its task is next scheduled.
            if (pulse is not null)
            {
                TryLockRelay();
            }
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);

        if (pulse is not null)
        {
            try
            {
                await pulse.Done.Task.WaitAsync(StopWaitTimeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Log.StopWaitTimedOut(_logger, StopWaitTimeout);
            }
            catch (OperationCanceledException)
            {
                Log.StopWaitTimedOut(_logger, StopWaitTimeout);
            }
        }

        lock (_gate)
        {
            // Whatever happened above, leave the strike inactive and the indicators dark.
            TryLockRelay();
            foreach (Output led in Leds)
            {
                TrySetLed(led, on: false);
            }
        }

        Log.DoorStopped(_logger);
    }

    public async ValueTask DisposeAsync()
    {
        bool stopNeeded;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            stopNeeded = !_stopping;
        }

        if (stopNeeded)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        lock (_gate)
        {
            _disposed = true;

            // Last word on the relay, even if StopAsync already wrote it: disposal must never leave it active.
            TryLockRelay();
        }

        _lifetime.Dispose();
    }

    private async Task RunPulseAsync(Pulse pulse)
    {
        string reason = "pulse completed";
        try
        {
            await Task.Delay(_pulseDuration, _timeProvider, pulse.Cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            reason = Volatile.Read(ref _stopping) ? "stopping" : "cancelled";
        }
        catch (Exception ex)
        {
            // Never rethrown: nobody observes this task, and the finally below is what matters.
            reason = "pulse failed";
            Log.PulseFailed(_logger, ex);
        }
        finally
        {
            EndPulse(pulse, reason);
        }
    }

    private void EndPulse(Pulse pulse, string reason)
    {
        bool locked;
        lock (_gate)
        {
            // Safety rule 2: the relay goes inactive first, before anything else here can fail.
            locked = TryLockRelay();
            if (ReferenceEquals(_pulse, pulse))
            {
                _pulse = null;
            }

            if (locked)
            {
                _state = DoorState.Locked;
            }
            else
            {
                // State stays Unlocked (the truth as far as we know) and no further pulse may start.
                _faulted = true;
            }

            TrySetLed(_grantedLed, on: false);
        }

        pulse.Cancellation.Dispose();
        try
        {
            if (locked)
            {
                Log.Locked(_logger, reason);
                RaiseStateChanged(DoorState.Locked);
            }
        }
        finally
        {
            pulse.Done.TrySetResult();
        }
    }

    private async Task EndDeniedSignalAsync(Output led, long generation, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(_deniedSignalDuration, _timeProvider, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // StopAsync turns every LED off itself.
            return;
        }

        lock (_gate)
        {
            if (generation == _deniedGeneration && !_stopping && !_disposed)
            {
                TrySetLed(led, on: false);
            }
        }
    }

    /// <summary>Drives the relay inactive, retrying once; returns false (after logging) if both writes fail. Call under _gate.</summary>
    private bool TryLockRelay()
    {
        if (!_relayOpen)
        {
            return true;
        }

        for (int attempt = 1; ; attempt++)
        {
            try
            {
                _gpio.Write(_relay.Pin, _relay.Level(active: false));
                if (_faulted && _pulse is null)
                {
                    _faulted = false;
                    _state = DoorState.Locked;
                }

                return true;
            }
            catch (Exception ex) when (attempt >= 2)
            {
                Log.RelayLockFailed(_logger, _relay.Pin, ex);
                return false;
            }
            catch (Exception)
            {
                // One immediate retry: a transient driver error must not leave the strike held.
            }
        }
    }

    /// <summary>LEDs are advisory: a failed write is logged and never reaches the relay logic. Call under _gate.</summary>
    private void TrySetLed(Output? led, bool on)
    {
        if (led is not { } output || !_started)
        {
            return;
        }

        try
        {
            _gpio.Write(output.Pin, output.Level(on));
        }
        catch (Exception ex)
        {
            Log.LedWriteFailed(_logger, output.Name, output.Pin, ex);
        }
    }

    private void RaiseStateChanged(DoorState state)
    {
        try
        {
            StateChanged?.Invoke(this, state);
        }
        catch (Exception ex)
        {
            // A faulty subscriber (status publisher, audit) must not stop the pulse from ending.
            Log.StateHandlerFailed(_logger, state, ex);
        }
    }

    private static Output? Led(string name, LedOutputOptions? options) =>
        options?.Pin is int pin ? new Output(name, pin, options.ActiveLow) : null;

    private readonly record struct Output(string Name, int Pin, bool ActiveLow)
    {
        /// <summary>Active-low lines are driven low to switch on.</summary>
        public PinValue Level(bool active) => active != ActiveLow ? PinValue.High : PinValue.Low;
    }

    private sealed class Pulse(CancellationTokenSource cancellation)
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

using System.Device.Gpio;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Door;

/// <summary>
/// Drives the strike relay and the indicator LEDs. Fail-secure: the relay is opened at its inactive level before
/// anything else, and every pulse ends with the relay inactive on completion, cancellation, exception and shutdown.
/// </summary>
/// <remarks>
/// Every GPIO write happens under one lock, so pulses, denials and shutdown never interleave on a line. Logging and
/// events happen outside it, after the pulse's end is armed, so a slow log sink or subscriber never lengthens a pulse;
/// events are queued under the lock and raised in that order. The <see cref="GpioController"/> is not owned: whoever
/// created it disposes it.
/// </remarks>
public sealed class DoorController : IDoor, IHostedService, IAsyncDisposable
{
    /// <summary>How long StopAsync waits for a cancelled pulse to finish its bookkeeping (the relay is already inactive).</summary>
    internal static readonly TimeSpan StopWaitTimeout = TimeSpan.FromSeconds(5);

    /// <summary>First wait before a failed relock is tried again; doubled per failure up to <see cref="RelockRetryMaxDelay"/>.</summary>
    internal static readonly TimeSpan RelockRetryInitialDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>Cap of the relock retry backoff: short, the strike may be held open meanwhile.</summary>
    internal static readonly TimeSpan RelockRetryMaxDelay = TimeSpan.FromSeconds(2);

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
    private long _pulseTicks; // Door:PulseDuration, or a remote value within the local bounds (UsePulseDuration)
    private readonly TimeSpan _deniedSignalDuration;
    private readonly TimeSpan _maxPulseDuration;

    // Cancelled by StopAsync: ends a running pulse and any denied signal at once.
    private readonly CancellationTokenSource _lifetime = new();

    // Cancelled by DisposeAsync only: relock retries go on while stopping, the strike matters more than a quick exit.
    private readonly CancellationTokenSource _retryStop = new();

    // State changes queued under _gate and raised outside it, oldest first, by one thread at a time.
    private readonly Queue<DoorState> _pendingEvents = new();
    private bool _raisingEvents;

    private bool _started;
    private bool _stopping;
    private bool _disposed;
    private bool _relayOpen;
    private bool _faulted;
    private bool _retrying;
    private Pulse? _pulse;

    // A lock write that failed although a later try within the same lock confirmed the line inactive: logged outside
    // _gate by LogLockFailure, so a relay that needs retries is visible before it fails for good.
    private Exception? _absorbedLockFailure;

    // TimeProvider timestamp since which the relay is (or may be) active and not read back inactive; 0 when confirmed.
    private long _unconfirmedSince;
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
        _pulseTicks = o.EffectivePulseDuration.Ticks;
        _maxPulseDuration = o.EffectiveMaxPulseDuration;
        _deniedSignalDuration = o.DeniedSignalDuration > TimeSpan.Zero ? o.DeniedSignalDuration : DoorOptions.MinimumDuration;
    }

    public event EventHandler<DoorState>? StateChanged;

    public DoorState State => _state;

    /// <summary>True between a successful start and disposal: only then does the door's health count for the watchdog.</summary>
    internal bool IsRunning => Volatile.Read(ref _started) && !Volatile.Read(ref _disposed);

    /// <summary>How long the next unlock holds the relay active.</summary>
    public TimeSpan PulseDuration => TimeSpan.FromTicks(Interlocked.Read(ref _pulseTicks));

    /// <summary>
    /// Uses <paramref name="requested"/> for later pulses (remote configuration), clamped to the local file's bounds
    /// (<see cref="DoorOptions.MinimumDuration"/> to <c>Door:MaxPulseDuration</c>): nothing remote can hold the strike
    /// open longer than the local file allows. A pulse in progress keeps its length. Returns what is used.
    /// </summary>
    public TimeSpan UsePulseDuration(TimeSpan requested)
    {
        TimeSpan applied = requested < DoorOptions.MinimumDuration ? DoorOptions.MinimumDuration
            : requested > _maxPulseDuration ? _maxPulseDuration : requested;
        Interlocked.Exchange(ref _pulseTicks, applied.Ticks);
        return applied;
    }

    /// <summary>The longest a healthy relay stays active: the clamped <c>Door:MaxPulseDuration</c>.</summary>
    internal TimeSpan MaxPulseDuration => _maxPulseDuration;

    /// <summary>
    /// <see cref="TimeProvider.GetTimestamp"/> since which the relay has not been confirmed inactive (a pulse, or a failed
    /// relock), or 0 when it reads back inactive. The watchdog withholds its keep-alive when this gets too old.
    /// </summary>
    internal long RelayUnconfirmedSinceTimestamp => Interlocked.Read(ref _unconfirmedSince);

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

        Log.DoorStarted(_logger, _relay.Pin, _relay.ActiveLow ? "low" : "high", PulseDuration);
        return Task.CompletedTask;
    }

    public Task<bool> UnlockAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<bool>(cancellationToken);
        }

        Exception? unlockError = null;
        Exception? lockError = null;
        string? refusal = null;
        lock (_gate)
        {
            if (_faulted)
            {
                refusal = nameof(Log.UnlockRefusedFaulted);
            }
            else if (!_started || _stopping || _disposed)
            {
                refusal = nameof(Log.UnlockRefusedNotRunning);
            }
            else if (_pulse is not null)
            {
                refusal = nameof(Log.UnlockRefusedBusy);
            }
            else
            {
                try
                {
                    MarkUnconfirmed();
                    _gpio.Write(_relay.Pin, _relay.Level(active: true));
                }
                catch (Exception ex)
                {
                    // The level may have reached the line before the failure surfaced: drive it back and read it back.
                    unlockError = ex;
                    if (!TryLockRelay(out lockError))
                    {
                        EnterFault();
                    }
                }

                if (unlockError is null)
                {
                    StartPulse(cancellationToken);
                }
            }
        }

        // Nothing below runs under the lock, and the pulse's end is already armed.
        switch (refusal)
        {
            case nameof(Log.UnlockRefusedFaulted):
                Log.UnlockRefusedFaulted(_logger);
                return Refused;
            case nameof(Log.UnlockRefusedNotRunning):
                Log.UnlockRefusedNotRunning(_logger);
                return Refused;
            case nameof(Log.UnlockRefusedBusy):
                Log.UnlockRefusedBusy(_logger);
                return Refused;
        }

        if (unlockError is not null)
        {
            Log.UnlockFailed(_logger, _relay.Pin, unlockError);
            if (lockError is not null)
            {
                Log.RelayLockFailed(_logger, _relay.Pin, lockError);
            }

            RaisePendingEvents();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(unlockError);
        }

        Log.Unlocked(_logger, PulseDuration);
        RaisePendingEvents();
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
        Exception? lockError = null;
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
            if (pulse is not null && !TryLockRelay(out lockError))
            {
                EnterFault();
            }
        }

        LogLockFailure(lockError);
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
            if (!TryLockRelay(out lockError))
            {
                EnterFault();
            }

            foreach (Output led in Leds)
            {
                TrySetLed(led, on: false);
            }
        }

        LogLockFailure(lockError);
        RaisePendingEvents();
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

        Exception? lockError;
        lock (_gate)
        {
            _disposed = true;

            // Last word on the relay, even if StopAsync already wrote it: disposal must never leave it active.
            TryLockRelay(out lockError);
        }

        LogLockFailure(lockError);
        await _retryStop.CancelAsync().ConfigureAwait(false);
        _lifetime.Dispose();
    }

    /// <summary>
    /// Ends a running pulse now (the door closed behind the person: <c>Door:Inputs:Contact:RelockOnClose</c>): the relay
    /// goes inactive and is read back under the lock, right here, then the pulse's own end runs as on cancellation. False
    /// when no pulse runs.
    /// </summary>
    internal bool EndPulseEarly(string reason)
    {
        Pulse? pulse;
        Exception? lockError = null;
        lock (_gate)
        {
            pulse = _pulse;
            if (pulse is null)
            {
                return false;
            }

            pulse.EarlyEndReason = reason;

            // Safety: the strike locks now, not when the pulse task next runs.
            if (!TryLockRelay(out lockError))
            {
                EnterFault();
            }
        }

        LogLockFailure(lockError);
        try
        {
            pulse.Cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The pulse ended meanwhile: its end already locked the relay.
        }

        RaisePendingEvents();
        return true;
    }

    /// <summary>Records the pulse and arms its end, then lights the granted LED. Call under _gate after the relay went active.</summary>
    private void StartPulse(CancellationToken cancellationToken)
    {
        // The caller's token and StopAsync both end the pulse early; the timer ends it otherwise.
        var pulse = new Pulse(CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token));
        _pulse = pulse;
        _state = DoorState.Unlocked;
        QueueEvent(DoorState.Unlocked);

        // Safety rule 3: the end of the pulse is armed here, under the lock and before any logging or event handler,
        // so neither can lengthen it. (If the token is already cancelled, the pulse ends right here, reentrantly.)
        _ = RunPulseAsync(pulse);

        if (ReferenceEquals(_pulse, pulse))
        {
            TrySetLed(_grantedLed, on: true);
        }
    }

    private async Task RunPulseAsync(Pulse pulse)
    {
        string reason = "pulse completed";
        Exception? failure = null;
        try
        {
            await Task.Delay(PulseDuration, _timeProvider, pulse.Cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            reason = pulse.EarlyEndReason ?? (Volatile.Read(ref _stopping) ? "stopping" : "cancelled");
        }
        catch (Exception ex)
        {
            // Never rethrown: nobody observes this task, and the finally below is what matters.
            reason = "pulse failed";
            failure = ex;
        }
        finally
        {
            EndPulse(pulse, reason, failure);
        }
    }

    private void EndPulse(Pulse pulse, string reason, Exception? failure)
    {
        bool locked;
        Exception? lockError;
        lock (_gate)
        {
            // Safety rule 2: the relay goes inactive first, before anything else here can fail.
            locked = TryLockRelay(out lockError);
            if (ReferenceEquals(_pulse, pulse))
            {
                _pulse = null;
            }

            if (locked)
            {
                if (_state == DoorState.Unlocked)
                {
                    _state = DoorState.Locked;
                    QueueEvent(DoorState.Locked);
                }
            }
            else
            {
                // `fault` until a retry reads the line back inactive; no further pulse may start meanwhile.
                EnterFault();
            }

            TrySetLed(_grantedLed, on: false);
        }

        pulse.Cancellation.Dispose();
        try
        {
            if (failure is not null)
            {
                Log.PulseFailed(_logger, failure);
            }

            LogLockFailure(lockError);
            if (locked)
            {
                Log.Locked(_logger, reason);
            }

            RaisePendingEvents();
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

    /// <summary>
    /// Drives the relay inactive and reads it back, twice at most; true once the line reads inactive (a failed write
    /// whose level landed counts). Clears a fault on success. Call under _gate; log <paramref name="error"/> outside it.
    /// </summary>
    private bool TryLockRelay(out Exception? error)
    {
        error = null;
        if (!_relayOpen)
        {
            return true;
        }

        PinValue inactive = _relay.Level(active: false);
        for (int attempt = 1; attempt <= 2; attempt++)
        {
            try
            {
                _gpio.Write(_relay.Pin, inactive);
            }
            catch (Exception ex)
            {
                error = ex;
            }

            try
            {
                if (_gpio.Read(_relay.Pin) == inactive)
                {
                    // Confirmed, whatever the write reported; an earlier failed try is still worth a warning.
                    if (error is not null)
                    {
                        _absorbedLockFailure = error;
                    }

                    error = null;
                    Interlocked.Exchange(ref _unconfirmedSince, 0);
                    if (_faulted)
                    {
                        _faulted = false;
                        _state = DoorState.Locked;
                        QueueEvent(DoorState.Locked);
                    }

                    return true;
                }
            }
            catch (Exception ex)
            {
                error ??= ex;
            }
        }

        error ??= new IOException(string.Create(CultureInfo.InvariantCulture, $"Relay pin {_relay.Pin} does not read back its inactive level."));
        return false;
    }

    /// <summary>The relay is not confirmed inactive: publish `fault`, refuse unlocks, and retry until it is. Call under _gate.</summary>
    private void EnterFault()
    {
        MarkUnconfirmed();
        _faulted = true;
        if (_state != DoorState.Fault)
        {
            _state = DoorState.Fault;
            QueueEvent(DoorState.Fault);
        }

        if (!_retrying && !_disposed)
        {
            _retrying = true;
            _ = RetryLockAsync(_retryStop.Token);
        }
    }

    /// <summary>Tries the relock again with a capped, doubling backoff on the injected clock until the line reads back inactive.</summary>
    private async Task RetryLockAsync(CancellationToken cancellationToken)
    {
        TimeSpan delay = RelockRetryInitialDelay;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                lock (_gate)
                {
                    _retrying = false;
                }

                return;
            }

            bool locked;
            Exception? error;
            lock (_gate)
            {
                error = null;
                locked = !_faulted || TryLockRelay(out error);
                if (locked)
                {
                    _retrying = false;
                }
            }

            if (locked)
            {
                Log.RelayLockRecovered(_logger, _relay.Pin, attempt);
                RaisePendingEvents();
                return;
            }

            delay = delay * 2 > RelockRetryMaxDelay ? RelockRetryMaxDelay : delay * 2;
            Log.RelayLockRetryFailed(_logger, _relay.Pin, attempt, delay, error!);
        }
    }

    /// <summary>The relay is, or may be, active from now on (unless already so since earlier). Call under _gate.</summary>
    private void MarkUnconfirmed()
    {
        if (Interlocked.Read(ref _unconfirmedSince) == 0)
        {
            Interlocked.Exchange(ref _unconfirmedSince, _timeProvider.GetTimestamp());
        }
    }

    private void LogLockFailure(Exception? error)
    {
        if (Interlocked.Exchange(ref _absorbedLockFailure, null) is { } absorbed)
        {
            Log.RelayLockWriteRetried(_logger, _relay.Pin, absorbed);
        }

        if (error is not null)
        {
            Log.RelayLockFailed(_logger, _relay.Pin, error);
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

    /// <summary>Call under _gate: keeps events in the order the relay changed.</summary>
    private void QueueEvent(DoorState state) => _pendingEvents.Enqueue(state);

    /// <summary>
    /// Raises queued state changes outside the lock, oldest first. One thread raises at a time: if a subscriber blocks,
    /// later changes wait behind it (and are raised by that thread), but the relay itself never waits for them.
    /// </summary>
    private void RaisePendingEvents()
    {
        while (true)
        {
            DoorState next;
            lock (_gate)
            {
                if (_raisingEvents || !_pendingEvents.TryDequeue(out next))
                {
                    return;
                }

                _raisingEvents = true;
            }

            try
            {
                StateChanged?.Invoke(this, next);
            }
            catch (Exception ex)
            {
                // A faulty subscriber (status publisher, audit) must not stop the pulse from ending.
                Log.StateHandlerFailed(_logger, next, ex);
            }
            finally
            {
                lock (_gate)
                {
                    _raisingEvents = false;
                }
            }
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

        /// <summary>Why the pulse was ended early by <see cref="EndPulseEarly"/>; null otherwise. Set under _gate.</summary>
        public string? EarlyEndReason { get; set; }
    }
}

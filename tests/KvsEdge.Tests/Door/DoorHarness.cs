using System.Device.Gpio;
using KvsEdge.Door;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Door;

/// <summary>A door on a fake clock and a simulated chip; records StateChanged and lets tests await a state.</summary>
internal sealed class DoorHarness : IAsyncDisposable
{
    public const int RelayPin = 17;
    public const int GrantedPin = 22;
    public const int DeniedPin = 23;
    public const int StatusPin = 24;

    // Bounds a wait so a broken test fails instead of hanging; never used to let time pass.
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly List<DoorState> _events = [];
    private readonly List<(DoorState State, TaskCompletionSource Signal)> _waiters = [];

    public DoorHarness(Action<DoorOptions>? configure = null, Func<TimeProvider, SimulatedGpioDriver>? driver = null, ILogger<DoorController>? logger = null)
    {
        Options = new DoorOptions
        {
            Driver = DoorOptions.SimulatedDriver,
            Relay = { Pin = RelayPin },
            GrantedLed = { Pin = GrantedPin },
            DeniedLed = { Pin = DeniedPin },
            StatusLed = { Pin = StatusPin },
        };
        configure?.Invoke(Options);
        Time = new SignallingTimeProvider(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero));
        Driver = driver?.Invoke(Time) ?? new SimulatedGpioDriver(Time);
        Gpio = new GpioController(Driver);
        Door = new DoorController(Microsoft.Extensions.Options.Options.Create(Options), Gpio, Time, logger ?? NullLogger<DoorController>.Instance);
        Door.StateChanged += (_, state) =>
        {
            lock (_gate)
            {
                _events.Add(state);
                foreach (var waiter in _waiters.Where(w => w.State == state).ToList())
                {
                    waiter.Signal.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        };
    }

    public DoorOptions Options { get; }

    /// <summary>Tells when the door arms a timer (a pulse, a relock retry), so a test advances only once it exists.</summary>
    public SignallingTimeProvider Time { get; }

    public SimulatedGpioDriver Driver { get; }

    public GpioController Gpio { get; }

    public DoorController Door { get; }

    public IReadOnlyList<DoorState> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToArray();
            }
        }
    }

    public PinValue RelayInactive => Options.Relay.ActiveLow ? PinValue.High : PinValue.Low;

    public PinValue RelayActive => Options.Relay.ActiveLow ? PinValue.Low : PinValue.High;

    public PinValue Relay => Driver.GetLevel(RelayPin);

    /// <summary>Completes when StateChanged has reported <paramref name="state"/> <paramref name="count"/> times in all.</summary>
    public Task WaitForStateAsync(DoorState state, int count = 1)
    {
        lock (_gate)
        {
            if (_events.Count(e => e == state) >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((state, signal));
            return signal.Task.WaitAsync(Bound);
        }
    }

    /// <summary>
    /// Advances the fake clock off xunit's SynchronizationContext: there, an await continuation that a due timer
    /// completes runs inline, so whatever the pulse does at that instant has happened when this returns, and
    /// "nothing happened yet" is a real assertion rather than a race with the thread pool.
    /// </summary>
    public Task AdvanceAsync(TimeSpan by) => Task.Run(() => Time.Advance(by));

    public async Task StartAsync() => await Door.StartAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await Door.DisposeAsync();
        Gpio.Dispose();
    }
}

/// <summary>A simulated chip whose writes to one pin fail, like a flaky LED line.</summary>
internal sealed class FailingWriteDriver(TimeProvider time, int failingPin) : SimulatedGpioDriver(time)
{
    protected override void Write(int pinNumber, PinValue value)
    {
        if (pinNumber == failingPin)
        {
            throw new IOException($"simulated write failure on pin {pinNumber}");
        }

        base.Write(pinNumber, value);
    }
}

/// <summary>
/// A simulated chip whose relay misbehaves on purpose: writes of the inactive (low) level fail the first
/// <paramref name="lockFailures"/> times, and with <paramref name="activeWriteLandsThenThrows"/> the active level reaches
/// the line before the write reports an error. Counts the inactive writes tried.
/// </summary>
/// With <paramref name="silent"/>, a failing lock write reports success but never reaches the line (only a read back tells).
internal sealed class FlakyRelayDriver(TimeProvider time, int lockFailures, bool activeWriteLandsThenThrows = false, bool silent = false) : SimulatedGpioDriver(time)
{
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private int _lockFailuresLeft = lockFailures;
    private int _lockWritesTried;

    public int LockWritesTried
    {
        get
        {
            lock (_gate)
            {
                return _lockWritesTried;
            }
        }
    }

    /// <summary>Completes once <paramref name="count"/> lock writes were tried in all (bounded by DoorHarness.Bound).</summary>
    public Task WaitForLockWritesAsync(int count)
    {
        lock (_gate)
        {
            if (_lockWritesTried >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(DoorHarness.Bound);
        }
    }

    protected override void Write(int pinNumber, PinValue value)
    {
        if (pinNumber == DoorHarness.RelayPin && value == PinValue.Low)
        {
            bool fail;
            lock (_gate)
            {
                _lockWritesTried++;
                fail = _lockFailuresLeft > 0;
                if (fail)
                {
                    _lockFailuresLeft--;
                }

                _waiters.RemoveAll(w => w.Count <= _lockWritesTried && w.Signal.TrySetResult());
            }

            if (fail && silent)
            {
                return;
            }

            if (fail)
            {
                throw new IOException("simulated relock failure");
            }
        }

        base.Write(pinNumber, value);
        if (pinNumber == DoorHarness.RelayPin && value == PinValue.High && activeWriteLandsThenThrows)
        {
            throw new IOException("simulated failure reported after the level reached the line");
        }
    }
}

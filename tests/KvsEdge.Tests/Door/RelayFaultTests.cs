using System.Device.Gpio;
using KvsEdge.Door;
using KvsEdge.Systemd;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Tests.Door;

/// <summary>A relay whose lock write fails: retried until it reads back inactive, `fault` meanwhile, and the watchdog told.</summary>
public class RelayFaultTests
{
    private static readonly TimeSpan Pulse = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_lock_write_that_fails_once_is_retried_and_the_door_is_locked_again()
    {
        await using var h = new DoorHarness(driver: time => new SimulatedGpioDriver(
            time, lockWriteFault: new RelayLockWriteFault(DoorHarness.RelayPin, PinValue.Low, LockWriteFailures.Once)));
        await h.StartAsync();

        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        await h.AdvanceAsync(Pulse);
        await h.WaitForStateAsync(DoorState.Locked);

        Assert.Equal(PinValue.Low, h.Relay);
        Assert.Equal([DoorState.Unlocked, DoorState.Locked], h.Events);
        Assert.Equal(0, h.Door.RelayUnconfirmedSinceTimestamp);

        // Recovered: the next visitor gets a normal pulse.
        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        await h.AdvanceAsync(Pulse);
        await h.WaitForStateAsync(DoorState.Locked, count: 2);
        Assert.Equal(PinValue.Low, h.Relay);
    }

    [Fact]
    public async Task A_lock_write_that_always_fails_is_a_fault_retried_with_capped_backoff_and_stops_the_watchdog()
    {
        var driver = (FlakyRelayDriver?)null;
        await using var h = new DoorHarness(driver: time => driver = new FlakyRelayDriver(time, lockFailures: int.MaxValue));
        var watchdog = new DoorLoopProgress(h.Door, h.Time);
        await h.StartAsync();
        Assert.True(watchdog.IsActive);
        Assert.Equal(TimeSpan.FromSeconds(10) + DoorLoopProgress.Margin, watchdog.StallAfter);

        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        await h.AdvanceAsync(Pulse);
        await h.WaitForStateAsync(DoorState.Fault);

        Assert.Equal(DoorState.Fault, h.Door.State);
        Assert.Equal(PinValue.High, h.Relay); // the truth: the strike may be held
        Assert.False(await h.Door.UnlockAsync(CancellationToken.None));

        // Retried on the clock: 100 ms, 200, 400, 800, 1600, then every 2 s (the cap). Each retry writes and reads back.
        TimeSpan elapsed = Pulse;
        foreach (int ms in new[] { 100, 200, 400, 800, 1600, 2000, 2000 })
        {
            TimeSpan delay = TimeSpan.FromMilliseconds(ms);
            await h.Time.WaitForTimerAsync(d => d == delay);
            int tried = driver!.LockWritesTried;
            await h.AdvanceAsync(delay - TimeSpan.FromMilliseconds(1));
            Assert.Equal(tried, driver.LockWritesTried); // not before its time
            await h.AdvanceAsync(TimeSpan.FromMilliseconds(1));
            await driver.WaitForLockWritesAsync(tried + 1);
            elapsed += delay;
        }

        // Healthy until the relay has been unconfirmed for MaxPulseDuration + the margin since it went active, then stalled.
        await h.AdvanceAsync(watchdog.StallAfter - elapsed);
        Assert.False(Stalled(watchdog, h), "stalled too early");
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.True(Stalled(watchdog, h), "a relay that cannot be locked must stop the keep-alive");

        Assert.Equal(DoorState.Fault, h.Door.State);
        Assert.Equal([DoorState.Unlocked, DoorState.Fault], h.Events);
    }

    [Fact]
    public async Task A_relock_that_fails_for_a_while_recovers_through_the_retries_and_the_watchdog_is_fed_again()
    {
        // Every relock is two attempts (write, read back). The pulse's end fails both (fault), the retry after 100 ms
        // fails both, the one after 200 ms more succeeds.
        var driver = (FlakyRelayDriver?)null;
        await using var h = new DoorHarness(driver: time => driver = new FlakyRelayDriver(time, lockFailures: 4));
        var watchdog = new DoorLoopProgress(h.Door, h.Time);
        await h.StartAsync();

        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        await h.AdvanceAsync(Pulse);
        await h.WaitForStateAsync(DoorState.Fault);
        await h.Time.WaitForTimerAsync(d => d == DoorController.RelockRetryInitialDelay);
        await h.AdvanceAsync(DoorController.RelockRetryInitialDelay);
        await driver!.WaitForLockWritesAsync(4);
        Assert.Equal(DoorState.Fault, h.Door.State);
        await h.Time.WaitForTimerAsync(d => d == 2 * DoorController.RelockRetryInitialDelay);
        await h.AdvanceAsync(2 * DoorController.RelockRetryInitialDelay);
        await h.WaitForStateAsync(DoorState.Locked);

        Assert.Equal(PinValue.Low, h.Relay);
        Assert.Equal([DoorState.Unlocked, DoorState.Fault, DoorState.Locked], h.Events);
        Assert.Equal(h.Time.GetTimestamp(), watchdog.LastProgressTimestamp);
        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_lock_write_that_reports_success_but_leaves_the_line_active_is_a_fault_until_it_reads_back_inactive()
    {
        // Only the read back can tell: the first two lock writes return without error and change nothing.
        await using var h = new DoorHarness(driver: time => new FlakyRelayDriver(time, lockFailures: 2, silent: true));
        await h.StartAsync();

        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        await h.AdvanceAsync(Pulse);
        await h.WaitForStateAsync(DoorState.Fault);
        Assert.Equal(PinValue.High, h.Relay);
        Assert.False(await h.Door.UnlockAsync(CancellationToken.None));

        await h.Time.WaitForTimerAsync(d => d == DoorController.RelockRetryInitialDelay);
        await h.AdvanceAsync(DoorController.RelockRetryInitialDelay);
        await h.WaitForStateAsync(DoorState.Locked);
        Assert.Equal(PinValue.Low, h.Relay);
        Assert.Equal([DoorState.Unlocked, DoorState.Fault, DoorState.Locked], h.Events);
    }

    [Fact]
    public async Task A_failed_unlock_write_that_moved_the_line_is_driven_back_and_read_back()
    {
        // The active level lands, the write reports an error, and the first two lock writes fail too.
        await using var h = new DoorHarness(driver: time => new FlakyRelayDriver(time, lockFailures: 2, activeWriteLandsThenThrows: true));
        await h.StartAsync();

        await Assert.ThrowsAsync<IOException>(() => h.Door.UnlockAsync(CancellationToken.None));

        // Not read back inactive: `fault`, no further unlock, and retried until the line is inactive.
        Assert.Equal(PinValue.High, h.Relay);
        Assert.Equal(DoorState.Fault, h.Door.State);
        Assert.False(await h.Door.UnlockAsync(CancellationToken.None));
        await h.Time.WaitForTimerAsync(d => d == DoorController.RelockRetryInitialDelay);
        await h.AdvanceAsync(DoorController.RelockRetryInitialDelay);
        await h.WaitForStateAsync(DoorState.Locked);
        Assert.Equal(PinValue.Low, h.Relay);
        Assert.Equal([DoorState.Fault, DoorState.Locked], h.Events);
    }

    [Fact]
    public async Task A_failed_unlock_write_that_moved_the_line_leaves_it_inactive_and_locked()
    {
        await using var h = new DoorHarness(driver: time => new FlakyRelayDriver(time, lockFailures: 0, activeWriteLandsThenThrows: true));
        await h.StartAsync();

        await Assert.ThrowsAsync<IOException>(() => h.Door.UnlockAsync(CancellationToken.None));

        Assert.Equal(PinValue.Low, h.Relay);
        Assert.Equal(DoorState.Locked, h.Door.State);
        Assert.Equal(0, h.Door.RelayUnconfirmedSinceTimestamp);
        Assert.Empty(h.Events);
    }

    [Fact]
    public async Task A_blocked_subscriber_does_not_lengthen_the_pulse()
    {
        await using var h = new DoorHarness();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Door.StateChanged += (_, state) =>
        {
            if (state == DoorState.Unlocked)
            {
                entered.TrySetResult();
                release.Task.Wait(DoorHarness.Bound); // a status publisher stuck on a full queue
            }
        };
        await h.StartAsync();
        DateTimeOffset start = h.Time.GetUtcNow();

        int from = h.Driver.Transitions.Count;
        Task<bool> unlock = Task.Run(() => h.Door.UnlockAsync(CancellationToken.None));
        await entered.Task.WaitAsync(DoorHarness.Bound);
        await h.AdvanceAsync(Pulse);

        // The pulse ended on time although its own Unlocked handler still blocks.
        PinTransition off = await h.Driver.WaitForTransitionAsync(t => t.Pin == DoorHarness.RelayPin && t.Value == PinValue.Low, from).WaitAsync(DoorHarness.Bound);
        Assert.Equal(start + Pulse, off.At);
        Assert.Equal(PinValue.Low, h.Relay);

        release.SetResult();
        Assert.True(await unlock.WaitAsync(DoorHarness.Bound));
        await h.WaitForStateAsync(DoorState.Locked);
        Assert.Equal([DoorState.Unlocked, DoorState.Locked], h.Events); // still in order
    }

    [Fact]
    public async Task A_blocked_logger_does_not_lengthen_the_pulse()
    {
        using var logger = new BlockingLogger(eventName: "DoorUnlocked");
        await using var h = new DoorHarness(logger: logger);
        await h.StartAsync();
        DateTimeOffset start = h.Time.GetUtcNow();

        int from = h.Driver.Transitions.Count;
        Task<bool> unlock = Task.Run(() => h.Door.UnlockAsync(CancellationToken.None));
        await logger.Entered.WaitAsync(DoorHarness.Bound);
        await h.AdvanceAsync(Pulse);

        PinTransition off = await h.Driver.WaitForTransitionAsync(t => t.Pin == DoorHarness.RelayPin && t.Value == PinValue.Low, from).WaitAsync(DoorHarness.Bound);
        Assert.Equal(start + Pulse, off.At);

        logger.Release();
        Assert.True(await unlock.WaitAsync(DoorHarness.Bound));
    }

    private static bool Stalled(DoorLoopProgress loop, DoorHarness h) => h.Time.GetElapsedTime(loop.LastProgressTimestamp) > loop.StallAfter;

    /// <summary>A log sink that blocks on one event until released, like a console or journal that stopped draining.</summary>
    private sealed class BlockingLogger(string eventName) : ILogger<DoorController>, IDisposable
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _release = new();

        public Task Entered => _entered.Task;

        public void Release() => _release.Set();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Name == eventName)
            {
                _entered.TrySetResult();
                _release.Wait(DoorHarness.Bound);
            }
        }

        public void Dispose()
        {
            _release.Set();
            _release.Dispose();
        }
    }
}

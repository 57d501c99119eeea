using System.Device.Gpio;
using KvsEdge.Door;

namespace KvsEdge.Tests.Door;

public class DoorControllerTests
{
    private static readonly TimeSpan Pulse = TimeSpan.FromSeconds(3);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Start_opens_the_relay_first_at_its_inactive_level(bool activeLow)
    {
        await using var h = new DoorHarness(o => o.Relay.ActiveLow = activeLow);
        await h.StartAsync();

        IReadOnlyList<PinTransition> transitions = h.Driver.Transitions;
        Assert.Equal(new PinTransition(DoorHarness.RelayPin, activeLow ? PinValue.High : PinValue.Low, h.Time.GetUtcNow()), transitions[0]);
        Assert.All(h.Driver.TransitionsOf(DoorHarness.RelayPin), t => Assert.Equal(h.RelayInactive, t.Value));

        // Then every LED opens dark, and the status LED comes on last.
        Assert.Equal(
            new[] { (DoorHarness.GrantedPin, PinValue.Low), (DoorHarness.DeniedPin, PinValue.Low), (DoorHarness.StatusPin, PinValue.Low), (DoorHarness.StatusPin, PinValue.High) },
            transitions.Skip(1).Select(t => (t.Pin, t.Value)));
        Assert.Equal(DoorState.Locked, h.Door.State);
    }

    [Fact]
    public async Task Pulse_is_active_for_exactly_the_pulse_duration()
    {
        await using var h = new DoorHarness();
        await h.StartAsync();
        DateTimeOffset t0 = h.Time.GetUtcNow();

        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        Assert.Equal(new PinTransition(DoorHarness.RelayPin, PinValue.High, t0), h.Driver.TransitionsOf(DoorHarness.RelayPin)[^1]);
        Assert.Equal(PinValue.High, h.Driver.GetLevel(DoorHarness.GrantedPin));
        Assert.Equal(DoorState.Unlocked, h.Door.State);

        await h.AdvanceAsync(Pulse - TimeSpan.FromTicks(1));
        Assert.Equal(PinValue.High, h.Relay);
        Assert.Equal(DoorState.Unlocked, h.Door.State);

        await h.AdvanceAsync(TimeSpan.FromTicks(1));
        await h.WaitForStateAsync(DoorState.Locked);

        Assert.Equal(new PinTransition(DoorHarness.RelayPin, PinValue.Low, t0 + Pulse), h.Driver.TransitionsOf(DoorHarness.RelayPin)[^1]);
        Assert.Equal(PinValue.Low, h.Driver.GetLevel(DoorHarness.GrantedPin));
        Assert.Equal(new[] { DoorState.Unlocked, DoorState.Locked }, h.Events);
        Assert.Equal(DoorState.Locked, h.Door.State);
    }

    [Fact]
    public async Task Active_low_outputs_are_driven_inverted()
    {
        await using var h = new DoorHarness(o =>
        {
            o.Relay.ActiveLow = true;
            o.GrantedLed.ActiveLow = true;
            o.DeniedLed.ActiveLow = true;
            o.StatusLed.ActiveLow = true;
        });
        await h.StartAsync();
        Assert.Equal(PinValue.High, h.Relay);
        Assert.Equal(PinValue.High, h.Driver.GetLevel(DoorHarness.GrantedPin));
        Assert.Equal(PinValue.High, h.Driver.GetLevel(DoorHarness.DeniedPin));
        Assert.Equal(PinValue.Low, h.Driver.GetLevel(DoorHarness.StatusPin));

        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        Assert.Equal(PinValue.Low, h.Relay);
        Assert.Equal(PinValue.Low, h.Driver.GetLevel(DoorHarness.GrantedPin));

        await h.AdvanceAsync(Pulse);
        await h.WaitForStateAsync(DoorState.Locked);
        Assert.Equal(PinValue.High, h.Relay);
        Assert.Equal(PinValue.High, h.Driver.GetLevel(DoorHarness.GrantedPin));
        Assert.Equal(new[] { PinValue.High, PinValue.Low, PinValue.High }, h.Driver.TransitionsOf(DoorHarness.RelayPin).Select(t => t.Value));

        await h.Door.StopAsync(CancellationToken.None);
        Assert.Equal(PinValue.High, h.Driver.GetLevel(DoorHarness.StatusPin));
    }

    [Fact]
    public async Task A_second_unlock_during_a_pulse_is_refused_without_touching_any_pin()
    {
        await using var h = new DoorHarness();
        await h.StartAsync();
        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        int count = h.Driver.Transitions.Count;

        Assert.False(await h.Door.UnlockAsync(CancellationToken.None));
        Assert.Equal(count, h.Driver.Transitions.Count);
        Assert.Equal(new[] { DoorState.Unlocked }, h.Events);

        // The refused call did not extend the pulse.
        await h.AdvanceAsync(Pulse);
        await h.WaitForStateAsync(DoorState.Locked);
        Assert.Equal(PinValue.Low, h.Relay);
    }

    [Fact]
    public async Task Unlock_before_start_is_refused()
    {
        await using var h = new DoorHarness();
        Assert.False(await h.Door.UnlockAsync(CancellationToken.None));
        Assert.Empty(h.Driver.Transitions);
    }

    [Fact]
    public async Task Stop_during_a_pulse_locks_at_once_and_refuses_later_unlocks()
    {
        await using var h = new DoorHarness();
        await h.StartAsync();
        DateTimeOffset t0 = h.Time.GetUtcNow();
        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));

        await h.Door.StopAsync(CancellationToken.None);

        Assert.Equal(PinValue.Low, h.Relay);
        Assert.Equal(t0, h.Driver.TransitionsOf(DoorHarness.RelayPin)[^1].At);
        Assert.Equal(DoorState.Locked, h.Door.State);
        Assert.Equal(new[] { DoorState.Unlocked, DoorState.Locked }, h.Events);
        Assert.All(new[] { DoorHarness.GrantedPin, DoorHarness.DeniedPin, DoorHarness.StatusPin }, pin => Assert.Equal(PinValue.Low, h.Driver.GetLevel(pin)));

        int count = h.Driver.Transitions.Count;
        Assert.False(await h.Door.UnlockAsync(CancellationToken.None));
        await h.AdvanceAsync(Pulse * 2);
        Assert.Equal(count, h.Driver.Transitions.Count);
    }

    [Fact]
    public async Task Cancelling_the_unlock_token_ends_the_pulse_at_once()
    {
        await using var h = new DoorHarness();
        await h.StartAsync();
        DateTimeOffset t0 = h.Time.GetUtcNow();
        using var cts = new CancellationTokenSource();
        Assert.True(await h.Door.UnlockAsync(cts.Token));

        await cts.CancelAsync();
        await h.WaitForStateAsync(DoorState.Locked);

        Assert.Equal(new PinTransition(DoorHarness.RelayPin, PinValue.Low, t0), h.Driver.TransitionsOf(DoorHarness.RelayPin)[^1]);

        // The door is usable again after a cancelled pulse.
        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        await h.AdvanceAsync(Pulse);
        await h.WaitForStateAsync(DoorState.Locked, count: 2);
        Assert.Equal(PinValue.Low, h.Relay);
    }

    [Fact]
    public async Task An_already_cancelled_token_never_touches_the_relay()
    {
        await using var h = new DoorHarness();
        await h.StartAsync();
        int count = h.Driver.Transitions.Count;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Door.UnlockAsync(new CancellationToken(canceled: true)));
        Assert.Equal(count, h.Driver.Transitions.Count);
    }

    [Fact]
    public async Task Dispose_during_a_pulse_leaves_the_relay_inactive()
    {
        var h = new DoorHarness(o => o.Relay.ActiveLow = true);
        await h.StartAsync();
        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        Assert.Equal(PinValue.Low, h.Relay);

        await h.Door.DisposeAsync();

        Assert.Equal(PinValue.High, h.Relay);
        Assert.Equal(DoorState.Locked, h.Door.State);
        Assert.False(await h.Door.UnlockAsync(CancellationToken.None));
        h.Gpio.Dispose();
    }

    [Fact]
    public async Task A_failing_led_write_never_keeps_the_relay_active()
    {
        await using var h = new DoorHarness(driver: time => new FailingWriteDriver(time, DoorHarness.GrantedPin));
        await h.StartAsync();

        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        Assert.Equal(PinValue.High, h.Relay);

        await h.AdvanceAsync(Pulse);
        await h.WaitForStateAsync(DoorState.Locked);
        Assert.Equal(PinValue.Low, h.Relay);

        await h.Door.StopAsync(CancellationToken.None);
        Assert.Equal(PinValue.Low, h.Relay);
    }

    [Fact]
    public async Task A_throwing_state_handler_never_keeps_the_relay_active()
    {
        await using var h = new DoorHarness();
        h.Door.StateChanged += (_, _) => throw new InvalidOperationException("subscriber bug");
        await h.StartAsync();

        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        await h.AdvanceAsync(Pulse);
        await h.WaitForStateAsync(DoorState.Locked);
        Assert.Equal(PinValue.Low, h.Relay);
    }

    [Fact]
    public async Task A_failing_relay_write_on_unlock_leaves_the_door_locked()
    {
        await using var h = new DoorHarness(driver: time => new FailingWriteDriver(time, DoorHarness.RelayPin));
        await h.StartAsync();

        await Assert.ThrowsAsync<IOException>(() => h.Door.UnlockAsync(CancellationToken.None));
        Assert.Equal(PinValue.Low, h.Relay);
        Assert.Equal(DoorState.Locked, h.Door.State);
        Assert.Empty(h.Events);
    }

    [Fact]
    public async Task Denied_signal_lights_the_denied_led_for_its_duration_and_never_touches_the_relay()
    {
        await using var h = new DoorHarness(o => o.DeniedSignalDuration = TimeSpan.FromSeconds(1));
        await h.StartAsync();
        int relayWrites = h.Driver.TransitionsOf(DoorHarness.RelayPin).Count;
        int from = h.Driver.Transitions.Count;

        h.Door.SignalDenied();
        Assert.Equal(PinValue.High, h.Driver.GetLevel(DoorHarness.DeniedPin));

        await h.AdvanceAsync(TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1));
        Assert.Equal(PinValue.High, h.Driver.GetLevel(DoorHarness.DeniedPin));
        await h.AdvanceAsync(TimeSpan.FromTicks(1));
        PinTransition off = await h.Driver.WaitForTransitionAsync(t => t.Pin == DoorHarness.DeniedPin && t.Value == PinValue.Low, from).WaitAsync(DoorHarness.Bound);

        Assert.Equal(h.Time.GetUtcNow(), off.At);
        Assert.Equal(relayWrites, h.Driver.TransitionsOf(DoorHarness.RelayPin).Count);
        Assert.Empty(h.Events);
    }

    [Fact]
    public async Task Without_leds_the_door_drives_only_the_relay()
    {
        await using var h = new DoorHarness(o =>
        {
            o.GrantedLed.Pin = null;
            o.DeniedLed.Pin = null;
            o.StatusLed.Pin = null;
        });
        await h.StartAsync();
        h.Door.SignalDenied();
        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        await h.AdvanceAsync(Pulse);
        await h.WaitForStateAsync(DoorState.Locked);

        Assert.All(h.Driver.Transitions, t => Assert.Equal(DoorHarness.RelayPin, t.Pin));
        Assert.Equal(new[] { PinValue.Low, PinValue.High, PinValue.Low }, h.Driver.Transitions.Select(t => t.Value));
    }

    [Fact]
    public async Task Concurrent_unlocks_start_exactly_one_pulse()
    {
        await using var h = new DoorHarness();
        await h.StartAsync();

        bool[] results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => h.Door.UnlockAsync(CancellationToken.None))));

        Assert.Equal(1, results.Count(r => r));
        Assert.Equal(2, h.Driver.TransitionsOf(DoorHarness.RelayPin).Count);
        await h.AdvanceAsync(Pulse);
        await h.WaitForStateAsync(DoorState.Locked);
        Assert.Equal(PinValue.Low, h.Relay);
    }

    [Fact]
    public async Task An_over_long_pulse_that_slipped_past_validation_is_clamped()
    {
        await using var h = new DoorHarness(o =>
        {
            o.PulseDuration = TimeSpan.FromHours(1);
            o.MaxPulseDuration = TimeSpan.FromDays(1);
        });
        await h.StartAsync();
        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));

        await h.AdvanceAsync(DoorOptions.MaxPulseDurationCap);
        await h.WaitForStateAsync(DoorState.Locked);
        Assert.Equal(PinValue.Low, h.Relay);
    }
}

using System.Collections.Concurrent;
using System.Device.Gpio;
using KvsEdge.Door;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvsEdge.Tests.Door;

/// <summary>
/// The door's inputs through the real GpioController and the simulated driver's edge callbacks, on a fake clock: door
/// position, held open, forced, relock on close, the exit button and tamper.
/// </summary>
public sealed class DoorInputMonitorTests
{
    private const int ContactPin = 5;
    private const int ExitPin = 6;
    private const int TamperPin = 26;
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan HeldOpenAfter = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_door_opened_during_a_grant_is_not_forced_and_held_open_past_the_limit_raises_the_alarm_until_it_closes()
    {
        await using var h = new DoorHarness(Inputs);
        using Recorded m = await StartAsync(h);
        Assert.Equal(DoorPosition.Closed, m.Monitor.Position);

        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        await OpenDoorAsync(h);

        Assert.Equal([DoorPosition.Open], m.Positions);
        Assert.Empty(m.Events); // opened under a grant: not forced
        await h.AdvanceAsync(HeldOpenAfter - TimeSpan.FromMilliseconds(1));
        await h.WaitForStateAsync(DoorState.Locked); // the pulse ended meanwhile; the door is still open
        Assert.Empty(m.Events);
        Assert.False(m.Monitor.Alarms.HeldOpen);

        await h.AdvanceAsync(TimeSpan.FromMilliseconds(1));

        DoorEvent held = Assert.Single(m.Events);
        Assert.Equal((DoorEventTypes.HeldOpen, DoorEventReasons.OpenTooLong), (held.Type, held.Reason));
        Assert.True(m.Monitor.Alarms.HeldOpen);
        Assert.Equal(new DoorAlarms(HeldOpen: true, Forced: false, Tamper: false), m.Alarms.Last());

        await CloseDoorAsync(h);
        Assert.Equal(DoorPosition.Closed, m.Monitor.Position);
        Assert.Equal(default, m.Monitor.Alarms);
        Assert.Single(m.Events); // closing is a state change, not an event
    }

    [Fact]
    public async Task A_door_opened_with_the_strike_locked_and_no_grant_is_forced_until_it_closes()
    {
        await using var h = new DoorHarness(Inputs);
        using Recorded m = await StartAsync(h);

        DateTimeOffset openedAt = h.Time.GetUtcNow();
        await OpenDoorAsync(h);

        DoorEvent forced = Assert.Single(m.Events);
        Assert.Equal((DoorEventTypes.Forced, DoorEventReasons.NoGrant, openedAt), (forced.Type, forced.Reason, forced.At));
        Assert.True(m.Monitor.Alarms.Forced);
        Assert.Equal(h.RelayInactive, h.Relay); // an alarm never moves the strike

        await CloseDoorAsync(h);
        Assert.False(m.Monitor.Alarms.Forced);
    }

    [Fact]
    public async Task A_door_opened_a_while_after_the_pulse_ended_is_forced()
    {
        await using var h = new DoorHarness(Inputs);
        using Recorded m = await StartAsync(h);
        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        await h.AdvanceAsync(h.Options.PulseDuration);
        await h.WaitForStateAsync(DoorState.Locked);
        await h.AdvanceAsync(DoorInputMonitor.ForcedGrace + TimeSpan.FromSeconds(1));

        await OpenDoorAsync(h);

        Assert.Equal(DoorEventTypes.Forced, Assert.Single(m.Events).Type);
    }

    [Fact]
    public async Task Contact_chatter_shorter_than_the_debounce_time_is_no_opening()
    {
        await using var h = new DoorHarness(Inputs);
        using Recorded m = await StartAsync(h);

        for (int i = 0; i < 5; i++)
        {
            h.Driver.DriveInput(ContactPin, PinValue.High);
            await h.AdvanceAsync(Debounce - TimeSpan.FromMilliseconds(10));
            h.Driver.DriveInput(ContactPin, PinValue.Low);
            await h.AdvanceAsync(TimeSpan.FromMilliseconds(5));
        }

        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Empty(m.Positions);
        Assert.Empty(m.Events);
        Assert.Equal(DoorPosition.Closed, m.Monitor.Position);
    }

    [Fact]
    public async Task A_door_that_opens_then_closes_during_the_pulse_locks_the_strike_at_once()
    {
        // Safety (relock on close): delete the EndPulseEarly call in DoorInputMonitor.OnContact and this fails.
        await using var h = new DoorHarness(Inputs);
        using Recorded m = await StartAsync(h);
        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(500));
        await OpenDoorAsync(h);
        Assert.Equal(h.RelayActive, h.Relay);

        await CloseDoorAsync(h);

        // 600 ms into a 3 s pulse: the strike is already locked, before the pulse's own end.
        Assert.Equal(h.RelayInactive, h.Relay);
        await h.WaitForStateAsync(DoorState.Locked);
        Assert.Equal([DoorState.Unlocked, DoorState.Locked], h.Events);
        Assert.Equal(DoorState.Locked, h.Door.State);

        // The next grant pulses normally.
        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        Assert.Equal(h.RelayActive, h.Relay);
    }

    [Fact]
    public async Task With_relock_on_close_off_the_strike_stays_released_until_the_pulse_ends()
    {
        await using var h = new DoorHarness(o =>
        {
            Inputs(o);
            o.Inputs.Contact.RelockOnClose = false;
        });
        using Recorded m = await StartAsync(h);
        Assert.True(await h.Door.UnlockAsync(CancellationToken.None));
        await OpenDoorAsync(h);
        await CloseDoorAsync(h);

        Assert.Equal(h.RelayActive, h.Relay);
        await h.AdvanceAsync(h.Options.PulseDuration);
        await h.WaitForStateAsync(DoorState.Locked);
        Assert.Equal(h.RelayInactive, h.Relay);
    }

    [Fact]
    public async Task An_exit_button_press_pulses_the_strike_is_audited_and_a_second_press_within_the_interval_is_refused()
    {
        await using var h = new DoorHarness(o =>
        {
            Inputs(o);
            o.Inputs.ExitButton.MinInterval = TimeSpan.FromSeconds(10);
        });
        using Recorded m = await StartAsync(h);
        Assert.Equal(h.RelayInactive, h.Relay);

        await PressExitAsync(h);

        Assert.Equal(h.RelayActive, h.Relay);
        Assert.Equal(DoorState.Unlocked, h.Door.State);
        DoorEvent exit = Assert.Single(m.Events);
        Assert.Equal((DoorEventTypes.ExitRequest, DoorEventReasons.Unlocked), (exit.Type, exit.Reason));

        // The person walks out: opening now is no forced door.
        await OpenDoorAsync(h);
        await CloseDoorAsync(h);
        Assert.Single(m.Events);
        await h.WaitForStateAsync(DoorState.Locked);

        // A hammered button: within MinInterval, nothing.
        await h.AdvanceAsync(TimeSpan.FromSeconds(2));
        await PressExitAsync(h);
        Assert.Equal(h.RelayInactive, h.Relay);
        Assert.Single(m.Events);

        // After it, a press pulses again.
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        await PressExitAsync(h);
        Assert.Equal(h.RelayActive, h.Relay);
        Assert.Equal(2, m.Events.Count(e => e.Type == DoorEventTypes.ExitRequest && e.Reason == DoorEventReasons.Unlocked));
    }

    [Fact]
    public async Task A_tamper_switch_raises_an_event_and_an_alarm_while_it_is_open()
    {
        await using var h = new DoorHarness(Inputs);
        using Recorded m = await StartAsync(h);

        h.Driver.DriveInput(TamperPin, PinValue.High);
        await h.AdvanceAsync(Debounce);

        DoorEvent tamper = Assert.Single(m.Events);
        Assert.Equal((DoorEventTypes.Tamper, DoorEventReasons.TamperActive), (tamper.Type, tamper.Reason));
        Assert.True(m.Monitor.Alarms.Tamper);

        h.Driver.DriveInput(TamperPin, PinValue.Low);
        await h.AdvanceAsync(Debounce);
        Assert.False(m.Monitor.Alarms.Tamper);
        Assert.Single(m.Events);
    }

    [Fact]
    public async Task A_tamper_switch_already_open_at_start_is_an_alarm_and_an_event()
    {
        await using var h = new DoorHarness(o =>
        {
            Inputs(o);
            o.Inputs.Tamper.Pull = "none"; // an external resistor: the line keeps the level the switch gives it
        });
        h.Driver.DriveInput(TamperPin, PinValue.High);

        using Recorded m = await StartAsync(h);

        Assert.True(m.Monitor.Alarms.Tamper);
        Assert.Equal(DoorEventTypes.Tamper, Assert.Single(m.Events).Type);
    }

    [Fact]
    public async Task Inputs_open_as_inputs_and_close_on_stop()
    {
        await using var h = new DoorHarness(Inputs);
        using Recorded m = await StartAsync(h);
        Assert.True(h.Driver.IsOpen(ContactPin) && h.Driver.IsOpen(ExitPin) && h.Driver.IsOpen(TamperPin));

        await m.Monitor.StopAsync(CancellationToken.None);

        Assert.False(h.Driver.IsOpen(ContactPin) || h.Driver.IsOpen(ExitPin) || h.Driver.IsOpen(TamperPin));
        Assert.True(h.Driver.IsOpen(DoorHarness.RelayPin));
    }

    internal static void Inputs(DoorOptions o)
    {
        // The contact reads low while closed (pull-down here, so the idle simulated line is a closed door).
        o.Inputs.Contact.Pin = ContactPin;
        o.Inputs.Contact.Pull = "down";
        o.Inputs.Contact.Debounce = Debounce;
        o.Inputs.Contact.HeldOpenAfter = HeldOpenAfter;
        o.Inputs.ExitButton.Pin = ExitPin;
        o.Inputs.ExitButton.Debounce = Debounce;
        o.Inputs.Tamper.Pin = TamperPin;
        o.Inputs.Tamper.Pull = "down";
        o.Inputs.Tamper.Debounce = Debounce;
    }

    private static async Task<Recorded> StartAsync(DoorHarness h)
    {
        var monitor = new DoorInputMonitor(Microsoft.Extensions.Options.Options.Create(h.Options), h.Gpio, h.Door, h.Time, NullLogger<DoorInputMonitor>.Instance);
        var recorded = new Recorded(monitor);
        await h.StartAsync();
        await monitor.StartAsync(CancellationToken.None);
        return recorded;
    }

    private static async Task OpenDoorAsync(DoorHarness h)
    {
        h.Driver.DriveInput(ContactPin, PinValue.High);
        await h.AdvanceAsync(Debounce);
    }

    private static async Task CloseDoorAsync(DoorHarness h)
    {
        h.Driver.DriveInput(ContactPin, PinValue.Low);
        await h.AdvanceAsync(Debounce);
    }

    private static async Task PressExitAsync(DoorHarness h)
    {
        h.Driver.DriveInput(ExitPin, PinValue.Low);
        await h.AdvanceAsync(Debounce);
        h.Driver.DriveInput(ExitPin, PinValue.High);
        await h.AdvanceAsync(Debounce);
    }

    private sealed class Recorded : IDisposable
    {
        private readonly ConcurrentQueue<DoorEvent> _events = new();
        private readonly ConcurrentQueue<DoorPosition> _positions = new();
        private readonly ConcurrentQueue<DoorAlarms> _alarms = new();

        public Recorded(DoorInputMonitor monitor)
        {
            Monitor = monitor;
            monitor.EventRaised += (_, e) => _events.Enqueue(e);
            monitor.AlarmsChanged += (_, a) => _alarms.Enqueue(a);
            monitor.PositionChanged += (_, p) => _positions.Enqueue(p);
        }

        public DoorInputMonitor Monitor { get; }

        public DoorEvent[] Events => [.. _events];

        /// <summary>Position changes after the one at start.</summary>
        public DoorPosition[] Positions => [.. _positions.Skip(1)];

        public DoorAlarms[] Alarms => [.. _alarms];

        public void Dispose() => Monitor.Dispose();
    }
}

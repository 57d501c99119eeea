using System.Device.Gpio;
using KvsEdge.Door;
using KvsEdge.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Door;

/// <summary>The door input seam through the real GpioController and the simulated driver's edge callbacks.</summary>
public sealed class GpioDoorInputTests : IDisposable
{
    private const int Pin = 22;
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly SimulatedGpioDriver _driver;
    private readonly GpioController _gpio;
    private readonly List<DoorInputChange> _changes = [];

    public GpioDoorInputTests()
    {
        _driver = new SimulatedGpioDriver(_time);
        _gpio = new GpioController(_driver);
    }

    [Fact]
    public void An_exit_button_press_and_release_through_bouncing_contacts_are_one_change_each()
    {
        using GpioDoorInput button = Open("exit_button", new DoorInputWiring(Pin, ActiveLow: true, Pull: "up", Debounce));
        Assert.False(button.IsActive);

        _driver.DriveInput(Pin, PinValue.Low);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        _driver.DriveInput(Pin, PinValue.High); // bounce
        _time.Advance(TimeSpan.FromMilliseconds(5));
        DateTimeOffset pressedAt = _time.GetUtcNow();
        _driver.DriveInput(Pin, PinValue.Low);
        _time.Advance(Debounce - TimeSpan.FromMilliseconds(1));
        Assert.Empty(_changes);
        Assert.False(button.IsActive);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([new DoorInputChange("exit_button", true, pressedAt)], _changes);
        Assert.True(button.IsActive);

        _time.Advance(TimeSpan.FromSeconds(2)); // held: still one change
        DateTimeOffset releasedAt = _time.GetUtcNow();
        _driver.DriveInput(Pin, PinValue.High);
        _time.Advance(Debounce);
        Assert.Equal(new DoorInputChange("exit_button", false, releasedAt), _changes[^1]);
        Assert.Equal(2, _changes.Count);
        Assert.False(button.IsActive);
    }

    [Fact]
    public void Contact_chatter_shorter_than_the_debounce_time_changes_nothing_in_either_direction()
    {
        using GpioDoorInput contact = Open("door_contact", new DoorInputWiring(Pin, ActiveLow: false, Pull: "down", Debounce));

        for (int i = 0; i < 5; i++)
        {
            _driver.DriveInput(Pin, PinValue.High);
            _time.Advance(TimeSpan.FromMilliseconds(20));
            _driver.DriveInput(Pin, PinValue.Low);
            _time.Advance(TimeSpan.FromMilliseconds(20));
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(_changes);
        Assert.False(contact.IsActive);
    }

    [Fact]
    public void The_level_at_open_is_the_starting_state_without_a_change()
    {
        _driver.DriveInput(Pin, PinValue.High); // the door is already open when the service starts

        using GpioDoorInput contact = Open("door_contact", new DoorInputWiring(Pin, ActiveLow: false, Pull: "none", Debounce));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(contact.IsActive);
        Assert.Empty(_changes);
    }

    [Fact]
    public void An_input_only_reads_and_after_dispose_its_line_is_closed_and_silent()
    {
        GpioDoorInput button = Open("exit_button", new DoorInputWiring(Pin, ActiveLow: true, Pull: "up", Debounce));
        Assert.Equal(PinMode.InputPullUp, _gpio.GetPinMode(Pin));

        button.Dispose();
        Assert.False(_driver.IsOpen(Pin));
        _driver.DriveInput(Pin, PinValue.Low);
        _time.Advance(Debounce);

        Assert.Empty(_changes);
        Assert.Empty(_driver.Transitions); // nothing was ever driven
    }

    [Fact]
    public void A_debounce_timer_that_calls_back_a_moment_early_still_reports_the_door_opening_and_closing()
    {
        // The system timer runs a little ahead of the stopwatch now and then; the early callback used to find the level
        // not yet held, drop it and never look again: the demo's door stayed "open" after the person had closed it.
        var early = new EarlyTimerTimeProvider(_time, TimeSpan.FromMilliseconds(1));
        using var contact = new GpioDoorInput("door_contact", new DoorInputWiring(Pin, ActiveLow: false, Pull: "down", Debounce), _gpio, early, NullLogger.Instance);
        contact.Changed += (_, c) => _changes.Add(c);
        contact.Open();

        _driver.DriveInput(Pin, PinValue.High);
        _time.Advance(Debounce - TimeSpan.FromMilliseconds(1)); // the early callback
        Assert.Empty(_changes);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(contact.IsActive);

        _driver.DriveInput(Pin, PinValue.Low);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([true, false], _changes.Select(c => c.IsActive));
        Assert.False(contact.IsActive);
    }

    public void Dispose()
    {
        _gpio.Dispose();
    }

    private GpioDoorInput Open(string name, DoorInputWiring wiring)
    {
        var input = new GpioDoorInput(name, wiring, _gpio, _time, NullLogger.Instance);
        input.Changed += (_, c) => _changes.Add(c);
        input.Open();
        return input;
    }
}

using System.Device.Gpio;
using KvsEdge.Tests.Common;
using KvsEdge.Triggers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Triggers;

public sealed class EdgeDebouncerTests
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);

    private readonly FakeTimeProvider _time = new();
    private int _fired;

    [Fact]
    public void Contact_bounce_shorter_than_the_debounce_time_is_not_a_press()
    {
        using var debouncer = new EdgeDebouncer(Debounce, _time, () => _fired++);

        for (int i = 0; i < 5; i++)
        {
            debouncer.OnLevel(true);
            _time.Advance(TimeSpan.FromMilliseconds(10));
            debouncer.OnLevel(false);
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, _fired);
    }

    [Fact]
    public void A_press_whose_timer_calls_back_a_moment_early_still_counts_once_when_it_has_held()
    {
        // An early callback used to find the press not yet held and drop it for good: the doorbell press was lost.
        using var debouncer = new EdgeDebouncer(Debounce, new EarlyTimerTimeProvider(_time, TimeSpan.FromMilliseconds(1)), () => _fired++);

        debouncer.OnLevel(true);
        _time.Advance(Debounce - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, _fired);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, _fired);
    }

    [Fact]
    public void A_bouncy_press_that_settles_counts_once_when_it_has_been_stable_for_the_debounce_time()
    {
        using var debouncer = new EdgeDebouncer(Debounce, _time, () => _fired++);

        debouncer.OnLevel(true);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        debouncer.OnLevel(false);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        debouncer.OnLevel(true); // settles here
        _time.Advance(Debounce - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, _fired);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, _fired);

        _time.Advance(TimeSpan.FromSeconds(10)); // held down: still one press
        Assert.Equal(1, _fired);
    }

    [Fact]
    public void A_release_rearms_so_the_next_press_counts_again()
    {
        using var debouncer = new EdgeDebouncer(Debounce, _time, () => _fired++);

        debouncer.OnLevel(true);
        _time.Advance(Debounce);
        debouncer.OnLevel(false);
        _time.Advance(TimeSpan.FromMilliseconds(200));
        debouncer.OnLevel(true);
        _time.Advance(Debounce);

        Assert.Equal(2, _fired);
        Assert.Equal(2, debouncer.Activations);
    }

    [Fact]
    public void Zero_debounce_counts_the_first_edge_at_once()
    {
        using var debouncer = new EdgeDebouncer(TimeSpan.Zero, _time, () => _fired++);

        debouncer.OnLevel(true);
        debouncer.OnLevel(true);

        Assert.Equal(1, _fired);
    }

    [Theory]
    [InlineData(true, 0, 1)] // active low: a low level is a press
    [InlineData(true, 1, 0)]
    [InlineData(false, 1, 1)] // active high (a PIR output)
    [InlineData(false, 0, 0)]
    public void The_gpio_source_honours_the_configured_active_level(bool activeLow, int level, int expectedTriggers)
    {
        var triggers = new TriggerChannel(_time);
        var options = new GpioTriggerOptions { Pin = 27, ActiveLow = activeLow, Debounce = Debounce };
        using var controller = new GpioController(new KvsEdge.Door.SimulatedGpioDriver(_time));
        using var source = new GpioTriggerSource(options, controller, triggers, _time, NullLogger<GpioTriggerSource>.Instance);

        // Start the line at its inactive level, then drive the level under test.
        source.OnLevel(activeLow ? PinValue.High : PinValue.Low);
        source.OnLevel(level == 1 ? PinValue.High : PinValue.Low);
        _time.Advance(Debounce);

        Assert.Equal(expectedTriggers, triggers.Published);
        if (expectedTriggers == 1)
        {
            Assert.True(triggers.Reader.TryRead(out Trigger? trigger));
            Assert.Equal(TriggerKinds.Gpio, trigger!.Kind);
        }
    }

    [Fact]
    public async Task A_button_press_on_the_simulated_line_reaches_the_trigger_channel_through_the_driver_callback()
    {
        var triggers = new TriggerChannel(_time);
        var options = new GpioTriggerOptions { Pin = 27, ActiveLow = true, Pull = "up", Debounce = Debounce };
        var driver = new KvsEdge.Door.SimulatedGpioDriver(_time);
        using var controller = new GpioController(driver);
        using var source = new GpioTriggerSource(options, controller, triggers, _time, NullLogger<GpioTriggerSource>.Instance);
        await source.StartAsync(CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(1)); // pulled up and idle: nothing
        driver.DriveInput(27, PinValue.Low); // pressed (to ground)
        driver.DriveInput(27, PinValue.High); // bounce
        driver.DriveInput(27, PinValue.Low);
        _time.Advance(Debounce);
        driver.DriveInput(27, PinValue.High); // released

        Assert.Equal(1, triggers.Published);
        await source.StopAsync(CancellationToken.None);
        driver.DriveInput(27, PinValue.Low);
        _time.Advance(Debounce);
        Assert.Equal(1, triggers.Published); // no callback after stop
    }
}

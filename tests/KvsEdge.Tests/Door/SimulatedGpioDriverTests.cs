using System.Device.Gpio;
using KvsEdge.Door;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Door;

public class SimulatedGpioDriverTests
{
    [Fact]
    public void An_output_reads_back_its_last_written_value_and_every_write_is_recorded()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var driver = new SimulatedGpioDriver(time);
        using var gpio = new GpioController(driver);

        gpio.OpenPin(5, PinMode.Output, PinValue.High);
        Assert.Equal(PinValue.High, gpio.Read(5));
        time.Advance(TimeSpan.FromMilliseconds(250));
        gpio.Write(5, PinValue.Low);
        Assert.Equal(PinValue.Low, gpio.Read(5));

        Assert.Equal(
            new[] { new PinTransition(5, PinValue.High, time.Start), new PinTransition(5, PinValue.Low, time.Start.AddMilliseconds(250)) },
            driver.Transitions);
    }

    [Fact]
    public void Opening_an_output_without_an_initial_value_shows_the_latched_level()
    {
        var driver = new SimulatedGpioDriver(new FakeTimeProvider());
        using var gpio = new GpioController(driver);

        gpio.OpenPin(6, PinMode.Output);

        Assert.Equal(PinValue.Low, Assert.Single(driver.Transitions).Value);
    }

    [Fact]
    public async Task Waiting_sees_transitions_recorded_before_and_after_the_call()
    {
        var driver = new SimulatedGpioDriver(new FakeTimeProvider());
        using var gpio = new GpioController(driver);
        gpio.OpenPin(7, PinMode.Output, PinValue.Low);

        PinTransition earlier = await driver.WaitForTransitionAsync(t => t.Pin == 7);
        Task<PinTransition> later = driver.WaitForTransitionAsync(t => t.Value == PinValue.High, fromIndex: 1);
        Assert.False(later.IsCompleted);
        gpio.Write(7, PinValue.High);

        Assert.Equal(PinValue.Low, earlier.Value);
        Assert.Equal(PinValue.High, (await later.WaitAsync(DoorHarness.Bound)).Value);
    }

    [Fact]
    public void Transition_log_gets_one_flushed_json_line_per_write()
    {
        string path = Path.Combine(Path.GetTempPath(), $"kvsedge-door-{Guid.NewGuid():N}.jsonl");
        try
        {
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero));
            var driver = new SimulatedGpioDriver(time, path);
            using var gpio = new GpioController(driver);
            gpio.OpenPin(17, PinMode.Output, PinValue.Low);
            gpio.Write(17, PinValue.High);

            // Read while the driver still holds the file, as another process would.
            using (var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)))
            {
                Assert.Equal(
                    """
                    {"pin":17,"value":"low","at":"2026-03-04T05:06:07.890Z"}
                    {"pin":17,"value":"high","at":"2026-03-04T05:06:07.890Z"}

                    """.ReplaceLineEndings("\n"),
                    reader.ReadToEnd().ReplaceLineEndings("\n"));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Writing_a_pin_that_is_not_open_fails_like_hardware()
    {
        var driver = new SimulatedGpioDriver(new FakeTimeProvider());
        using var gpio = new GpioController(driver);
        Assert.ThrowsAny<InvalidOperationException>(() => gpio.Write(3, PinValue.High));
        Assert.Empty(driver.Transitions);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Lock_write_failures_once_fail_the_first_inactive_write_after_open_only(bool activeLow)
    {
        PinValue inactive = activeLow ? PinValue.High : PinValue.Low;
        PinValue active = activeLow ? PinValue.Low : PinValue.High;
        var driver = new SimulatedGpioDriver(new FakeTimeProvider(), lockWriteFault: new RelayLockWriteFault(17, inactive, LockWriteFailures.Once));
        using var gpio = new GpioController(driver);

        gpio.OpenPin(17, PinMode.Output, inactive); // opening at the inactive level always succeeds
        gpio.Write(17, active);
        Assert.Throws<IOException>(() => gpio.Write(17, inactive));
        Assert.Equal(active, gpio.Read(17)); // the failed write left the line where it was
        gpio.Write(17, inactive);
        Assert.Equal(inactive, gpio.Read(17));
        gpio.OpenPin(22, PinMode.Output, PinValue.Low);
        gpio.Write(22, PinValue.Low); // other lines are untouched
    }

    [Fact]
    public void Lock_write_failures_always_fail_every_inactive_write()
    {
        var driver = new SimulatedGpioDriver(new FakeTimeProvider(), lockWriteFault: new RelayLockWriteFault(17, PinValue.Low, LockWriteFailures.Always));
        using var gpio = new GpioController(driver);
        gpio.OpenPin(17, PinMode.Output, PinValue.Low);
        gpio.Write(17, PinValue.High);
        for (int i = 0; i < 3; i++)
        {
            Assert.Throws<IOException>(() => gpio.Write(17, PinValue.Low));
        }

        Assert.Equal(PinValue.High, gpio.Read(17));
    }

    [Fact]
    public void The_factory_passes_the_lock_write_failures_knob_to_the_simulated_driver()
    {
        var options = new DoorOptions { Driver = DoorOptions.SimulatedDriver, Relay = { Pin = 4, ActiveLow = true }, Simulated = { LockWriteFailures = LockWriteFailures.Always } };
        using var gpio = new GpioController(GpioDriverFactory.Create(options, new FakeTimeProvider()));
        gpio.OpenPin(4, PinMode.Output, PinValue.High);
        gpio.Write(4, PinValue.Low);
        Assert.Throws<IOException>(() => gpio.Write(4, PinValue.High));
    }
}

using System.Device.Gpio;
using KvsEdge.Door;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Door;

public class DoorLockTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Lock_drives_only_the_relay_to_its_inactive_level(bool activeLow)
    {
        var options = new DoorOptions { Relay = { Pin = 17, ActiveLow = activeLow }, GrantedLed = { Pin = 22 } };
        var driver = new SimulatedGpioDriver(new FakeTimeProvider());
        using var output = new StringWriter();

        int exitCode = DoorLock.Lock(options, driver, output);

        Assert.Equal(DoorLock.Success, exitCode);
        PinValue inactive = activeLow ? PinValue.High : PinValue.Low;
        Assert.NotEmpty(driver.Transitions);
        Assert.All(driver.Transitions, t => Assert.Equal((17, inactive), (t.Pin, t.Value)));
        Assert.False(driver.IsOpen(17));
        Assert.Contains("relay pin 17", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_relay_that_cannot_be_driven_is_a_non_zero_exit_with_a_message()
    {
        var driver = new FailingWriteDriver(new FakeTimeProvider(), 17);
        using var output = new StringWriter();

        int exitCode = DoorLock.Lock(new DoorOptions(), driver, output);

        Assert.Equal(DoorLock.Failure, exitCode);
        Assert.Contains("cannot drive relay pin 17", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_chip_that_cannot_be_opened_is_a_non_zero_exit_with_a_message()
    {
        // No GPIO chip 999 exists anywhere. CI machines have no libgpiod at all: that is its own exit (78), naming the package.
        using var output = new StringWriter();

        int exitCode = DoorLock.Lock(new DoorOptions { Driver = "libgpiod", Chip = 999 }, output);

        if (CanLoad("libgpiod.so.2") || CanLoad("libgpiod.so.3"))
        {
            Assert.Equal(DoorLock.Failure, exitCode);
            Assert.Contains("cannot open GPIO chip 999", output.ToString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(DoorLock.LibraryMissing, exitCode);
            Assert.Contains("libgpiod2", output.ToString(), StringComparison.Ordinal);
        }
    }

    private static bool CanLoad(string library)
    {
        if (System.Runtime.InteropServices.NativeLibrary.TryLoad(library, out IntPtr handle))
        {
            System.Runtime.InteropServices.NativeLibrary.Free(handle);
            return true;
        }

        return false;
    }

    [Fact]
    public void An_invalid_relay_pin_is_reported_as_configuration_error()
    {
        using var output = new StringWriter();
        int exitCode = DoorLock.Lock(new DoorOptions { Relay = { Pin = -3 } }, new SimulatedGpioDriver(new FakeTimeProvider()), output);
        Assert.Equal(DoorLock.InvalidConfiguration, exitCode);
        Assert.Contains("Door:Relay:Pin", output.ToString(), StringComparison.Ordinal);
    }
}

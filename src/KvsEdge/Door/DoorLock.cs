using System.Device.Gpio;
using System.Globalization;

namespace KvsEdge.Door;

/// <summary>
/// The <c>kvsedge door lock</c> verb: drives the relay inactive and exits. systemd runs it as ExecStopPost after any
/// exit of the service, including a crash, so the strike is never left held by a process that is gone.
/// </summary>
public static class DoorLock
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int InvalidConfiguration = 2;

    /// <summary>libgpiod is not installed: nothing can be locked, and only installing it helps (EX_CONFIG, as `run`).</summary>
    public const int LibraryMissing = 78;

    /// <summary>Creates the configured driver and locks; a chip that cannot be opened is a clear non-zero exit.</summary>
    public static int Lock(DoorOptions options, TextWriter output, TimeProvider? timeProvider = null, Func<DoorOptions, GpioDriver>? openDriver = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);

        GpioDriver driver;
        try
        {
            driver = openDriver is null ? GpioDriverFactory.Create(options, timeProvider ?? TimeProvider.System) : openDriver(options);
        }
        catch (GpioLibraryMissingException ex)
        {
            output.WriteLine($"door lock: cannot lock, the relay is NOT driven: {ex.Message}");
            return LibraryMissing;
        }
        catch (Exception ex)
        {
            // Any failure here means the chip is out of reach; say so plainly, the exit code tells systemd.
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"door lock: cannot open GPIO chip {options.Chip} with driver '{options.Driver}': {ex.Message}"));
            return Failure;
        }

        return Lock(options, driver, output);
    }

    /// <summary>
    /// Opens only the relay, as an output already at its inactive level, writes that level again, and closes it.
    /// Takes ownership of <paramref name="driver"/> (it is disposed).
    /// </summary>
    public static int Lock(DoorOptions options, GpioDriver driver, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(driver);
        ArgumentNullException.ThrowIfNull(output);

        RelayOutputOptions? relay = options.Relay;
        if (relay is null || relay.Pin is < 0 or > DoorOptionsValidator.MaxPin)
        {
            driver.Dispose();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"door lock: {DoorOptions.SectionName}:Relay:Pin must be between 0 and {DoorOptionsValidator.MaxPin}."));
            return InvalidConfiguration;
        }

        PinValue inactive = relay.ActiveLow ? PinValue.High : PinValue.Low;
        try
        {
            using var gpio = new GpioController(driver);

            // Requested at the inactive level (never a moment active), then written again in case the driver
            // kept an earlier request's value; LEDs are left alone, only the strike matters here.
            gpio.OpenPin(relay.Pin, PinMode.Output, inactive);
            gpio.Write(relay.Pin, inactive);
            gpio.ClosePin(relay.Pin);
        }
        catch (Exception ex)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"door lock: cannot drive relay pin {relay.Pin} on GPIO chip {options.Chip}: {ex.Message}"));
            return Failure;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"door lock: relay pin {relay.Pin} driven {(relay.ActiveLow ? "high" : "low")} (inactive)."));
        return Success;
    }
}

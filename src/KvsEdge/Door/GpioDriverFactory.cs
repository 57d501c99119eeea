using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Runtime.InteropServices;

namespace KvsEdge.Door;

/// <summary>Creates the GPIO driver named by <see cref="DoorOptions.Driver"/>.</summary>
public static class GpioDriverFactory
{
    /// <summary>The libgpiod v2 ABI ships as libgpiod.so.3 (Debian 13 / Raspberry Pi OS trixie and later).</summary>
    private const string LibgpiodV2Library = "libgpiod.so.3";

    /// <summary>
    /// Opens the configured chip. Throws when the chip or the native library is missing (the caller decides
    /// whether that stops the service or, for <c>door lock</c>, becomes a non-zero exit code).
    /// </summary>
    public static GpioDriver Create(DoorOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);

        int chip = options.Chip;
        return options.Driver?.ToUpperInvariant() switch
        {
            "SIMULATED" => new SimulatedGpioDriver(timeProvider, options.Simulated?.TransitionLog, LockWriteFault(options)),
            "LIBGPIOD-V2" => OpenNative(options.Driver, () => new LibGpiodV2Driver(chip)),
            "LIBGPIOD-V1" => OpenNative(options.Driver, () => new LibGpiodDriver(chip)),
            "LIBGPIOD" => OpenNative(options.Driver, () => IsLibgpiodV2Available() ? new LibGpiodV2Driver(chip) : new LibGpiodDriver(chip)),
            _ => throw new ArgumentException($"{DoorOptions.SectionName}:Driver '{options.Driver}' is not a known GPIO driver.", nameof(options)),
        };
    }

    /// <summary>
    /// Runs <paramref name="open"/> and turns a native library that cannot be loaded into one
    /// <see cref="GpioLibraryMissingException"/> that says what to install (instead of a loader stack trace).
    /// </summary>
    internal static GpioDriver OpenNative(string driver, Func<GpioDriver> open)
    {
        try
        {
            return open();
        }
        catch (Exception ex) when (IsMissingLibrary(ex))
        {
            throw new GpioLibraryMissingException(
                $"The GPIO library libgpiod cannot be loaded ({DoorOptions.SectionName}:Driver '{driver}' needs libgpiod.so.2 or libgpiod.so.3): "
                + "install the Debian package libgpiod2 (`sudo apt install libgpiod2`; on Debian 13 / Raspberry Pi OS trixie it is libgpiod3), "
                + $"or set {DoorOptions.SectionName}:Driver to 'simulated' to run without GPIO. Loader: {Innermost(ex).Message}",
                ex);
        }
    }

    /// <summary>
    /// A library (or one of its symbols) that the loader cannot find, however System.Device.Gpio wraps it: 4.2's
    /// LibGpiodDriver catches the DllNotFoundException and throws PlatformNotSupportedException("Libgpiod driver not installed").
    /// </summary>
    internal static bool IsMissingLibrary(Exception exception) => exception switch
    {
        DllNotFoundException or EntryPointNotFoundException => true,
        PlatformNotSupportedException when exception.Message.Contains("libgpiod", StringComparison.OrdinalIgnoreCase) => true,
        _ => exception.InnerException is { } inner && IsMissingLibrary(inner),
    };

    private static Exception Innermost(Exception exception) =>
        exception.InnerException is null ? exception : Innermost(exception.InnerException);

    private static RelayLockWriteFault? LockWriteFault(DoorOptions options) =>
        options.Simulated is { LockWriteFailures: not LockWriteFailures.None } simulated && options.Relay is { } relay
            ? new RelayLockWriteFault(relay.Pin, relay.ActiveLow ? PinValue.High : PinValue.Low, simulated.LockWriteFailures)
            : null;

    /// <summary>Prefers the v2 ABI when its library loads: the v1 library is gone from current Raspberry Pi OS.</summary>
    internal static bool IsLibgpiodV2Available()
    {
        if (NativeLibrary.TryLoad(LibgpiodV2Library, out IntPtr handle))
        {
            NativeLibrary.Free(handle);
            return true;
        }

        return false;
    }
}

/// <summary>libgpiod is not installed: restarting cannot fix it, so `run` and `door lock` exit 78 with this message.</summary>
public sealed class GpioLibraryMissingException(string message, Exception innerException) : Exception(message, innerException);

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

        return options.Driver?.ToUpperInvariant() switch
        {
            "SIMULATED" => new SimulatedGpioDriver(timeProvider, options.Simulated?.TransitionLog),
            "LIBGPIOD-V2" => new LibGpiodV2Driver(options.Chip),
            "LIBGPIOD-V1" => new LibGpiodDriver(options.Chip),
            "LIBGPIOD" => IsLibgpiodV2Available() ? new LibGpiodV2Driver(options.Chip) : new LibGpiodDriver(options.Chip),
            _ => throw new ArgumentException($"{DoorOptions.SectionName}:Driver '{options.Driver}' is not a known GPIO driver.", nameof(options)),
        };
    }

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

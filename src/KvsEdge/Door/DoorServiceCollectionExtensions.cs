using KvsEdge.Common;
using Microsoft.Extensions.Configuration;
using System.Device.Gpio;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KvsEdge.Door;

public static class DoorServiceCollectionExtensions
{
    /// <summary>
    /// Registers the door: validated options, the GPIO controller for the configured driver, and
    /// <see cref="DoorController"/> as <see cref="IDoor"/> and as a hosted service. Call it before any other
    /// AddHostedService: hosted services start in registration order, so the relay is opened (inactive) first.
    /// </summary>
    public static IServiceCollection AddDoor(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddValidatedOptions<DoorOptions, DoorOptionsValidator>(configuration: null, DoorOptions.SectionName, static (c, o, b) => c.Bind(o, b));
        services.TryAddSingleton(TimeProvider.System);

        // The container owns the controller (and through it the driver): disposed after DoorController, which
        // the container created later and therefore disposes first.
        // The driver is a service of its own so the demo (and host tests) can reach the simulated one's DriveInput; the
        // controller disposes it, so it is registered as an instance factory the container never disposes twice.
        services.TryAddSingleton(sp => new GpioDriverHolder(
            GpioDriverFactory.Create(sp.GetRequiredService<IOptions<DoorOptions>>().Value, sp.GetRequiredService<TimeProvider>())));
        services.TryAddSingleton(sp => new GpioController(sp.GetRequiredService<GpioDriverHolder>().Driver));
        services.TryAddSingleton<DoorController>();
        services.TryAddSingleton<IDoor>(sp => sp.GetRequiredService<DoorController>());
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<DoorController>());

        // The door's inputs start right after the relay is safe: the exit button works before anything networked runs.
        services.TryAddSingleton<DoorInputMonitor>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<DoorInputMonitor>());
        return services;
    }
}

/// <summary>
/// The door's GPIO driver, owned by the <see cref="GpioController"/> (a holder, not the driver itself, so the container
/// does not dispose it a second time). <see cref="Simulated"/> is the simulated driver when `Door:Driver` is `simulated`.
/// </summary>
public sealed class GpioDriverHolder(GpioDriver driver)
{
    public GpioDriver Driver { get; } = driver;

    public SimulatedGpioDriver? Simulated => Driver as SimulatedGpioDriver;
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace KvsEdge.Systemd;

public static class SystemdServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SystemdNotifier"/> (READY, WATCHDOG, STOPPING, STATUS) with the environment of this process
    /// and the appliance's watched loops: recognition, MQTT, the camera supervisor and the door's relay.
    /// </summary>
    public static IServiceCollection AddSystemdNotify(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(_ => SystemdEnvironment.FromProcess());
        services.TryAddSingleton(sp => new SystemdNotifySocket(sp.GetRequiredService<SystemdEnvironment>().NotifySocket));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoopProgress, RecognitionLoopProgress>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoopProgress, MqttLoopProgress>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoopProgress, CameraLoopProgress>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoopProgress, DoorLoopProgress>());
        services.AddHostedService<SystemdNotifier>();
        return services;
    }

    /// <summary>
    /// Under systemd, log lines carry syslog priorities (`&lt;6&gt;`) so the journal keeps levels, and the console
    /// lifetime's "press Ctrl+C" banner is left out. What AddSystemd() did, without its READY-only notifier.
    /// </summary>
    public static ILoggingBuilder AddJournalFormattingUnderSystemd(this ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        if (SystemdHelpers.IsSystemdService())
        {
            logging.AddSystemdConsole();
            logging.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        }

        return logging;
    }
}

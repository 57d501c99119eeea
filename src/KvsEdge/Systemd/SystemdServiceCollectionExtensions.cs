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
    /// Registers <see cref="SystemdNotifier"/> (READY, WATCHDOG, STOPPING, STATUS) with the environment of this process.
    /// The loops it watches are each feature's own <see cref="ILoopProgress"/>, registered by the host.
    /// </summary>
    public static IServiceCollection AddSystemdNotify(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(_ => SystemdEnvironment.FromProcess());
        services.TryAddSingleton(sp => new SystemdNotifySocket(sp.GetRequiredService<SystemdEnvironment>().NotifySocket));
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

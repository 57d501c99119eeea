using KvsEdge.Access;
using KvsEdge.Common;
using KvsEdge.Door;
using KvsEdge.Status;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Iot;

public static class IotServiceCollectionExtensions
{
    /// <summary>The keyed <see cref="MqttBrokerConnection"/> to AWS IoT Core (`Iot:*`).</summary>
    public const string ConnectionName = "iot";

    /// <summary>
    /// Registers `Iot:*` (validated at start) and, when `Iot:Enabled`, the IoT Core connection keyed
    /// <see cref="ConnectionName"/> and the hosted service that runs it, the `config` shadow (live access rules) and the
    /// `status` shadow. Call after <c>AddMqttStatus</c> and after the <see cref="AccessPolicy"/> is registered. Shadow and jobs users subscribe and publish
    /// through that connection; it reconnects, queues and re-subscribes as the status connection does.
    /// </summary>
    public static IServiceCollection AddIotCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<IotOptions, IotOptionsValidator>(configuration, IotOptions.SectionName, static (c, o, b) => c.Bind(o, b));
        var iot = new IotOptions();
        ValidatedOptions.Bind(configuration, IotOptions.SectionName, iot, static (c, o, b) => c.Bind(o, b));
        if (!iot.Enabled)
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton(ConnectionName, (sp, _) => CreateConnection(
            sp.GetRequiredService<IOptions<IotOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("KvsEdge.Iot.IotConnection")));
        // Configuration from the `config` shadow: last-good is read before the policy is built (it post-configures
        // the Access options), and the shadow's handlers are subscribed before the connection first connects.
        services.TryAddSingleton<ShadowConfigStore>();
        services.AddSingleton<IPostConfigureOptions<AccessOptions>>(sp => sp.GetRequiredService<ShadowConfigStore>());
        services.TryAddSingleton(sp => new ConfigShadow(
            sp.GetRequiredKeyedService<MqttBrokerConnection>(ConnectionName),
            sp.GetRequiredService<IOptions<IotOptions>>(),
            sp.GetRequiredService<ShadowConfigStore>(),
            sp.GetRequiredService<IOptionsFactory<AccessOptions>>(),
            sp.GetRequiredService<AccessPolicy>(),
            sp.GetRequiredService<IOptions<DoorOptions>>(),
            sp.GetService<DoorController>(),
            sp.GetRequiredService<ILogger<ConfigShadow>>()));
        services.AddHostedService(sp => sp.GetRequiredService<ConfigShadow>());

        // Status in the `status` shadow: every status update also goes there (rate-limited).
        services.TryAddSingleton(sp => new StatusShadow(
            sp.GetRequiredKeyedService<MqttBrokerConnection>(ConnectionName),
            sp.GetRequiredService<IOptions<IotOptions>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService(sp => sp.GetRequiredService<StatusShadow>());
        services.Replace(ServiceDescriptor.Singleton<IStatusPublisher>(sp => new StatusShadowPublisher(
            sp.GetRequiredService<MqttStatusPublisher>(), sp.GetRequiredService<StatusShadow>())));

        // Jobs (`$aws/things/<thing>/jobs/…`): restart, update, sync-faces; one at a time; never the door.
        // `update` is staged for the root installer (kvsedge-update.path): this sandboxed service cannot run dpkg.
        services.TryAddSingleton(sp => new JobsAgent(
            sp.GetRequiredKeyedService<MqttBrokerConnection>(ConnectionName),
            sp.GetRequiredService<IOptions<IotOptions>>().Value.ThingName!,
            new PendingJobStore(sp.GetRequiredService<IOptions<DeviceOptions>>().Value.StateDirectory),
            UpdateStaging.UnderState(sp.GetRequiredService<IOptions<DeviceOptions>>().Value.StateDirectory),
            sp.GetRequiredService<IHostApplicationLifetime>(),
            static () => HomeAssistantDiscovery.CurrentVersion,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("KvsEdge.Iot.Jobs"),
            sp.GetService<FaceSyncJob>()?.SyncAsync,
            time: sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService(sp => sp.GetRequiredService<JobsAgent>());

        services.AddHostedService(sp => new IotConnectionService(
            sp.GetRequiredKeyedService<MqttBrokerConnection>(ConnectionName),
            sp.GetRequiredService<ILogger<IotConnectionService>>()));
        return services;
    }

    /// <summary>The IoT Core connection: mutual TLS, client id = thing name, no Last Will (IoT Core's lifecycle events say it).</summary>
    public static MqttBrokerConnection CreateConnection(IotOptions options, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new MqttBrokerConnection(ConnectionName, options.ToMqttOptions(), options.ThingName!, timeProvider, logger);
    }
}

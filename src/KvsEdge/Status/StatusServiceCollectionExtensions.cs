using KvsEdge.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Status;

public static class StatusServiceCollectionExtensions
{
    /// <summary>
    /// Registers the default MQTT connection (<see cref="MqttBrokerConnection"/>, also keyed
    /// <see cref="MqttBrokerConnection.DefaultName"/>) and the publisher once, as both <see cref="IStatusPublisher"/> and
    /// the hosted service that runs the connection, with options bound from the `Mqtt` section and validated at start. Needs <see cref="TimeProvider"/> and the
    /// `Device` options registered by the host.
    /// </summary>
    public static IServiceCollection AddMqttStatus(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<MqttOptions, MqttOptionsValidator>(configuration, MqttOptions.SectionName, static (c, o, b) => c.Bind(o, b));
        services.TryAddSingleton(TimeProvider.System);
        // The default connection (`Mqtt:*`), shared by every MQTT user; the status publisher runs it and sets its Last
        // Will. Inbound handlers are resolved on every connect: a handler may depend on the publisher itself.
        services.TryAddKeyedSingleton(MqttBrokerConnection.DefaultName, (sp, _) => MqttStatusPublisher.CreateConnection(
            sp.GetRequiredService<IOptions<MqttOptions>>(),
            sp.GetRequiredService<IOptions<DeviceOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MqttStatusPublisher>>(),
            () => sp.GetServices<IMqttInboundHandler>()));
        services.TryAddSingleton(sp => sp.GetRequiredKeyedService<MqttBrokerConnection>(MqttBrokerConnection.DefaultName));
        services.TryAddSingleton(sp => new MqttStatusPublisher(
            sp.GetRequiredService<MqttBrokerConnection>(),
            sp.GetRequiredService<IOptions<DeviceOptions>>(),
            sp.GetRequiredService<ILogger<MqttStatusPublisher>>()));
        services.TryAddSingleton<IStatusPublisher>(sp => sp.GetRequiredService<MqttStatusPublisher>());
        services.AddHostedService(sp => sp.GetRequiredService<MqttStatusPublisher>());
        return services;
    }

    /// <summary>
    /// Registers Home Assistant discovery (a hosted service and the birth-message handler) unless `Mqtt:Enabled` or
    /// `Mqtt:Discovery:Enabled` is false. Call after <see cref="AddMqttStatus"/>; needs the `Camera` options.
    /// </summary>
    public static IServiceCollection AddHomeAssistantDiscovery(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        // Bound as the options are (a malformed switch is refused at start, not thrown here).
        var mqtt = new MqttOptions();
        ValidatedOptions.Bind(configuration, MqttOptions.SectionName, mqtt, static (c, o, b) => c.Bind(o, b));
        if (!mqtt.Enabled || !mqtt.Discovery.Enabled)
        {
            return services;
        }

        services.TryAddSingleton<HomeAssistantDiscoveryPublisher>();
        services.AddSingleton<IMqttInboundHandler>(sp => sp.GetRequiredService<HomeAssistantDiscoveryPublisher>());
        services.AddHostedService(sp => sp.GetRequiredService<HomeAssistantDiscoveryPublisher>());
        return services;
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KvsEdge.Status;

public static class StatusServiceCollectionExtensions
{
    /// <summary>
    /// Registers the MQTT publisher once, as both <see cref="IStatusPublisher"/> and a hosted service, with its
    /// options bound from the `Mqtt` section and validated at start. Needs <see cref="TimeProvider"/> and the
    /// `Device` options registered by the host.
    /// </summary>
    public static IServiceCollection AddMqttStatus(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<MqttOptions>().Bind(configuration.GetSection(MqttOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MqttOptions>, MqttOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MqttStatusPublisher>();
        services.TryAddSingleton<IStatusPublisher>(sp => sp.GetRequiredService<MqttStatusPublisher>());
        services.AddHostedService(sp => sp.GetRequiredService<MqttStatusPublisher>());
        return services;
    }
}

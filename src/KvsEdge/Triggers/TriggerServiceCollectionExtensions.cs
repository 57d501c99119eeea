using KvsEdge.Common;
using KvsEdge.Camera;
using KvsEdge.Status;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KvsEdge.Triggers;

public static class TriggerServiceCollectionExtensions
{
    /// <summary>
    /// The trigger channel, validated `Triggers` options, the motion tap (so the camera pipeline gets its GRAY8 branch)
    /// and one service per enabled trigger. The MQTT command handler is registered only when enabled.
    /// </summary>
    public static IServiceCollection AddTriggers(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<TriggerOptions, TriggerOptionsValidator>(configuration, TriggerOptions.SectionName, static (c, o, b) => c.Bind(o, b));
        services.TryAddSingleton<TriggerChannel>();

        // Registration decides what runs, so read the switches from configuration (validation comes at start).
        var triggers = new TriggerOptions();
        ValidatedOptions.Bind(configuration, TriggerOptions.SectionName, triggers, static (c, o, b) => c.Bind(o, b));
        if (triggers.Motion.Enabled)
        {
            MotionTriggerOptions m = triggers.Motion;
            services.TryAddSingleton(new MotionFrameTap(new MotionTapRequest(m.Width, m.Height, m.Rate)));
            services.TryAddSingleton<IGrayFrameSource>(sp => sp.GetRequiredService<MotionFrameTap>());
            services.AddSingleton(sp => sp.GetRequiredService<MotionFrameTap>().Registration); // the camera's GRAY8 branch
            services.AddHostedService<MotionTriggerSource>();
        }

        // One source per `Triggers:Gpio` item (a doorbell and a PIR at once); validation has checked every item first.
        for (int i = 0; i < triggers.Gpio.Count; i++)
        {
            int index = i;
            services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(sp => new GpioTriggerSource(
                sp.GetRequiredService<IOptions<TriggerOptions>>().Value.Gpio[index],
                sp.GetRequiredService<System.Device.Gpio.GpioController>(),
                sp.GetRequiredService<TriggerChannel>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<GpioTriggerSource>>()));
        }

        if (triggers.Mqtt.Enabled)
        {
            services.AddSingleton<IMqttInboundHandler, MqttTriggerHandler>();
        }

        if (triggers.Interval is not null)
        {
            services.AddHostedService<IntervalTriggerSource>();
        }

        return services;
    }
}

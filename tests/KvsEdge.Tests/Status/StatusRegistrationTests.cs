using KvsEdge.Common;
using KvsEdge.Status;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Status;

public class StatusRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<DeviceOptions>().Bind(configuration.GetSection(DeviceOptions.SectionName));
        services.AddMqttStatus(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void One_instance_serves_as_publisher_and_hosted_service_with_bound_options()
    {
        using ServiceProvider provider = Build(new()
        {
            ["Device:Id"] = "door-7",
            ["Mqtt:Host"] = "broker.lan",
            ["Mqtt:Port"] = "8883",
            ["Mqtt:ReconnectMaxDelay"] = "00:02:00",
            ["Mqtt:Tls:Enabled"] = "true",
        });

        var publisher = Assert.IsType<MqttStatusPublisher>(provider.GetRequiredService<IStatusPublisher>());
        Assert.Same(publisher, Assert.Single(provider.GetServices<IHostedService>()));
        Assert.Equal("kvsedge/door-7", publisher.TopicPrefix);
        MqttOptions options = provider.GetRequiredService<IOptions<MqttOptions>>().Value;
        Assert.Equal(("broker.lan", 8883, TimeSpan.FromMinutes(2), true), (options.Host, options.Port, options.ReconnectMaxDelay, options.Tls.Enabled));
    }

    [Fact]
    public void Invalid_settings_fail_with_the_key_in_the_message()
    {
        using ServiceProvider provider = Build(new() { ["Mqtt:Port"] = "70000" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MqttOptions>>().Value);
        Assert.Contains("Mqtt:Port must be between 1 and 65535.", error.Failures);
    }
}

using KvsEdge.Camera;
using KvsEdge.Common;
using KvsEdge.Status;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Status;

/// <summary>`Mqtt:Discovery:*`: validation naming the key, topics derived from it, and registration on or off.</summary>
public sealed class HomeAssistantOptionsTests
{
    private static ValidateOptionsResult Validate(MqttDiscoveryOptions discovery) =>
        new MqttOptionsValidator().Validate(null, new MqttOptions { Discovery = discovery });

    [Theory]
    [InlineData("")]
    [InlineData("home/#")]
    [InlineData("/homeassistant")]
    [InlineData("homeassistant/")]
    public void A_bad_prefix_is_refused_naming_the_key(string prefix)
    {
        ValidateOptionsResult result = Validate(new MqttDiscoveryOptions { Prefix = prefix });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Mqtt:Discovery:Prefix", StringComparison.Ordinal));
    }

    [Fact]
    public void A_wildcard_birth_topic_is_refused_and_nothing_is_checked_when_discovery_is_off()
    {
        Assert.Contains(Validate(new MqttDiscoveryOptions { BirthTopic = "ha/+/status" }).Failures!, f => f.StartsWith("Mqtt:Discovery:BirthTopic", StringComparison.Ordinal));
        Assert.True(Validate(new MqttDiscoveryOptions { Enabled = false, Prefix = "#" }).Succeeded);
    }

    [Fact]
    public void Topics_follow_the_prefix_and_the_device_id()
    {
        var discovery = new MqttDiscoveryOptions { Prefix = "ha" };

        Assert.Equal("ha/device/front-door/config", discovery.ConfigTopic(new DeviceOptions { Id = "front-door" }));
        Assert.Equal("ha/status", discovery.EffectiveBirthTopic);
        Assert.Equal("homeassistant/status", new MqttDiscoveryOptions { Prefix = "ha", BirthTopic = "homeassistant/status" }.EffectiveBirthTopic);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<DeviceOptions>().Bind(configuration.GetSection(DeviceOptions.SectionName));
        services.AddOptions<CameraOptions>().Bind(configuration.GetSection(CameraOptions.SectionName));
        services.AddMqttStatus(configuration);
        services.AddHomeAssistantDiscovery(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Registered_as_the_birth_handler_and_a_hosted_service_by_default()
    {
        using ServiceProvider provider = Build(new() { ["Device:Id"] = "door-7" });

        var handler = Assert.IsType<HomeAssistantDiscoveryPublisher>(Assert.Single(provider.GetServices<IMqttInboundHandler>()));
        Assert.Contains(handler, provider.GetServices<IHostedService>());
        Assert.Equal("homeassistant/status", handler.TopicFilter);
        Assert.Equal("homeassistant/device/door-7/config", handler.ConfigTopic);
    }

    [Theory]
    [InlineData("Mqtt:Discovery:Enabled")]
    [InlineData("Mqtt:Enabled")]
    public void Not_registered_when_turned_off(string key)
    {
        using ServiceProvider provider = Build(new() { [key] = "false" });

        Assert.Empty(provider.GetServices<IMqttInboundHandler>());
        Assert.IsType<MqttStatusPublisher>(Assert.Single(provider.GetServices<IHostedService>()));
    }
}

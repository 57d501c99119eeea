using System.Text;
using KvsEdge.Camera;
using KvsEdge.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Status;

/// <summary>
/// Keeps Home Assistant's device discovery on the broker: set as a retained topic at start (so it goes out on every
/// (re)connect), and sent again whenever Home Assistant's birth message says `online` (Home Assistant forgets
/// discovered entities when it restarts without the broker's retained copy).
/// </summary>
public sealed class HomeAssistantDiscoveryPublisher : IHostedService, IMqttInboundHandler
{
    private readonly MqttStatusPublisher _publisher;
    private readonly ILogger _logger;
    private readonly string _deviceId;
    private readonly DiscoveryDevice _device;
    private readonly Lock _gate = new();
    private string _payload;
    private int _components;

    public HomeAssistantDiscoveryPublisher(
        MqttStatusPublisher publisher,
        IOptions<MqttOptions> mqtt,
        IOptions<DeviceOptions> device,
        IOptions<CameraOptions> camera,
        ILogger<HomeAssistantDiscoveryPublisher> logger,
        DiscoveryExtras? extras = null)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(camera);
        _publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _deviceId = device.Value.Id;
        ConfigTopic = mqtt.Value.Discovery.ConfigTopic(device.Value);
        TopicFilter = mqtt.Value.Discovery.EffectiveBirthTopic;
        _device = new DiscoveryDevice(_deviceId, publisher.TopicPrefix, HomeAssistantDiscovery.CurrentVersion, camera.Value.Enabled) { Extras = extras };
        (_payload, _components) = Render(_device);
        if (extras is not null)
        {
            // People added or removed by an access-rule reload: their presence sensors appear or go.
            extras.Changed += (_, _) =>
            {
                lock (_gate)
                {
                    (_payload, _components) = Render(_device);
                }

                Publish();
            };
        }
    }

    private static (string Payload, int Components) Render(DiscoveryDevice device)
    {
        var discovery = HomeAssistantDiscovery.Build(device);
        return (discovery.ToJsonString(), discovery["cmps"]!.AsObject().Count);
    }

    /// <summary>`&lt;Mqtt:Discovery:Prefix&gt;/device/&lt;Device:Id&gt;/config`.</summary>
    public string ConfigTopic { get; }

    /// <summary>Home Assistant's birth topic.</summary>
    public string TopicFilter { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Publish();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask HandleAsync(MqttInboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        string payload = Encoding.UTF8.GetString(message.Payload.Span);

        // A retained `online` replayed on subscribe is old news: discovery went out with this connection anyway.
        if (message.Retain || payload != StatusPayloads.Online)
        {
            Log.HomeAssistantStatusIgnored(_logger, message.Topic, payload, message.Retain);
            return ValueTask.CompletedTask;
        }

        Log.HomeAssistantBirth(_logger, message.Topic);
        Publish();
        return ValueTask.CompletedTask;
    }

    private void Publish()
    {
        lock (_gate)
        {
            _publisher.PublishRetained(ConfigTopic, _payload);
            Log.DiscoveryPublished(_logger, _deviceId, ConfigTopic, _components);
        }
    }
}

using System.Text;
using System.Text.Json.Nodes;
using KvsEdge.Camera;
using KvsEdge.Common;
using Microsoft.Extensions.Configuration;
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
    private string _payload;
    private int _components;

    public HomeAssistantDiscoveryPublisher(
        MqttStatusPublisher publisher,
        IOptions<MqttOptions> mqtt,
        IOptions<DeviceOptions> device,
        IOptions<CameraOptions> camera,
        ILogger<HomeAssistantDiscoveryPublisher> logger,
        IOptions<Door.DoorOptions>? door = null,
        IConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(camera);
        _publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _deviceId = device.Value.Id;
        ConfigTopic = mqtt.Value.Discovery.ConfigTopic(device.Value);
        TopicFilter = mqtt.Value.Discovery.EffectiveBirthTopic;
        var discovery = HomeAssistantDiscovery.Build(
            new DiscoveryDevice(_deviceId, publisher.TopicPrefix, HomeAssistantDiscovery.CurrentVersion, camera.Value.Enabled,
                // Read as a setting: Status sits below the Vision feature that owns the section.
                VisionEnabled: bool.TryParse(configuration?["Vision:Enabled"], out bool vision) && vision)
            {
                // Door inputs (issue 14): entities for the inputs that are wired.
                DoorContact = door?.Value.Inputs?.Contact?.Pin is not null,
                Tamper = door?.Value.Inputs?.Tamper?.Pin is not null,
            });
        _components = discovery["cmps"]!.AsObject().Count;
        _payload = discovery.ToJsonString();
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
        lock (_extrasGate)
        {
            _publisher.PublishRetained(ConfigTopic, _payload);
            Log.DiscoveryPublished(_logger, _deviceId, ConfigTopic, _components);
        }
    }

    // Issue 14 extras (snapshot image, presence per person, board diagnostics): added to the payload the constructor
    // built, and rendered again when the people change.
    private readonly Lock _extrasGate = new();
    private string? _basePayload;

    /// <summary>The discovery payload as it is sent now.</summary>
    public string Payload
    {
        get
        {
            lock (_extrasGate)
            {
                return _payload;
            }
        }
    }

    /// <summary>
    /// Announces <paramref name="extras"/> in the one device message; call before start. When an access-rule reload
    /// changes the people, the payload is rendered and sent again (presence sensors appear or go).
    /// </summary>
    public void UseExtras(DiscoveryExtras extras)
    {
        ArgumentNullException.ThrowIfNull(extras);
        lock (_extrasGate)
        {
            _basePayload ??= _payload;
            RenderExtras(extras);
        }

        extras.Changed += (_, _) =>
        {
            lock (_extrasGate)
            {
                RenderExtras(extras);
            }

            Publish();
        };
    }

    private void RenderExtras(DiscoveryExtras extras)
    {
        var discovery = HomeAssistantDiscoveryExtras.With(JsonNode.Parse(_basePayload!)!.AsObject(), extras, _publisher.TopicPrefix, _deviceId);
        _components = discovery["cmps"]!.AsObject().Count;
        _payload = discovery.ToJsonString();
    }
}

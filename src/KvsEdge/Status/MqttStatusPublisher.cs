using KvsEdge.Access;
using KvsEdge.Common;
using KvsEdge.Door;
using MQTTnet.Protocol;
using MQTTnet;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Status;

/// <summary>
/// Publishes appliance status to MQTT (topics per DESIGN.md): topic rules and payloads. Connecting, queueing,
/// re-publishing and inbound dispatch are the shared <see cref="MqttBrokerConnection"/>'s; this service runs the default
/// connection and owns its presence (`availability`, the Last Will). Publish methods only enqueue.
/// </summary>
public sealed class MqttStatusPublisher : BackgroundService, IStatusPublisher
{
    private const string AvailabilitySubtopic = "availability";

    private readonly MqttOptions _options;
    private readonly ILogger _logger;
    private readonly MqttBrokerConnection _connection;
    private readonly string _eventsTopic;

    public MqttStatusPublisher(IOptions<MqttOptions> options, IOptions<DeviceOptions> device, TimeProvider timeProvider, ILogger<MqttStatusPublisher> logger)
        : this(options, device, timeProvider, logger, static () => [])
    {
    }

    /// <param name="inboundHandlers">
    /// Resolved on every connect, not here: a handler may itself depend on this publisher (Home Assistant's
    /// birth message re-sends discovery through it).
    /// </param>
    public MqttStatusPublisher(
        IOptions<MqttOptions> options,
        IOptions<DeviceOptions> device,
        TimeProvider timeProvider,
        ILogger<MqttStatusPublisher> logger,
        Func<IEnumerable<IMqttInboundHandler>> inboundHandlers)
        : this(CreateConnection(options, device, timeProvider, logger, inboundHandlers), device, logger)
    {
    }

    /// <summary>A publisher on <paramref name="connection"/> (the default one from DI); it runs that connection.</summary>
    public MqttStatusPublisher(MqttBrokerConnection connection, IOptions<DeviceOptions> device, ILogger<MqttStatusPublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(logger);
        _connection = connection;
        _options = connection.Options;
        _logger = logger;
        TopicPrefix = _options.EffectiveTopicPrefix(device.Value);
        AvailabilityTopic = TopicPrefix + "/" + AvailabilitySubtopic;
        _eventsTopic = TopicPrefix + "/events";
        connection.UsePresence(new MqttPresence(AvailabilityTopic, StatusPayloads.Online, StatusPayloads.Offline));
        connection.Connected += (_, _) => Log.Connected(_logger, _options.Host, _options.Port, TopicPrefix);
    }

    public string TopicPrefix { get; }

    /// <summary>`&lt;prefix&gt;/availability`: `online` while connected, `offline` on a clean stop and as the Last Will.</summary>
    public string AvailabilityTopic { get; }

    /// <summary>The connection this publisher runs; other users publish and subscribe through it.</summary>
    public MqttBrokerConnection Connection => _connection;

    /// <summary>True once `online` and the retained state went out on the current connection.</summary>
    public bool IsConnected => _connection.IsConnected;

    /// <summary>
    /// <see cref="TimeProvider.GetTimestamp"/> of the last connect attempt, connect or successful publish. An idle
    /// connection does not advance it, so a watchdog reads it together with <see cref="IsConnected"/> and
    /// <see cref="UnsentSinceTimestamp"/>.
    /// </summary>
    public long LastProgressTimestamp => _connection.LastProgressTimestamp;

    /// <summary>
    /// <see cref="TimeProvider.GetTimestamp"/> since when something queued has been waiting to be sent; 0 when the
    /// queue was drained. A connected sender that leaves a message waiting for long is stuck.
    /// </summary>
    public long UnsentSinceTimestamp => _connection.UnsentSinceTimestamp;

    /// <summary>Events dropped because the queue overflowed while the broker was unreachable.</summary>
    public long DroppedEvents => _connection.DroppedEvents;

    internal PublishQueue Queue => _connection.Queue;

    public void PublishDoor(DoorState state) => PublishState("door", StatusPayloads.Door(state));

    public void PublishRecognition(RecognitionStatus status) => PublishState("recognition", StatusPayloads.Recognition(status));

    public void PublishEvent(Decision decision) => EnqueueEvent(StatusPayloads.Event(decision));

    public void PublishDoorEvent(DoorEvent doorEvent) => EnqueueEvent(DoorInputPayloads.Event(doorEvent));

    private void EnqueueEvent(string payload)
    {
        if (!_options.Enabled)
        {
            Log.NotPublished(_logger, _eventsTopic, payload);
            return;
        }

        if (!_connection.Enqueue(new OutgoingMessage(_eventsTopic, payload, Retained: false)))
        {
            Log.EventDropped(_logger, Queue.Capacity, Queue.DroppedEvents);
        }
    }

    /// <summary>Sets the retained value of <c>&lt;prefix&gt;/&lt;subtopic&gt;</c> (latest wins; re-sent after every reconnect).</summary>
    public void PublishState(string subtopic, string payload)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subtopic);
        ArgumentNullException.ThrowIfNull(payload);
        if (subtopic.AsSpan().IndexOfAny('#', '+') >= 0 || subtopic.StartsWith('/') || subtopic == AvailabilitySubtopic)
        {
            throw new ArgumentException($"'{subtopic}' is not a usable state subtopic.", nameof(subtopic));
        }

        EnqueueRetained(TopicPrefix + "/" + subtopic, payload);
    }

    /// <summary>
    /// Sets a retained topic outside the prefix (Home Assistant discovery). Like state it is kept, sent again after
    /// every reconnect, and sent again when set again with the same value.
    /// </summary>
    public void PublishRetained(string topic, string payload)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentNullException.ThrowIfNull(payload);
        if (topic.AsSpan().IndexOfAny('#', '+') >= 0 || topic == AvailabilityTopic)
        {
            throw new ArgumentException($"'{topic}' is not a usable retained topic.", nameof(topic));
        }

        EnqueueRetained(topic, payload);
    }

    private void EnqueueRetained(string topic, string payload)
    {
        if (!_options.Enabled)
        {
            Log.NotPublished(_logger, topic, payload);
            return;
        }

        _connection.Enqueue(new OutgoingMessage(topic, payload, Retained: true));
    }

    /// <summary>MQTT filter rules: not empty; `+` fills a whole level; `#` only as the whole last level.</summary>
    internal static bool IsUsableFilter(string? filter) => MqttBrokerConnection.IsUsableFilter(filter);

    /// <summary>Test hook: drops the socket without DISCONNECT, as a crash or cable pull would.</summary>
    internal void SimulateConnectionLoss() => _connection.SimulateConnectionLoss();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            Log.Disabled(_logger);
            return;
        }

        // The connection warns about a plaintext password (Mqtt:AllowPlaintextPassword) as it starts.
        await _connection.RunAsync(stoppingToken).ConfigureAwait(false);
    }

    /// <summary>The default connection (`Mqtt:*`), logging under this publisher's category as before the extraction.</summary>
    internal static MqttBrokerConnection CreateConnection(
        IOptions<MqttOptions> options,
        IOptions<DeviceOptions> device,
        TimeProvider timeProvider,
        ILogger<MqttStatusPublisher> logger,
        Func<IEnumerable<IMqttInboundHandler>> inboundHandlers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(inboundHandlers);
        MqttOptions value = options.Value;
        return new MqttBrokerConnection(MqttBrokerConnection.DefaultName, value, value.EffectiveClientId(device.Value), timeProvider, logger, inboundHandlers);
    }
}

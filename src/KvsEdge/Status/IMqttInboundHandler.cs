namespace KvsEdge.Status;

/// <summary>One message the broker delivered on a subscribed topic.</summary>
/// <param name="Retain">True when the broker replayed a retained message on subscribe (commands must ignore those).</param>
public sealed record MqttInboundMessage(string Topic, ReadOnlyMemory<byte> Payload, bool Retain);

/// <summary>
/// Something that listens on MQTT (Home Assistant's birth message, the optional trigger command). The status publisher
/// subscribes every registered handler's <see cref="TopicFilter"/> on each (re)connect and hands it the matching
/// messages; a handler that throws is logged and never ends the connection.
/// </summary>
public interface IMqttInboundHandler
{
    /// <summary>An absolute MQTT topic filter (wildcards allowed), e.g. `homeassistant/status`.</summary>
    string TopicFilter { get; }

    ValueTask HandleAsync(MqttInboundMessage message, CancellationToken cancellationToken);
}

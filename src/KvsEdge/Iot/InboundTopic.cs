using KvsEdge.Status;

namespace KvsEdge.Iot;

/// <summary>A handler on one exact topic (no wildcards), for <see cref="MqttBrokerConnection.Subscribe"/>.</summary>
internal sealed class InboundTopic(string topic, Func<MqttInboundMessage, CancellationToken, ValueTask> handle) : IMqttInboundHandler
{
    public string TopicFilter => topic;

    public ValueTask HandleAsync(MqttInboundMessage message, CancellationToken cancellationToken) => handle(message, cancellationToken);
}

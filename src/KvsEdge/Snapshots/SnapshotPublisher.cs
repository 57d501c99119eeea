using KvsEdge.Status;
using MQTTnet.Protocol;

namespace KvsEdge.Snapshots;

/// <summary>
/// The latest decision snapshot as raw JPEG bytes on the retained `&lt;prefix&gt;/snapshot` topic (Home Assistant's
/// `image` entity reads it), through the shared MQTT connection: coalesced, so only the newest waits while offline.
/// </summary>
public sealed class SnapshotPublisher : IDisposable
{
    public const string Subtopic = HomeAssistantDiscoveryExtras.SnapshotSubtopic;

    private readonly SnapshotWriter _writer;
    private readonly MqttBrokerConnection _connection;

    public SnapshotPublisher(SnapshotWriter writer, MqttBrokerConnection connection, string topicPrefix)
    {
        _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        Topic = topicPrefix + "/" + Subtopic;
        _writer.Written += OnWritten;
    }

    public string Topic { get; }

    public void Dispose() => _writer.Written -= OnWritten;

    private void OnWritten(object? sender, SnapshotWritten written) =>
        _connection.Publish(Topic, written.Jpeg, MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
}

using System.Net.Security;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Status;

/// <summary>
/// Status logging. Event ids 1300-1399 and event names are frozen: dashboards and alerts key on them.
/// Nothing here takes a password or key material.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1300, LogLevel.Information, "MQTT disabled (Mqtt:Enabled=false): status is only logged", EventName = "MqttDisabled")]
    public static partial void Disabled(ILogger logger);

    [LoggerMessage(1315, LogLevel.Warning, "Mqtt:AllowPlaintextPassword is true: the MQTT password is sent to {Host} without TLS, readable by anyone on the network path; enable Mqtt:Tls", EventName = "MqttPlaintextPassword")]
    public static partial void PlaintextPassword(ILogger logger, string host);

    [LoggerMessage(1301, LogLevel.Debug, "Connecting to MQTT broker {Host}:{Port} as {ClientId} (TLS {Tls})", EventName = "MqttConnecting")]
    public static partial void Connecting(ILogger logger, string host, int port, string clientId, bool tls);

    [LoggerMessage(1302, LogLevel.Information, "Connected to MQTT broker {Host}:{Port}; topics under {TopicPrefix}", EventName = "MqttConnected")]
    public static partial void Connected(ILogger logger, string host, int port, string topicPrefix);

    [LoggerMessage(1303, LogLevel.Warning, "MQTT connection to {Host}:{Port} failed; retrying in {Delay}", EventName = "MqttConnectFailed")]
    public static partial void ConnectFailed(ILogger logger, Exception exception, string host, int port, TimeSpan delay);

    [LoggerMessage(1304, LogLevel.Warning, "MQTT connection lost ({Reason}); retrying in {Delay}", EventName = "MqttConnectionLost")]
    public static partial void ConnectionLost(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(1305, LogLevel.Warning, "MQTT publish to {Topic} failed; the message is kept for the next connection", EventName = "MqttPublishFailed")]
    public static partial void PublishFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(1306, LogLevel.Error, "MQTT broker rejected the publish to {Topic} ({ReasonCode}); message dropped", EventName = "MqttPublishRejected")]
    public static partial void PublishRejected(ILogger logger, string topic, string reasonCode);

    [LoggerMessage(1307, LogLevel.Warning, "MQTT event queue full ({Capacity}): oldest event dropped, {Dropped} dropped so far", EventName = "MqttEventDropped")]
    public static partial void EventDropped(ILogger logger, int capacity, long dropped);

    [LoggerMessage(1308, LogLevel.Debug, "MQTT disabled, not published: {Topic} {Payload}", EventName = "MqttNotPublished")]
    public static partial void NotPublished(ILogger logger, string topic, string payload);

    [LoggerMessage(1309, LogLevel.Information, "MQTT publisher stopped: published offline and disconnected", EventName = "MqttStopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(1310, LogLevel.Warning, "MQTT clean stop did not complete; the broker will publish the Last Will", EventName = "MqttStopFailed")]
    public static partial void StopFailed(ILogger logger, Exception exception);

    [LoggerMessage(1311, LogLevel.Error, "MQTT broker certificate {Subject} rejected: {Errors}", EventName = "MqttBrokerCertificateRejected")]
    public static partial void BrokerCertificateRejected(ILogger logger, string subject, SslPolicyErrors errors);

    [LoggerMessage(1312, LogLevel.Debug, "MQTT re-published {Count} retained state topics", EventName = "MqttStateRepublished")]
    public static partial void StateRepublished(ILogger logger, int count);

    [LoggerMessage(1313, LogLevel.Information, "Embedded MQTT broker listening on 127.0.0.1:{Port}", EventName = "EmbeddedBrokerStarted")]
    public static partial void EmbeddedBrokerStarted(ILogger logger, int port);

    [LoggerMessage(1314, LogLevel.Information, "Embedded MQTT broker stopped", EventName = "EmbeddedBrokerStopped")]
    public static partial void EmbeddedBrokerStopped(ILogger logger);

    [LoggerMessage(1316, LogLevel.Error, "A connected handler of MQTT connection {Connection} failed; the connection goes on", EventName = "MqttConnectedHandlerFailed")]
    public static partial void ConnectedHandlerFailed(ILogger logger, Exception exception, string connection);

    [LoggerMessage(1320, LogLevel.Debug, "Subscribed to {TopicFilter}", EventName = "MqttSubscribed")]
    public static partial void Subscribed(ILogger logger, string topicFilter);

    [LoggerMessage(1321, LogLevel.Error, "MQTT broker refused the subscription to {TopicFilter} ({ReasonCode}); messages there are not received", EventName = "MqttSubscribeRefused")]
    public static partial void SubscribeRefused(ILogger logger, string topicFilter, string reasonCode);

    [LoggerMessage(1322, LogLevel.Error, "MQTT handler {Handler} failed on a message to {Topic}; the connection goes on", EventName = "MqttInboundHandlerFailed")]
    public static partial void InboundHandlerFailed(ILogger logger, Exception exception, string handler, string topic);

    [LoggerMessage(1323, LogLevel.Warning, "MQTT message to {Topic} dropped: {Capacity} inbound messages already wait for their handlers", EventName = "MqttInboundDropped")]
    public static partial void InboundDropped(ILogger logger, string topic, int capacity);

    [LoggerMessage(1324, LogLevel.Error, "MQTT handler {Handler} has an unusable topic filter '{TopicFilter}'; it receives nothing", EventName = "MqttInboundFilterInvalid")]
    public static partial void InboundFilterInvalid(ILogger logger, string handler, string topicFilter);

    [LoggerMessage(1330, LogLevel.Information, "Home Assistant discovery for {DeviceId} on {Topic} ({Components} entities)", EventName = "HomeAssistantDiscoveryPublished")]
    public static partial void DiscoveryPublished(ILogger logger, string deviceId, string topic, int components);

    [LoggerMessage(1331, LogLevel.Information, "Home Assistant came online ({Topic}): discovery sent again", EventName = "HomeAssistantBirth")]
    public static partial void HomeAssistantBirth(ILogger logger, string topic);

    [LoggerMessage(1332, LogLevel.Debug, "Ignored {Payload} on {Topic} (retained: {Retained})", EventName = "HomeAssistantStatusIgnored")]
    public static partial void HomeAssistantStatusIgnored(ILogger logger, string topic, string payload, bool retained);
}

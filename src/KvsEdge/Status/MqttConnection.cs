using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace KvsEdge.Status;

/// <summary>
/// How every KvsEdge MQTT client connects (<see cref="MqttBrokerConnection"/>, `kvsedge ha remove`): one set of options,
/// one bounded connect and publish.
/// </summary>
internal static class MqttConnection
{
    /// <summary>Broker, client id, clean session, keep-alive, credentials and TLS from the `Mqtt` section.</summary>
    public static MqttClientOptionsBuilder CreateOptionsBuilder(MqttOptions options, string clientId, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(clientId)
            // Our queue is the session; a persistent broker session would only replay duplicates.
            .WithCleanSession(true)
            .WithKeepAlivePeriod(options.KeepAlive)
            .WithTimeout(options.ConnectTimeout)
            // AWS IoT Core closes connections on fragmented packets; status messages are small anyway.
            .WithoutPacketFragmentation();

        if (!string.IsNullOrEmpty(options.Username))
        {
            builder.WithCredentials(options.Username, options.Password);
        }

        if (options.Tls.Enabled)
        {
            builder.WithTlsOptions(MqttTls.Build(options.Tls, options.Host, logger));
        }

        return builder;
    }

    /// <summary>Connects within <paramref name="timeout"/>.</summary>
    public static async Task ConnectAsync(IMqttClient client, MqttClientOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Network timeouts are wall-clock on purpose: the TimeProvider paces retries, not sockets.
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        await client.ConnectAsync(options, bound.Token).ConfigureAwait(false);
    }

    /// <summary>Publishes at QoS 1 within <paramref name="timeout"/>; the result says whether the broker accepted it.</summary>
    public static Task<MqttClientPublishResult> PublishAsync(
        IMqttClient client, string topic, string payload, bool retain, TimeSpan timeout, CancellationToken cancellationToken) =>
        PublishAsync(client, new OutgoingMessage(topic, payload, retain), timeout, cancellationToken);

    /// <summary>Publishes text or bytes at the message's QoS within <paramref name="timeout"/>.</summary>
    public static async Task<MqttClientPublishResult> PublishAsync(
        IMqttClient client, OutgoingMessage outgoing, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(outgoing);
        MqttApplicationMessageBuilder builder = new MqttApplicationMessageBuilder()
            .WithTopic(outgoing.Topic)
            .WithRetainFlag(outgoing.Retained)
            .WithQualityOfServiceLevel(outgoing.QualityOfService);
        MqttApplicationMessage message = (outgoing.Body is { } body ? builder.WithPayload(body) : builder.WithPayload(outgoing.Payload)).Build();

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        return await client.PublishAsync(message, bound.Token).ConfigureAwait(false);
    }
}

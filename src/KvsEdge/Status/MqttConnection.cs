using Microsoft.Extensions.Logging;
using MQTTnet;

namespace KvsEdge.Status;

/// <summary>How every KvsEdge MQTT client connects (the status publisher, `kvsedge ha remove`): one set of options.</summary>
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
}

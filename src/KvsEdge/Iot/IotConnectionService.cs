using KvsEdge.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Iot;

/// <summary>Runs the IoT Core connection for the life of the host (connect, reconnect with backoff, clean stop).</summary>
public sealed class IotConnectionService(MqttBrokerConnection connection, ILogger<IotConnectionService> logger) : BackgroundService
{
    public MqttBrokerConnection Connection => connection;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        connection.Connected += (_, _) => Log.Connected(logger, connection.Options.Host, connection.Options.Port, connection.Options.ClientId ?? "");
        return connection.RunAsync(stoppingToken);
    }
}

using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace KvsEdge.Status;

/// <summary>
/// An in-process MQTT broker on 127.0.0.1 for `kvsedge demo` when no broker is configured. Loopback only: it has no
/// authentication and must never be reachable from the network.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly ILogger _logger;

    private EmbeddedBroker(MqttServer server, int port, ILogger logger)
    {
        _server = server;
        Port = port;
        _logger = logger;
    }

    public string Host { get; } = "127.0.0.1";

    /// <summary>The underlying server, for tests that watch connections.</summary>
    internal MqttServer Server => _server;

    /// <summary>The port actually listened on (the OS-chosen one when 0 was asked for).</summary>
    public int Port { get; }

    /// <param name="port">0 lets the OS pick a free port.</param>
    public static async Task<EmbeddedBroker> StartAsync(int port, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        logger ??= NullLogger.Instance;

        // MqttServer does not report its bound port, so an OS-chosen port is reserved first and released just before
        // the server binds it (the short race is acceptable for a demo).
        int actualPort = port == 0 ? FreeLoopbackPort() : port;
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(actualPort)
            .Build();
        MqttServer server = new MqttServerFactory().CreateMqttServer(options);
        server.ValidatingConnectionAsync += AssignClientIdentifier;
        try
        {
            await server.StartAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            server.Dispose();
            throw;
        }

        Log.EmbeddedBrokerStarted(logger, actualPort);
        return new EmbeddedBroker(server, actualPort, logger);
    }

    /// <summary>
    /// MQTT 3.1.1 (3.1.3-6) and 5 let a client with a clean session send an empty client id and have the server assign
    /// one; `mosquitto_sub` does exactly that. MQTTnet applies <see cref="ValidatingConnectionEventArgs.AssignedClientIdentifier"/>
    /// for MQTT 5 only and refuses 3.1.1 ("identifier rejected"), so for 3.1.1 the id is written into the CONNECT packet.
    /// </summary>
    private static Task AssignClientIdentifier(ValidatingConnectionEventArgs e)
    {
        if (!string.IsNullOrEmpty(e.ClientId))
        {
            return Task.CompletedTask;
        }

        if (e.CleanSession == false)
        {
            // A session to resume needs a name (3.1.1: 3.1.3-8): refuse it as the specification says.
            e.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
            return Task.CompletedTask;
        }

        string assigned = $"kvsedge-demo-{Guid.NewGuid():N}";
        e.AssignedClientIdentifier = assigned; // MQTT 5: also sent back in CONNACK
        if (e.ProtocolVersion != MqttProtocolVersion.V500)
        {
            // No public way for 3.1.1; a MQTTnet update that renames the field fails the demo's mosquitto_sub test.
            ConnectPacket(e).ClientId = assigned;
        }

        return Task.CompletedTask;
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_connectPacket")]
    private static extern ref MqttConnectPacket ConnectPacket(ValidatingConnectionEventArgs e);

    internal static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _server.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _server.Dispose();
            Log.EmbeddedBrokerStopped(_logger);
        }
    }
}

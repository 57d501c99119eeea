using KvsEdge.Common;
using KvsEdge.Status;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.TestSupport;

/// <summary>Status publishers for tests: short, fixed timings so backoff waits are small steps of a fake clock.</summary>
public static class TestPublishers
{
    public static MqttOptions Options(string host, int port, MqttTlsOptions? tls = null, MqttDiscoveryOptions? discovery = null) => new()
    {
        Host = host,
        Port = port,
        ReconnectMinDelay = TimeSpan.FromSeconds(1),
        ReconnectMaxDelay = TimeSpan.FromSeconds(4),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        Tls = tls ?? new MqttTlsOptions(),
        Discovery = discovery ?? new MqttDiscoveryOptions(),
    };

    public static MqttStatusPublisher Create(
        MqttOptions options,
        string deviceId,
        TimeProvider time,
        ILogger<MqttStatusPublisher>? logger = null,
        Func<IEnumerable<IMqttInboundHandler>>? handlers = null) => new(
        Microsoft.Extensions.Options.Options.Create(options),
        Microsoft.Extensions.Options.Options.Create(new DeviceOptions { Id = deviceId }),
        time,
        logger ?? NullLogger<MqttStatusPublisher>.Instance,
        handlers ?? (static () => []));
}

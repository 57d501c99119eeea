using System.Text;
using KvsEdge.Common;
using KvsEdge.Status;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Triggers;

/// <summary>
/// The MQTT `trigger` command: any message on `&lt;prefix&gt;/trigger` asks the image-API source to look now. It
/// never unlocks anything by itself (the face still has to pass the policy). Retained messages are ignored: a
/// stale command replayed on every reconnect must not spend the budget. Registered only when enabled, and the
/// options validator refuses to enable it without broker credentials.
/// </summary>
public sealed partial class MqttTriggerHandler : IMqttInboundHandler
{
    /// <summary>Longest payload kept as the trigger's detail; anything longer is cut (it is only for the log).</summary>
    public const int MaxDetailLength = 64;

    private readonly TriggerChannel _triggers;
    private readonly ILogger<MqttTriggerHandler> _logger;

    public MqttTriggerHandler(
        IOptions<TriggerOptions> options,
        IOptions<MqttOptions> mqtt,
        IOptions<DeviceOptions> device,
        TriggerChannel triggers,
        ILogger<MqttTriggerHandler> logger)
    {
        TopicFilter = mqtt.Value.EffectiveTopicPrefix(device.Value) + "/" + options.Value.Mqtt.Topic;
        _triggers = triggers;
        _logger = logger;
    }

    public string TopicFilter { get; }

    public ValueTask HandleAsync(MqttInboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Retain)
        {
            Log.RetainedIgnored(_logger, message.Topic);
            return ValueTask.CompletedTask;
        }

        if (!string.Equals(message.Topic, TopicFilter, StringComparison.Ordinal))
        {
            return ValueTask.CompletedTask;
        }

        ReadOnlySpan<byte> payload = message.Payload.Span;
        string detail = Encoding.UTF8.GetString(payload[..Math.Min(payload.Length, MaxDetailLength)]);
        _triggers.Fire(TriggerKinds.Mqtt, detail.Length == 0 ? null : detail, TriggerKinds.Mqtt + ":" + TopicFilter, evidence: null);
        return ValueTask.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1702, EventName = "MqttTriggerRetainedIgnored", Level = LogLevel.Warning,
            Message = "Ignoring a retained trigger command on {Topic}: clear it with an empty retained message")]
        public static partial void RetainedIgnored(ILogger logger, string topic);
    }
}

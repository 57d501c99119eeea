using KvsEdge.Systemd;
using Microsoft.Extensions.Options;

namespace KvsEdge.Status;

/// <summary>
/// MQTT makes progress when its connection loop acts: connecting, reconnecting on schedule, or publishing. A
/// connected, idle publisher with nothing waiting is healthy however long it idles; a connected one that leaves a
/// message unsent past the bound is stuck. MQTT off (`Mqtt:Enabled=false`) does not count.
/// </summary>
public sealed class MqttLoopProgress : ILoopProgress
{
    private readonly MqttStatusPublisher _publisher;
    private readonly TimeProvider _time;

    public MqttLoopProgress(MqttStatusPublisher publisher, IOptions<MqttOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        // One failed attempt (bounded by ConnectTimeout) plus the longest backoff separate two attempts.
        StallAfter = options.Value.ReconnectMaxDelay + options.Value.ConnectTimeout + SystemdNotifier.Grace;
    }

    public string Name => "mqtt";

    public bool IsActive => _publisher.ExecuteTask is { IsCompleted: false };

    public long LastProgressTimestamp =>
        Progress(_publisher.IsConnected, _publisher.LastProgressTimestamp, _publisher.UnsentSinceTimestamp, _time.GetTimestamp());

    public TimeSpan StallAfter { get; }

    /// <summary>
    /// Disconnected: the last attempt or publish. Connected with nothing waiting: now (idle is healthy). Connected
    /// with something waiting: the later of the last publish and when the wait began.
    /// </summary>
    internal static long Progress(bool connected, long lastProgress, long unsentSince, long now) =>
        !connected ? lastProgress : unsentSince == 0 ? now : Math.Max(lastProgress, unsentSince);
}

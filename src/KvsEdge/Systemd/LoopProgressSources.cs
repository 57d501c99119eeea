using KvsEdge.Camera;
using KvsEdge.Door;
using KvsEdge.Recognition;
using KvsEdge.Status;
using Microsoft.Extensions.Options;

namespace KvsEdge.Systemd;

/// <summary>
/// Recognition makes progress when its source polls, delivers a record or retries on schedule (every
/// RecognitionStatusReporter update). A source that reported `stopped` (or has not started) does not count.
/// </summary>
public sealed class RecognitionLoopProgress : ILoopProgress
{
    private readonly RecognitionStatusReporter _reporter;

    public RecognitionLoopProgress(RecognitionStatusReporter reporter, IOptions<RecognitionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _reporter = reporter ?? throw new ArgumentNullException(nameof(reporter));
        StallAfter = LongestQuiet(options.Value) + SystemdNotifier.Grace;
    }

    public string Name => "recognition";

    public bool IsActive => _reporter.Current is { } current && current.State != "stopped";

    public long LastProgressTimestamp => _reporter.LastProgressTimestamp;

    public TimeSpan StallAfter { get; }

    /// <summary>
    /// The longest wait of a healthy source between two updates. With several sources (`kinesis,image-api`) the
    /// reporter's stamp is the least recent of them, so the bound is the longest of their rules.
    /// </summary>
    internal static TimeSpan LongestQuiet(RecognitionOptions options) => options.Sources.Select(source => LongestQuiet(options, source)).Max();

    // Each source declares its own bound; a name no source registered (refused at start anyway) gets two minutes.
    private static TimeSpan LongestQuiet(RecognitionOptions options, string source) =>
        RecognitionSourceCatalog.Find(source)?.LongestQuiet(options) ?? TimeSpan.FromMinutes(2);
}

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

/// <summary>
/// The camera supervisor makes progress on every turn of its loop (each second while a pipeline plays, each restart).
/// A camera that is off, or off because GStreamer is missing, does not count.
/// </summary>
public sealed class CameraLoopProgress : ILoopProgress
{
    private readonly PipelineSupervisor _supervisor;

    public CameraLoopProgress(PipelineSupervisor supervisor, IOptions<CameraOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _supervisor = supervisor ?? throw new ArgumentNullException(nameof(supervisor));
        // The longest restart delay, a stall to be noticed, and a pipeline's start or end-of-stream.
        StallAfter = options.Value.RestartMaxDelay + options.Value.StallTimeout + TimeSpan.FromSeconds(10) + SystemdNotifier.Grace;
    }

    public string Name => "camera";

    public bool IsActive => _supervisor.ExecuteTask is { IsCompleted: false };

    public long LastProgressTimestamp => _supervisor.LastProgressTimestamp;

    public TimeSpan StallAfter { get; }
}

/// <summary>
/// The door is healthy while its relay is confirmed inactive, or active for no longer than a pulse may last. A relay
/// not read back inactive within Door:MaxPulseDuration + <see cref="Margin"/> (a relock that keeps failing) stops the
/// keep-alive: systemd kills the service and its ExecStopPost (`door lock`) drives the strike from a fresh process.
/// </summary>
public sealed class DoorLoopProgress(DoorController door, TimeProvider time) : ILoopProgress
{
    /// <summary>A few seconds for the relock retries; not the 30 s grace of the other loops: the strike may be held open.</summary>
    public static TimeSpan Margin { get; } = TimeSpan.FromSeconds(5);

    private readonly DoorController _door = door ?? throw new ArgumentNullException(nameof(door));
    private readonly TimeProvider _time = time ?? throw new ArgumentNullException(nameof(time));

    public string Name => "door";

    public bool IsActive => _door.IsRunning;

    public long LastProgressTimestamp => Progress(_door.RelayUnconfirmedSinceTimestamp, _time.GetTimestamp());

    public TimeSpan StallAfter => _door.MaxPulseDuration + Margin;

    /// <summary>Confirmed inactive: now. Otherwise: when the relay was last driven active or failed to lock.</summary>
    internal static long Progress(long unconfirmedSince, long now) => unconfirmedSince == 0 ? now : unconfirmedSince;
}

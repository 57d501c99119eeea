using KvsEdge.Systemd;
using Microsoft.Extensions.Options;

namespace KvsEdge.Camera;

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

using KvsEdge.Gstreamer;

namespace KvsEdge.Camera;

/// <summary>One JPEG frame from the camera's low-rate tap.</summary>
public sealed record JpegFrame(byte[] Data, int Width, int Height, DateTimeOffset CapturedAt);

/// <summary>
/// The newest JPEG of the running pipeline, on demand. The appsink keeps one frame (drop=true, max-buffers=1), so
/// nothing is copied into managed memory until someone asks; the supervisor attaches and detaches the sink as
/// pipelines come and go, and detaching waits for a pull in flight so a sink is never used after disposal.
/// </summary>
public sealed class FrameTap : IDisposable
{
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AppSink? _sink;

    public FrameTap(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>True while a pipeline with a tap is running.</summary>
    public bool IsAttached => Volatile.Read(ref _sink) is not null;

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the next frame of the running pipeline; null when no pipeline
    /// runs or none came in time. Capture time is when the frame was taken off the sink.
    /// </summary>
    public async Task<JpegFrame?> TryGetFrameAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_sink is not { } sink)
            {
                return null;
            }

            // The pull blocks a thread for at most the timeout; keep it off the caller's.
            using Sample? sample = await Task.Run(() => sink.TryPullSample(timeout), cancellationToken).ConfigureAwait(false);
            return sample is null ? null : new JpegFrame(sample.ToArray(), sample.Width ?? 0, sample.Height ?? 0, _time.GetUtcNow());
        }
        finally
        {
            _gate.Release();
        }
    }

    internal void Attach(AppSink sink)
    {
        _gate.Wait();
        try
        {
            _sink = sink;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets the sink once no pull is using it; the caller then disposes the pipeline.</summary>
    internal void Detach()
    {
        _gate.Wait();
        try
        {
            _sink = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}

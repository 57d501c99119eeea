using System.Diagnostics;
using KvsEdge.Gstreamer;

namespace KvsEdge.Camera;

/// <summary>One JPEG frame from the camera's low-rate tap.</summary>
/// <param name="CapturedAt">When the frame reached the tap (never later than that): the frame time the access policy ages.</param>
public sealed record JpegFrame(byte[] Data, int Width, int Height, DateTimeOffset CapturedAt);

/// <summary>The newest JPEG of the camera, on demand (the frame tap; tests give synthetic frames).</summary>
public interface IJpegFrameSource
{
    /// <summary>
    /// The newest frame captured after <paramref name="after"/> (any frame when null), waiting up to
    /// <paramref name="timeout"/> for one; null when there is none.
    /// </summary>
    Task<JpegFrame?> TryGetFrameAsync(JpegFrame? after, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>
/// The newest JPEG of the running pipeline, on demand. The appsink keeps one frame (drop=true, max-buffers=1), so
/// nothing is copied into managed memory until someone asks; the supervisor attaches and detaches the sink as
/// pipelines come and go, and detaching waits for a pull in flight so a sink is never used after disposal.
/// </summary>
/// <remarks>
/// Capture time is when the frame entered the appsink (a pad probe stamps every arrival), not when it was pulled:
/// a camera that stalls leaves its last frame in the sink, and that frame must age like any other so a stale image
/// can never unlock the door. When a new frame arrived during the pull, the older stamp is used (never too young).
/// </remarks>
public sealed class FrameTap : IJpegFrameSource, IFrameBranchConsumer, IDisposable
{
    /// <summary>
    /// The last frame handed out is handed out again (to a new search) while it is at most this old: the appsink gives a
    /// frame only once, and waiting for the next one at a 2 fps tap would add up to half a second to every trigger.
    /// </summary>
    public static readonly TimeSpan ReuseLimit = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;
    private readonly AppSinkSlot _slot = new();
    private BufferCounter? _arrivals;
    private JpegFrame? _last;

    public FrameTap(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>True while a pipeline with a tap is running.</summary>
    public bool IsAttached => _slot.IsAttached;

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the next frame of the running pipeline; null when no pipeline
    /// runs or none came in time.
    /// </summary>
    public Task<JpegFrame?> TryGetFrameAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        PullAsync(timeout, cancellationToken);

    public async Task<JpegFrame?> TryGetFrameAsync(JpegFrame? after, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // A frame that arrived since the last pull is the newest there is.
        if (await PullAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false) is { } fresh)
        {
            return fresh;
        }

        JpegFrame? last = Volatile.Read(ref _last);
        if (last is not null && !ReferenceEquals(last, after) && (after is null || last.CapturedAt > after.CapturedAt)
            && _time.GetUtcNow() - last.CapturedAt <= ReuseLimit)
        {
            return last;
        }

        return await PullAsync(timeout, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JpegFrame?> PullAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        BufferCounter? arrivals = Volatile.Read(ref _arrivals);
        long pullStarted = Stopwatch.GetTimestamp();
        long buffersBefore = arrivals?.Buffers ?? 0;
        long arrivedBefore = arrivals?.LastBufferTimestamp ?? 0;
        JpegFrame? frame = await _slot.TryPullAsync(timeout, sample =>
        {
            // No arrival before the pull: the frame came during it, so it is no older than the pull's start.
            long arrived = arrivedBefore != 0 ? arrivedBefore : pullStarted;
            if (arrivals is null)
            {
                arrived = pullStarted;
            }
            else if (arrivals.Buffers == buffersBefore && arrivals.LastBufferTimestamp != 0)
            {
                arrived = arrivals.LastBufferTimestamp; // nothing new arrived: the pulled frame is the last arrival
            }

            DateTimeOffset capturedAt = _time.GetUtcNow() - Stopwatch.GetElapsedTime(arrived);
            return new JpegFrame(sample.ToArray(), sample.Width ?? 0, sample.Height ?? 0, capturedAt);
        }, cancellationToken).ConfigureAwait(false);
        if (frame is not null)
        {
            Volatile.Write(ref _last, frame);
        }

        return frame;
    }

    /// <param name="arrivals">A buffer probe on the appsink's sink pad: when each frame arrived.</param>
    internal void Attach(AppSink sink, BufferCounter? arrivals = null)
    {
        Volatile.Write(ref _arrivals, arrivals);
        _slot.Attach(sink);
    }

    void IFrameBranchConsumer.Attach(AppSink sink, BufferCounter arrivals) => Attach(sink, arrivals);

    /// <summary>Forgets the sink once no pull is using it; the caller then disposes the pipeline.</summary>
    public void Detach()
    {
        _slot.Detach();
        Volatile.Write(ref _arrivals, null);
        Volatile.Write(ref _last, null); // a new pipeline's frames only
    }

    public void Dispose() => _slot.Dispose();
}

/// <summary>
/// One appsink of the running pipeline, pulled on demand by one caller at a time. Attach and detach wait for a pull in
/// flight, so the sink is never used after the supervisor disposed the pipeline.
/// </summary>
internal sealed class AppSinkSlot : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AppSink? _sink;

    public bool IsAttached => Volatile.Read(ref _sink) is not null;

    /// <summary>Pulls the next sample (waiting up to the timeout) and reads it while the sink is still attached.</summary>
    public async Task<T?> TryPullAsync<T>(TimeSpan timeout, Func<Sample, T?> read, CancellationToken cancellationToken)
        where T : class
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
            return sample is null ? null : read(sample);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Attach(AppSink sink)
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

    public void Detach()
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

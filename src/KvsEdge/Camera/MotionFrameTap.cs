using KvsEdge.Gstreamer;

namespace KvsEdge.Camera;

/// <summary>One small grayscale frame (GRAY8, one byte per pixel, rows <see cref="Stride"/> bytes apart).</summary>
public sealed record GrayFrame(byte[] Pixels, int Width, int Height, int Stride);

/// <summary>Small grayscale frames for motion detection (the second tap; tests give synthetic frames).</summary>
public interface IGrayFrameSource
{
    /// <summary>The next frame, waiting up to <paramref name="timeout"/>; null when none came or no pipeline runs.</summary>
    Task<GrayFrame?> TryGetFrameAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>
/// The motion tap: a second appsink fed GRAY8 frames of `Triggers:Motion` size and rate (managed code cannot decode
/// the JPEG tap cheaply). Present in the pipeline only when the supervisor is given a <see cref="MotionTapRequest"/>.
/// </summary>
public sealed class MotionFrameTap : IGrayFrameSource, IFrameBranchConsumer, IDisposable
{
    private readonly AppSinkSlot _slot = new();

    public MotionFrameTap(MotionTapRequest request)
    {
        Request = request;
        Registration = new FrameBranchRegistration(FrameBranch.Motion(request), this);
    }

    /// <summary>The GRAY8 branch and this tap as its consumer: what Triggers registers with the camera.</summary>
    public FrameBranchRegistration Registration { get; }

    /// <summary>Size and rate of the frames the pipeline must deliver.</summary>
    public MotionTapRequest Request { get; }

    public bool IsAttached => _slot.IsAttached;

    public Task<GrayFrame?> TryGetFrameAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _slot.TryPullAsync(timeout, sample =>
        {
            int width = sample.Width ?? Request.Width;
            int height = sample.Height ?? Request.Height;
            byte[] pixels = sample.ToArray();
            // GStreamer pads GRAY8 rows to 4 bytes (the caps say so; the buffer size agrees when caps are missing).
            int stride = sample.Stride ?? (height > 0 ? pixels.Length / height : width);
            return stride < width ? null : new GrayFrame(pixels, width, height, stride);
        }, cancellationToken);

    internal void Attach(AppSink sink) => _slot.Attach(sink);

    void IFrameBranchConsumer.Attach(AppSink sink, BufferCounter arrivals) => _slot.Attach(sink);

    public void Detach() => _slot.Detach();

    public void Dispose() => _slot.Dispose();
}

/// <summary>What the motion tap needs from the pipeline.</summary>
public sealed record MotionTapRequest(int Width, int Height, int Rate);

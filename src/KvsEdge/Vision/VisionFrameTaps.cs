using System.Diagnostics;
using KvsEdge.Camera;
using KvsEdge.Gstreamer;

namespace KvsEdge.Vision;

/// <summary>One detector input frame (RGB24, letterboxed to the model's input).</summary>
/// <param name="Pts">The buffer's running time: the full-resolution frame of the same moment has the same one.</param>
/// <param name="CapturedAt">When it reached the appsink (never later).</param>
public sealed record DetectionFrame(byte[] Pixels, int Width, int Height, int Stride, TimeSpan? Pts, DateTimeOffset CapturedAt);

/// <summary>The two vision branches as the loop sees them (tests give synthetic frames).</summary>
public interface IVisionFrameSource
{
    /// <summary>The next detector frame, waiting up to <paramref name="timeout"/>; null when none came or no pipeline runs.</summary>
    Task<DetectionFrame?> NextDetectionFrameAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>The full-resolution frame of the same moment as <paramref name="detection"/> (or the next one), or null.</summary>
    Task<RawFrame?> FullFrameAsync(DetectionFrame detection, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>
/// Two registered branches off the camera: `detect`, RGB at the model's input size (letterboxed), and `vision-full`,
/// I420 at the camera's size, both at `Vision:Rate`. The full frame is the source of the crops (a face of 80 px in a
/// 1280×720 frame would be 14 px in a 128×128 input); I420 is half the bytes of RGB and what the camera already gives,
/// so videoconvert passes it through. It is copied to managed memory only when the detector found a face.
/// </summary>
public sealed class VisionFrameTaps : IVisionFrameSource, IDisposable
{
    public const string DetectName = "detect";
    public const string FullName = "vision-full";

    private readonly TimeProvider _time;
    private readonly Branch _detect = new();
    private readonly Branch _full = new();

    /// <param name="rate">`Vision:Rate`; the branches run at <see cref="BranchRate"/> of it and the camera's frame rate.</param>
    public VisionFrameTaps(int inputWidth, int inputHeight, int cameraWidth, int cameraHeight, int rate, int cameraFramerate, TimeProvider time)
    {
        _time = time;
        int branchRate = BranchRate(rate, cameraFramerate);
        Detect = new FrameBranchRegistration(
            new FrameBranch(DetectName, "RGB", inputWidth, inputHeight, branchRate, "Vision:Enabled") { Letterbox = true }, _detect);
        Full = new FrameBranchRegistration(new FrameBranch(FullName, "I420", cameraWidth, cameraHeight, branchRate, "Vision:Enabled"), _full);
    }

    /// <summary>
    /// The branches' frame rate: three times `Vision:Rate`, at most the camera's. The loop still detects at Rate
    /// (<see cref="DetectionPacer"/>); the frames in between let a face awaiting confirmation be seen again a frame later
    /// (67 ms at 5/s) instead of a slot later (200 ms). GStreamer scales three small frames instead of one per slot; the
    /// full-resolution frames are passed through, and both sinks drop what is not pulled.
    /// </summary>
    public static int BranchRate(int rate, int cameraFramerate) => Math.Max(rate, Math.Min(cameraFramerate, rate * 3));

    public FrameBranchRegistration Detect { get; }

    /// <summary>Completes when a pipeline with the detector branch is attached (tests wait on it instead of polling).</summary>
    internal Task DetectAttached => _detect.Attached;

    public FrameBranchRegistration Full { get; }

    public Task<DetectionFrame?> NextDetectionFrameAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _detect.PullAsync(timeout, _time, (sample, capturedAt) =>
        {
            byte[] pixels = sample.ToArray();
            int width = sample.Width ?? 0, height = sample.Height ?? 0;
            int stride = sample.Stride ?? (height > 0 ? pixels.Length / height : 0);
            return width > 0 && height > 0 && stride >= width * 3 && pixels.Length >= stride * height
                ? new DetectionFrame(pixels, width, height, stride, sample.Pts, capturedAt)
                : null;
        }, cancellationToken);

    public async Task<RawFrame?> FullFrameAsync(DetectionFrame detection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(detection);
        // Both branches run videorate at the same rate off one tee, so the same moment has the same timestamp; an older
        // frame still waiting in the sink is skipped, a newer one (at most a frame later) is taken.
        for (int i = 0; i < 3; i++)
        {
            (RawFrame Frame, TimeSpan? Pts)? pulled = await _full.PullAsync(timeout, _time, (sample, capturedAt) =>
                sample.Width is int w && sample.Height is int h && sample.Format is { } format
                    ? ((RawFrame Frame, TimeSpan? Pts)?)(new RawFrame(sample.ToArray(), w, h, format, capturedAt), sample.Pts)
                    : null, cancellationToken).ConfigureAwait(false);
            if (pulled is not { } p)
            {
                return null;
            }

            if (p.Pts is null || detection.Pts is null || p.Pts >= detection.Pts)
            {
                return p.Frame;
            }
        }

        return null;
    }

    public void Dispose()
    {
        _detect.Dispose();
        _full.Dispose();
    }

    /// <summary>One appsink slot with its arrival stamps, as the JPEG tap keeps them: a frame's capture time is never later than its arrival.</summary>
    private sealed class Branch : IFrameBranchConsumer, IDisposable
    {
        private readonly AppSinkSlot _slot = new();
        private BufferCounter? _arrivals;
        private TaskCompletionSource _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Attached => Volatile.Read(ref _attached).Task;

        public async Task<T?> PullAsync<T>(TimeSpan timeout, TimeProvider time, Func<Sample, DateTimeOffset, T?> read, CancellationToken cancellationToken)
        {
            BufferCounter? arrivals = Volatile.Read(ref _arrivals);
            long pullStarted = Stopwatch.GetTimestamp();
            long arrivedBefore = arrivals?.LastBufferTimestamp ?? 0;
            Box<T>? box = await _slot.TryPullAsync(timeout, sample =>
            {
                // A frame waiting before the pull arrived at the last stamp; otherwise it came during the pull.
                long arrived = arrivedBefore != 0 ? arrivedBefore : pullStarted;
                DateTimeOffset capturedAt = time.GetUtcNow() - Stopwatch.GetElapsedTime(arrived);
                return new Box<T>(read(sample, capturedAt));
            }, cancellationToken).ConfigureAwait(false);
            return box is null ? default : box.Value;
        }

        public void Attach(AppSink sink, BufferCounter arrivals)
        {
            Volatile.Write(ref _arrivals, arrivals);
            _slot.Attach(sink);
            Volatile.Read(ref _attached).TrySetResult();
        }

        public void Detach()
        {
            _slot.Detach();
            Volatile.Write(ref _arrivals, null);
            if (Volatile.Read(ref _attached).Task.IsCompleted)
            {
                Volatile.Write(ref _attached, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }
        }

        public void Dispose() => _slot.Dispose();

        private sealed record Box<T>(T? Value);
    }
}

using KvsEdge.Camera;
using KvsEdge.Triggers;
using KvsEdge.Vision;
using KvsEdge.Vision.Detection;

namespace KvsEdge.Tests.Vision;

/// <summary>A detector that returns the detections the test scripted, one list per call (empty once the script ends).</summary>
internal sealed class ScriptedFaceDetector(int inputSize = 128) : IFaceDetector
{
    public Queue<IReadOnlyList<FaceDetection>> Script { get; } = new();

    public int Calls { get; private set; }

    public int InputWidth => inputSize;

    public int InputHeight => inputSize;

    /// <summary>A frontal face with its box in the detector's input pixels.</summary>
    public static FaceDetection Face(float x, float y, float size, float score = 0.9f) => new(
        new BoxF(x, y, size, size), score,
        [new(x + size * 0.3f, y + size * 0.35f), new(x + size * 0.7f, y + size * 0.35f), new(x + size * 0.5f, y + size * 0.55f),
         new(x + size * 0.5f, y + size * 0.75f), new(x, y + size * 0.4f), new(x + size, y + size * 0.4f)]);

    public IReadOnlyList<FaceDetection> Detect(RgbImage image, float minScore)
    {
        Calls++;
        return Script.TryDequeue(out IReadOnlyList<FaceDetection>? faces) ? faces.Where(f => f.Score >= minScore).ToList() : [];
    }

    public void Dispose()
    {
    }
}

/// <summary>Detector frames and full frames made up by the test: an I420 frame of the camera's size, mid grey.</summary>
internal sealed class SyntheticVisionFrames(TimeProvider time, int width, int height, TimeSpan? period = null) : IVisionFrameSource
{
    private TimeSpan _pts;

    public int FullFramesPulled { get; private set; }

    public DetectionFrame NextDetection()
    {
        _pts += period ?? TimeSpan.FromMilliseconds(200);
        return new DetectionFrame(new byte[128 * 128 * 3], 128, 128, 128 * 3, _pts, time.GetUtcNow());
    }

    public Task<DetectionFrame?> NextDetectionFrameAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult<DetectionFrame?>(NextDetection());

    public Task<RawFrame?> FullFrameAsync(DetectionFrame detection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        FullFramesPulled++;
        byte[] i420 = new byte[width * height * 3 / 2];
        Array.Fill(i420, (byte)128);
        return Task.FromResult<RawFrame?>(new RawFrame(i420, width, height, "I420", detection.CapturedAt));
    }
}

/// <summary>An encoder that records the plans and returns a JPEG-shaped result of the planned size (no GStreamer).</summary>
internal sealed class RecordingCropEncoder : IFaceCropEncoder
{
    public List<CropPlan> Plans { get; } = [];

    public JpegFrame? Encode(RawFrame frame, CropPlan plan)
    {
        Plans.Add(plan);
        return new JpegFrame([0xFF, 0xD8, (byte)Plans.Count, 0xFF, 0xD9], plan.OutputWidth, plan.OutputHeight, frame.CapturedAt);
    }
}

/// <summary>The gate as the image-API source sees it, with looks the test gives.</summary>
internal sealed class ScriptedLocalFaces : ILocalFaces
{
    public Queue<LocalFaceLook> Looks { get; } = new();

    public int Saved { get; private set; }

    public Task<LocalFaceLook?> NextLookAsync(LocalFaceLook? after, TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult(Looks.TryDequeue(out LocalFaceLook? look) ? look : null);

    public void CallSaved() => Saved++;
}

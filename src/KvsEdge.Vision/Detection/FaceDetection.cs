namespace KvsEdge.Vision.Detection;

/// <summary>A point in the pixels of the frame given to the detector (not the model's letterboxed input).</summary>
public readonly record struct PointF(float X, float Y);

/// <summary>An axis-aligned box in the pixels of the frame given to the detector.</summary>
public readonly record struct BoxF(float X, float Y, float Width, float Height)
{
    public float Area => Width * Height;

    /// <summary>Intersection over union, 0 when either box is empty.</summary>
    public float IntersectionOverUnion(BoxF other)
    {
        float left = Math.Max(X, other.X), top = Math.Max(Y, other.Y);
        float right = Math.Min(X + Width, other.X + other.Width), bottom = Math.Min(Y + Height, other.Y + other.Height);
        float inter = Math.Max(0, right - left) * Math.Max(0, bottom - top);
        float union = Area + other.Area - inter;
        return union <= 0 ? 0 : inter / union;
    }
}

/// <summary>
/// One face found by the detector. <paramref name="Keypoints"/> follow MediaPipe BlazeFace's order: right eye, left eye,
/// nose tip, mouth centre, right ear tragion, left ear tragion ("right" is the subject's right, on the image's left).
/// </summary>
public sealed record FaceDetection(BoxF Box, float Score, IReadOnlyList<PointF> Keypoints);

/// <summary>An RGB24 image (3 bytes a pixel, rows <paramref name="Stride"/> bytes apart), as a GStreamer RGB appsink delivers it.</summary>
public readonly ref struct RgbImage(ReadOnlySpan<byte> pixels, int width, int height, int stride)
{
    public ReadOnlySpan<byte> Pixels { get; } = pixels;
    public int Width { get; } = width;
    public int Height { get; } = height;
    public int Stride { get; } = stride;
}

/// <summary>A face detector. Not thread-safe: one caller at a time (the vision loop).</summary>
public interface IFaceDetector : IDisposable
{
    /// <summary>The model's input size; a frame branch of this size (letterboxed) avoids a managed resize.</summary>
    int InputWidth { get; }

    int InputHeight { get; }

    /// <summary>Faces with at least <paramref name="minScore"/>, boxes and keypoints in <paramref name="image"/>'s pixels.</summary>
    IReadOnlyList<FaceDetection> Detect(RgbImage image, float minScore);
}

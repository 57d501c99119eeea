using KvsEdge.Triggers;
using KvsEdge.Vision.Detection;

namespace KvsEdge.Vision;

/// <summary>A rectangle of whole pixels to cut from a frame, and the size the crop is scaled to.</summary>
public readonly record struct CropPlan(int Left, int Top, int Width, int Height, int OutputWidth, int OutputHeight);

/// <summary>Pure mapping between the detector's letterboxed input, the camera frame and the crops.</summary>
public static class VisionGeometry
{
    /// <summary>SearchFacesByImage needs at least 80 pixels a side; smaller crops are scaled up to this.</summary>
    public const int MinCropSide = 80;

    /// <summary>
    /// A box in the detector's input (the camera frame scaled to fit <paramref name="inputWidth"/>×<paramref name="inputHeight"/>,
    /// centred with borders, as videoscale add-borders does for pixel-aspect-ratio=1/1) in pixels of the camera frame.
    /// </summary>
    public static BoxF ToCamera(BoxF box, int inputWidth, int inputHeight, int cameraWidth, int cameraHeight)
    {
        double scale = Math.Min((double)inputWidth / cameraWidth, (double)inputHeight / cameraHeight);
        double padX = (inputWidth - cameraWidth * scale) / 2, padY = (inputHeight - cameraHeight * scale) / 2;
        return new BoxF((float)((box.X - padX) / scale), (float)((box.Y - padY) / scale), (float)(box.Width / scale), (float)(box.Height / scale));
    }

    /// <summary>A face counts when its smaller side reaches MinFaceSize and its centre lies in the region.</summary>
    public static bool Counts(BoxF box, VisionOptions options, int cameraWidth, int cameraHeight)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Math.Min(box.Width, box.Height) < options.MinFaceSize)
        {
            return false;
        }

        MotionRegion r = options.Region ?? new();
        double cx = (box.X + box.Width / 2) / cameraWidth, cy = (box.Y + box.Height / 2) / cameraHeight;
        return cx >= r.Left && cx <= r.Left + r.Width && cy >= r.Top && cy <= r.Top + r.Height;
    }

    /// <summary>
    /// The face box plus <paramref name="margin"/> (of its larger side) on each side, inside the frame, on even pixels
    /// (I420 halves chroma), scaled up so both sides reach <see cref="MinCropSide"/>. Null when nothing of it is in the frame.
    /// </summary>
    public static CropPlan? Crop(BoxF box, double margin, int frameWidth, int frameHeight)
    {
        double m = Math.Max(box.Width, box.Height) * margin;
        int left = Even(Math.Max(0, Math.Floor(box.X - m)));
        int top = Even(Math.Max(0, Math.Floor(box.Y - m)));
        int right = Even(Math.Min(frameWidth, Math.Ceiling(box.X + box.Width + m)));
        int bottom = Even(Math.Min(frameHeight, Math.Ceiling(box.Y + box.Height + m)));
        int width = right - left, height = bottom - top;
        if (width < 2 || height < 2)
        {
            return null;
        }

        double up = Math.Max(1, (double)MinCropSide / Math.Min(width, height));
        return new CropPlan(left, top, width, height, Even(Math.Ceiling(width * up)), Even(Math.Ceiling(height * up)));

        static int Even(double value) => (int)value & ~1;
    }
}

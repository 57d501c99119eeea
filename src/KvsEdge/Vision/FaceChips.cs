using KvsEdge.Triggers;
using KvsEdge.Vision.Detection;
using KvsEdge.Vision.Embedding;

namespace KvsEdge.Vision;

/// <summary>
/// Aligned chips for the local embedder (issue 16). The detector's keypoints come from its small branch frame (a 1280
/// px frame is 128 px there: 10 camera pixels per keypoint step, and a 2 px shift moves a descriptor by 0.14), so the
/// face is detected again on an RGB region of the full-resolution frame around it, and aligned on those keypoints.
/// </summary>
public static class FaceChips
{
    /// <summary>
    /// The chip of the face in <paramref name="cameraBox"/> (camera pixels) of <paramref name="frame"/>, or null when the
    /// frame is not I420 or the detector finds no face there. <paramref name="detect"/> runs the detector (one caller at a time).
    /// </summary>
    public static FaceChip? Make(RawFrame frame, BoxF cameraBox, int cameraWidth, int cameraHeight, Func<RgbImage, IReadOnlyList<FaceDetection>> detect)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(detect);
        if (frame.Format != "I420" || frame.Width < 2 || frame.Height < 2)
        {
            return null;
        }

        float sx = (float)frame.Width / cameraWidth, sy = (float)frame.Height / cameraHeight;
        float cx = (cameraBox.X + (cameraBox.Width / 2)) * sx, cy = (cameraBox.Y + (cameraBox.Height / 2)) * sy;
        float side = 2 * Math.Max(cameraBox.Width * sx, cameraBox.Height * sy);
        int left = Math.Clamp((int)(cx - (side / 2)), 0, frame.Width - 1) & ~1;
        int top = Math.Clamp((int)(cy - (side / 2)), 0, frame.Height - 1) & ~1;
        int right = Math.Clamp((int)(cx + (side / 2)), left + 2, frame.Width);
        int bottom = Math.Clamp((int)(cy + (side / 2)), top + 2, frame.Height);
        int width = right - left, height = bottom - top;
        byte[]? rgb = I420ToRgb(frame, left, top, width, height);
        if (rgb is null)
        {
            return null;
        }

        var image = new RgbImage(rgb, width, height, width * 3);
        // The face the box is about: the detection whose centre is nearest the region's centre.
        FaceDetection? face = detect(image)
            .Where(d => d.Keypoints.Count >= 4)
            .OrderBy(d => Math.Pow(d.Box.X + (d.Box.Width / 2) - (cx - left), 2) + Math.Pow(d.Box.Y + (d.Box.Height / 2) - (cy - top), 2))
            .FirstOrDefault();
        if (face is null)
        {
            return null;
        }

        var chip = new byte[FaceEmbedder.ChipBytes];
        FaceAlignment.AlignBlazeFace(image, face, chip);
        return new FaceChip(chip, Math.Min(cameraBox.Width, cameraBox.Height));
    }

    /// <summary>
    /// RGB24 (rows of width × 3) of a region of an I420 frame in GStreamer's default layout (each plane's rows padded to
    /// 4 bytes), BT.601 limited range as the camera's encoder writes it; null when the buffer is shorter than the layout.
    /// </summary>
    public static byte[]? I420ToRgb(RawFrame frame, int left, int top, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(frame);
        int yStride = (frame.Width + 3) & ~3;
        int cWidth = (frame.Width + 1) / 2, cHeight = (frame.Height + 1) / 2;
        int cStride = (cWidth + 3) & ~3;
        int uOffset = yStride * frame.Height, vOffset = uOffset + (cStride * cHeight);
        if (frame.Pixels.Length < vOffset + (cStride * cHeight))
        {
            return null;
        }

        byte[] p = frame.Pixels;
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            int fy = top + y;
            int yRow = fy * yStride, cRow = (fy / 2) * cStride;
            for (int x = 0; x < width; x++)
            {
                int fx = left + x;
                int c = 298 * (p[yRow + fx] - 16);
                int d = p[uOffset + cRow + (fx / 2)] - 128, e = p[vOffset + cRow + (fx / 2)] - 128;
                int o = ((y * width) + x) * 3;
                rgb[o] = (byte)Math.Clamp((c + (409 * e) + 128) >> 8, 0, 255);
                rgb[o + 1] = (byte)Math.Clamp((c - (100 * d) - (208 * e) + 128) >> 8, 0, 255);
                rgb[o + 2] = (byte)Math.Clamp((c + (516 * d) + 128) >> 8, 0, 255);
            }
        }

        return rgb;
    }
}

namespace KvsEdge.Gstreamer;

/// <summary>Row layout of raw video as GStreamer's video library lays it out by default (gst_video_info_set_format).</summary>
public static class VideoFormats
{
    /// <summary>
    /// Stride of the first plane for <paramref name="format"/> at <paramref name="width"/> pixels: rows of 8-bit
    /// formats are padded to 4 bytes, 4-byte pixels need no padding. Null for formats not listed (caller decides).
    /// </summary>
    public static int? DefaultStride(string? format, int width)
    {
        if (width < 0)
        {
            return null;
        }

        return format switch
        {
            "GRAY8" or "I420" or "YV12" or "NV12" or "NV21" or "Y42B" or "Y444" => RoundUp4(width),
            "RGB" or "BGR" => RoundUp4(width * 3),
            "RGBA" or "BGRA" or "ARGB" or "ABGR" or "RGBx" or "BGRx" or "xRGB" or "xBGR" => width * 4,
            "YUY2" or "UYVY" or "YVYU" or "GRAY16_LE" or "GRAY16_BE" or "RGB16" or "BGR16" => RoundUp4(width * 2),
            _ => null,
        };
    }

    private static int RoundUp4(int value) => (value + 3) & ~3;
}

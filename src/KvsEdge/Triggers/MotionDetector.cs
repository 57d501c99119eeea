using KvsEdge.Camera;

namespace KvsEdge.Triggers;

/// <summary>What one comparison found.</summary>
/// <param name="ChangedFraction">Share of the region's pixels whose brightness moved by more than the pixel threshold.</param>
public readonly record struct MotionResult(bool Motion, double ChangedFraction);

/// <summary>
/// Cheap frame differencing on small grayscale frames: a pixel changed when its brightness moved by more than a
/// threshold since the previous frame, and there is motion when more than a share of the watched region changed.
/// Pure (no clock, no camera), so it is tested with synthetic frames.
/// </summary>
public sealed class MotionDetector
{
    private readonly int _pixelThreshold;
    private readonly double _minChangedFraction;
    private readonly MotionRegion _region;
    private byte[]? _previous;
    private int _width;
    private int _height;

    public MotionDetector(int sensitivity, MotionRegion region)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sensitivity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sensitivity, 100);
        ArgumentNullException.ThrowIfNull(region);
        (_pixelThreshold, _minChangedFraction) = Thresholds(sensitivity);
        _region = region;
    }

    /// <summary>Sensitivity 1-100 → (brightness levels a pixel must move by, share of pixels that must move).</summary>
    public static (int PixelThreshold, double MinChangedFraction) Thresholds(int sensitivity) =>
        ((101 - sensitivity) / 2, (101 - sensitivity) / 1000.0);

    /// <summary>Compares <paramref name="frame"/> with the previous one; the first frame (or a size change) only primes.</summary>
    public MotionResult Compare(GrayFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        int x0 = (int)Math.Floor(_region.Left * frame.Width);
        int y0 = (int)Math.Floor(_region.Top * frame.Height);
        int x1 = Math.Min(frame.Width, (int)Math.Ceiling((_region.Left + _region.Width) * frame.Width));
        int y1 = Math.Min(frame.Height, (int)Math.Ceiling((_region.Top + _region.Height) * frame.Height));
        int regionWidth = x1 - x0;

        // Keep only the region, packed: the next comparison reads the same bytes.
        byte[] current = new byte[Math.Max(0, regionWidth) * Math.Max(0, y1 - y0)];
        for (int y = y0; y < y1; y++)
        {
            frame.Pixels.AsSpan((y * frame.Stride) + x0, regionWidth).CopyTo(current.AsSpan((y - y0) * regionWidth));
        }

        byte[]? previous = _previous;
        bool sameShape = previous is not null && previous.Length == current.Length && _width == frame.Width && _height == frame.Height;
        _previous = current;
        _width = frame.Width;
        _height = frame.Height;
        if (!sameShape || current.Length == 0)
        {
            return new MotionResult(false, 0);
        }

        int changed = 0;
        for (int i = 0; i < current.Length; i++)
        {
            if (Math.Abs(current[i] - previous![i]) > _pixelThreshold)
            {
                changed++;
            }
        }

        double fraction = (double)changed / current.Length;
        return new MotionResult(fraction > _minChangedFraction, fraction);
    }

    /// <summary>Forgets the previous frame (the camera restarted; its first frame must not count as motion).</summary>
    public void Reset() => _previous = null;
}

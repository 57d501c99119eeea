using KvsEdge.Vision.Detection;

namespace KvsEdge.Vision.BlazeFace;

/// <summary>
/// Where a source frame sits in the square model input: scaled keeping its aspect ratio to
/// <see cref="Width"/>×<see cref="Height"/> input pixels, placed at (<see cref="Left"/>, <see cref="Top"/>), the rest
/// padded. Maps model-input coordinates back to source pixels.
/// </summary>
internal readonly record struct Letterbox(int SourceWidth, int SourceHeight, int Left, int Top, int Width, int Height)
{
    public static Letterbox For(int sourceWidth, int sourceHeight, int inputSize)
    {
        double scale = Math.Min((double)inputSize / sourceWidth, (double)inputSize / sourceHeight);
        int width = Math.Clamp((int)Math.Round(sourceWidth * scale), 1, inputSize);
        int height = Math.Clamp((int)Math.Round(sourceHeight * scale), 1, inputSize);
        return new Letterbox(sourceWidth, sourceHeight, (inputSize - width) / 2, (inputSize - height) / 2, width, height);
    }

    /// <summary>A point in input pixels to source pixels.</summary>
    public PointF ToSource(float inputX, float inputY) =>
        new((inputX - Left) * SourceWidth / Width, (inputY - Top) * SourceHeight / Height);

    /// <summary>A length along x or y in input pixels to source pixels.</summary>
    public float ToSourceX(float inputLength) => inputLength * SourceWidth / Width;

    public float ToSourceY(float inputLength) => inputLength * SourceHeight / Height;
}

/// <summary>
/// Pre-processing, pure managed code: an RGB24 frame into the model's NHWC float input, letterboxed, each channel
/// mapped from [0, 255] to [-1, 1] (MediaPipe's ImageToTensorCalculator range for BlazeFace). A frame already at the
/// input size (what the app's GStreamer branch delivers) is converted directly; any other size is area-averaged
/// (a box filter over each output pixel's footprint, so a large photo does not alias) into the centred letterbox.
/// </summary>
internal static class LetterboxPreprocessor
{
    // The padding value: black, as -1 in the model's range.
    private const float Pad = -1f;
    private const float Scale = 2f / 255f;

    public static Letterbox Fill(RgbImage image, int inputSize, Span<float> tensor)
    {
        if (image.Width <= 0 || image.Height <= 0)
        {
            throw new ArgumentException($"The image is {image.Width}x{image.Height}: it has no pixels.", nameof(image));
        }

        if (image.Stride < image.Width * 3 || image.Pixels.Length < ((image.Height - 1) * image.Stride) + (image.Width * 3))
        {
            throw new ArgumentException(
                $"An RGB image of {image.Width}x{image.Height} with stride {image.Stride} needs at least "
                + $"{((image.Height - 1) * image.Stride) + (image.Width * 3)} bytes (stride ≥ {image.Width * 3}); it has {image.Pixels.Length}.",
                nameof(image));
        }

        if (tensor.Length != inputSize * inputSize * 3)
        {
            throw new ArgumentException($"The tensor holds {tensor.Length} floats, not {inputSize}x{inputSize}x3.", nameof(tensor));
        }

        if (image.Width == inputSize && image.Height == inputSize)
        {
            CopyDirect(image, inputSize, tensor);
            return new Letterbox(inputSize, inputSize, 0, 0, inputSize, inputSize);
        }

        Letterbox box = Letterbox.For(image.Width, image.Height, inputSize);
        Resample(image, inputSize, box, tensor);
        return box;
    }

    private static void CopyDirect(RgbImage image, int size, Span<float> tensor)
    {
        ReadOnlySpan<byte> pixels = image.Pixels;
        for (int y = 0; y < size; y++)
        {
            ReadOnlySpan<byte> row = pixels.Slice(y * image.Stride, size * 3);
            Span<float> dst = tensor.Slice(y * size * 3, size * 3);
            for (int i = 0; i < row.Length; i++)
            {
                dst[i] = (row[i] * Scale) - 1f;
            }
        }
    }

    private static void Resample(RgbImage image, int size, Letterbox box, Span<float> tensor)
    {
        tensor.Fill(Pad);
        int outWidth = box.Width, outHeight = box.Height, left = box.Left, top = box.Top;

        // Each output column/row averages the source columns/rows its footprint covers (at least one: upscaling
        // becomes nearest-neighbour, which is rare here and harmless for detection).
        Span<int> x0 = outWidth <= 1024 ? stackalloc int[outWidth] : new int[outWidth];
        Span<int> x1 = outWidth <= 1024 ? stackalloc int[outWidth] : new int[outWidth];
        Footprints(image.Width, outWidth, x0, x1);
        Span<int> y0 = outHeight <= 1024 ? stackalloc int[outHeight] : new int[outHeight];
        Span<int> y1 = outHeight <= 1024 ? stackalloc int[outHeight] : new int[outHeight];
        Footprints(image.Height, outHeight, y0, y1);

        ReadOnlySpan<byte> pixels = image.Pixels;
        for (int oy = 0; oy < outHeight; oy++)
        {
            Span<float> dstRow = tensor.Slice(((top + oy) * size * 3) + (left * 3), outWidth * 3);
            for (int ox = 0; ox < outWidth; ox++)
            {
                int r = 0, g = 0, b = 0;
                for (int sy = y0[oy]; sy < y1[oy]; sy++)
                {
                    ReadOnlySpan<byte> src = pixels.Slice((sy * image.Stride) + (x0[ox] * 3), (x1[ox] - x0[ox]) * 3);
                    for (int i = 0; i < src.Length; i += 3)
                    {
                        r += src[i];
                        g += src[i + 1];
                        b += src[i + 2];
                    }
                }

                float norm = Scale / ((y1[oy] - y0[oy]) * (x1[ox] - x0[ox]));
                dstRow[ox * 3] = (r * norm) - 1f;
                dstRow[(ox * 3) + 1] = (g * norm) - 1f;
                dstRow[(ox * 3) + 2] = (b * norm) - 1f;
            }
        }
    }

    private static void Footprints(int source, int output, Span<int> start, Span<int> end)
    {
        double step = (double)source / output;
        for (int i = 0; i < output; i++)
        {
            int s = Math.Min((int)Math.Floor(i * step), source - 1);
            int e = Math.Min((int)Math.Ceiling((i + 1) * step), source);
            start[i] = s;
            end[i] = Math.Max(e, s + 1);
        }
    }
}

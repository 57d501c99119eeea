using KvsEdge.Vision.Detection;

namespace KvsEdge.Vision.Embedding;

/// <summary>
/// A similarity transform (rotation, uniform scale, translation, no reflection) mapping chip pixels to image pixels:
/// (x, y) → (A·x − B·y + Tx, B·x + A·y + Ty). Pixel coordinates name pixel centres, as in dlib.
/// </summary>
public readonly record struct SimilarityTransform(double A, double B, double Tx, double Ty)
{
    public double Scale => Math.Sqrt((A * A) + (B * B));

    /// <summary>Rotation in radians (counter-clockwise in a y-down image looks clockwise on screen).</summary>
    public double Angle => Math.Atan2(B, A);

    public (double X, double Y) Apply(double x, double y) => ((A * x) - (B * y) + Tx, (B * x) + (A * y) + Ty);
}

/// <summary>
/// Five- or four-point face alignment into the 150×150 chips the embedder was trained on: the least-squares similarity
/// transform from a canonical face template to the detected landmarks, then bilinear sampling. The templates are dlib's
/// mean face positions (get_face_chip_details, padding 0.25), so chips match dlib's own alignment.
/// </summary>
public static class FaceAlignment
{
    /// <summary>dlib's chip padding for the face recognition model (the face spans 1/(1+2·0.25) of the chip).</summary>
    public const double DlibPadding = 0.25;

    /// <summary>
    /// dlib's 5-point shape predictor order, in unit face coordinates: subject's left eye outer and inner corner (image
    /// right), right eye outer and inner corner (image left), base of the nose.
    /// </summary>
    public static IReadOnlyList<PointF> Dlib5Template { get; } =
    [
        new(0.8595674595992f, 0.2134981538014f),
        new(0.6460604764104f, 0.2289674387677f),
        new(0.1205750620789f, 0.2137274526848f),
        new(0.3340850613712f, 0.2290642403242f),
        new(0.4901123135679f, 0.6277975316475f),
    ];

    /// <summary>
    /// BlazeFace's first four keypoints (subject's right eye, left eye, nose tip, mouth centre) in the same unit face
    /// coordinates: eye centres as the middle of dlib's corners, nose tip and mouth centre from dlib's 68-point mean face.
    /// </summary>
    public static IReadOnlyList<PointF> BlazeFaceTemplate { get; } =
    [
        new(0.2273300617f, 0.2213958465f),
        new(0.7528139680f, 0.2212327963f),
        new(0.490127f, 0.515625f),
        new(0.490127f, 0.808573f),
    ];

    /// <summary>The chip → image transform that best maps <paramref name="unitTemplate"/> onto <paramref name="imagePoints"/>.</summary>
    public static SimilarityTransform ChipToImage(
        IReadOnlyList<PointF> imagePoints, IReadOnlyList<PointF> unitTemplate, int chipSize = FaceEmbedder.ChipSize, double padding = DlibPadding)
    {
        ArgumentNullException.ThrowIfNull(imagePoints);
        ArgumentNullException.ThrowIfNull(unitTemplate);
        if (imagePoints.Count != unitTemplate.Count || imagePoints.Count < 2)
        {
            throw new ArgumentException($"Need as many landmarks as template points (at least 2); got {imagePoints.Count} for {unitTemplate.Count}.", nameof(imagePoints));
        }

        int n = imagePoints.Count;
        var chip = new (double X, double Y)[n];
        for (int i = 0; i < n; i++)
        {
            chip[i] = (((padding + unitTemplate[i].X) / (1 + (2 * padding))) * chipSize,
                       ((padding + unitTemplate[i].Y) / (1 + (2 * padding))) * chipSize);
        }

        // Closed-form least squares for a similarity: centre both point sets, then A and B from the centred sums.
        double mx = 0, my = 0, mX = 0, mY = 0;
        for (int i = 0; i < n; i++)
        {
            mx += chip[i].X;
            my += chip[i].Y;
            mX += imagePoints[i].X;
            mY += imagePoints[i].Y;
        }

        mx /= n;
        my /= n;
        mX /= n;
        mY /= n;
        double sxx = 0, sa = 0, sb = 0;
        for (int i = 0; i < n; i++)
        {
            double x = chip[i].X - mx, y = chip[i].Y - my;
            double u = imagePoints[i].X - mX, v = imagePoints[i].Y - mY;
            sxx += (x * x) + (y * y);
            sa += (x * u) + (y * v);
            sb += (x * v) - (y * u);
        }

        if (sxx <= 0)
        {
            throw new ArgumentException("Template points coincide.", nameof(unitTemplate));
        }

        double a = sa / sxx, b = sb / sxx;
        if ((a * a) + (b * b) < 1e-12)
        {
            throw new ArgumentException("Landmarks coincide: no face to align.", nameof(imagePoints));
        }

        return new SimilarityTransform(a, b, mX - ((a * mx) - (b * my)), mY - ((b * mx) + (a * my)));
    }

    /// <summary>
    /// Fills <paramref name="chip"/> (size×size RGB24) by bilinear sampling of <paramref name="image"/> through
    /// <paramref name="chipToImage"/> (supersampled when the face is larger than the chip). Chip pixels whose
    /// neighbourhood leaves the image are black, as in dlib.
    /// </summary>
    public static void ExtractChip(RgbImage image, SimilarityTransform chipToImage, Span<byte> chip, int size = FaceEmbedder.ChipSize)
    {
        if (chip.Length != size * size * 3)
        {
            throw new ArgumentException($"Chip buffer of {chip.Length} bytes for a {size}x{size} RGB chip.", nameof(chip));
        }

        if (image.Stride < image.Width * 3 || image.Pixels.Length < ((image.Height - 1) * image.Stride) + (image.Width * 3))
        {
            throw new ArgumentException("Image buffer smaller than its width, height and stride say.", nameof(image));
        }

        // A face larger than the chip is shrunk: average k×k bilinear samples per chip pixel (k ≈ the scale, at most 4)
        // so fine detail does not alias, as dlib's pyramid does before its own bilinear step.
        int k = Math.Clamp((int)Math.Ceiling(chipToImage.Scale - 0.25), 1, 4);
        Span<double> sum = stackalloc double[3];
        int inside;
        for (int r = 0; r < size; r++)
        {
            for (int c = 0; c < size; c++)
            {
                sum.Clear();
                inside = 0;
                for (int sy = 0; sy < k; sy++)
                {
                    for (int sx = 0; sx < k; sx++)
                    {
                        var (x, y) = chipToImage.Apply(c + ((sx + 0.5) / k) - 0.5, r + ((sy + 0.5) / k) - 0.5);
                        if (Sample(image, x, y, sum))
                        {
                            inside++;
                        }
                    }
                }

                int o = ((r * size) + c) * 3;
                if (inside < k * k)
                {
                    // Any sample off the image: black, as dlib leaves chip pixels it cannot interpolate.
                    chip[o] = chip[o + 1] = chip[o + 2] = 0;
                    continue;
                }

                for (int ch = 0; ch < 3; ch++)
                {
                    chip[o + ch] = (byte)Math.Clamp((int)((sum[ch] / inside) + 0.5), 0, 255);
                }
            }
        }
    }

    // Adds the bilinear value at (x, y) to sum; false when the 2×2 neighbourhood leaves the image.
    private static bool Sample(RgbImage image, double x, double y, Span<double> sum)
    {
        double fx0 = Math.Floor(x), fy0 = Math.Floor(y);
        if (fx0 < 0 || fy0 < 0 || fx0 + 1 >= image.Width || fy0 + 1 >= image.Height)
        {
            return false;
        }

        var px = image.Pixels;
        double fx = x - fx0, fy = y - fy0;
        double w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
        int p00 = ((int)fy0 * image.Stride) + ((int)fx0 * 3), p01 = p00 + image.Stride;
        for (int ch = 0; ch < 3; ch++)
        {
            sum[ch] += (w00 * px[p00 + ch]) + (w10 * px[p00 + 3 + ch]) + (w01 * px[p01 + ch]) + (w11 * px[p01 + 3 + ch]);
        }

        return true;
    }

    /// <summary>A chip from dlib's five landmarks (<see cref="Dlib5Template"/> order).</summary>
    public static SimilarityTransform AlignDlib5(RgbImage image, IReadOnlyList<PointF> landmarks, Span<byte> chip)
    {
        var t = ChipToImage(landmarks, Dlib5Template);
        ExtractChip(image, t, chip);
        return t;
    }

    /// <summary>A chip from a BlazeFace detection's eyes, nose tip and mouth centre (the ears are too pose-dependent).</summary>
    public static SimilarityTransform AlignBlazeFace(RgbImage image, FaceDetection face, Span<byte> chip)
    {
        ArgumentNullException.ThrowIfNull(face);
        if (face.Keypoints.Count < 4)
        {
            throw new ArgumentException($"BlazeFace detections have 6 keypoints; this one has {face.Keypoints.Count}.", nameof(face));
        }

        var t = ChipToImage([face.Keypoints[0], face.Keypoints[1], face.Keypoints[2], face.Keypoints[3]], BlazeFaceTemplate);
        ExtractChip(image, t, chip);
        return t;
    }
}

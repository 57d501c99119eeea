using System.Globalization;
using KvsEdge.Vision.Detection;
using KvsEdge.Vision.Embedding;

namespace KvsEdge.Offline;

/// <summary>What the local side made of one enrolment photo.</summary>
public enum LocalPhotoOutcome
{
    Added,
    AlreadyInGallery,
    NoFace,
    SeveralFaces,
    FaceTooSmall,
    FaceTurned,
    Unsupported,
    TooLarge,
    BadName,
    Failed,
}

/// <summary>One photo's descriptor, or why there is none: <paramref name="Descriptor"/> is set only when usable.</summary>
public sealed record LocalFaceResult(LocalPhotoOutcome Outcome, float[]? Descriptor, string Detail, float FaceSize = float.NaN);

/// <summary>
/// Turns one enrolment photo into one local face descriptor: BlazeFace finds the faces, exactly one usable face is
/// required, it is aligned on its eyes, nose and mouth (<see cref="FaceAlignment.AlignBlazeFace"/>) and embedded together
/// with a few jittered copies whose descriptors are averaged. Not thread-safe (the detector and embedder are not).
/// </summary>
/// <remarks>
/// Why refuse rather than take the largest face: which of two people is "alice" would be a guess, and a door must not
/// guess (the cloud side refuses the same photos). Why count a second face from a lower score than the one that accepts:
/// a half-turned face behind the person still makes the photo ambiguous. Why the minimum size: descriptors of faces
/// under 80 px are not trustworthy (docs/offline.md: the 35-47 px faces of wayne.jpg are 0.45 apart). Why jitter: a
/// 2 px / 3 % / 3° shift of the alignment moves a descriptor by 0.14 (median, issue 16's probe); the mean of slightly
/// shifted crops (and the mirror image, as dlib's own jitter does) is the steadier reference for a live frame.
/// </remarks>
public sealed class LocalFaceEnroller(IFaceDetector detector, FaceEmbedder embedder, LocalEnrolmentRules rules)
{
    // Chip → chip similarity perturbations (degrees, scale, dx, dy in chip pixels), applied to the aligned transform.
    private static readonly (double Degrees, double Scale, double Dx, double Dy)[] Jitters =
    [
        (3, 1, 0, 0),
        (-3, 1, 0, 0),
        (0, 1.03, 2, 0),
        (0, 0.97, -2, 0),
        (0, 1, 0, 2),
    ];

    private readonly byte[] _chips = new byte[(Jitters.Length + 2) * FaceEmbedder.ChipBytes];

    public LocalEnrolmentRules Rules => rules;

    /// <summary>How many chips are embedded per photo: the aligned face, its mirror image and the jittered copies.</summary>
    public static int ChipsPerPhoto => Jitters.Length + 2;

    public LocalFaceResult Describe(RgbPhoto photo)
    {
        ArgumentNullException.ThrowIfNull(photo);
        var image = new RgbImage(photo.Pixels, photo.Width, photo.Height, photo.Stride);
        IReadOnlyList<FaceDetection> all = detector.Detect(image, rules.CountScore);
        var faces = all.Where(f => f.Score >= rules.MinScore).ToList();
        if (faces.Count == 0)
        {
            return new(LocalPhotoOutcome.NoFace, null, all.Count == 0
                ? "no face found in the photo"
                : Invariant($"no clear face found in the photo (best detector score {all.Max(f => f.Score):0.00}, {rules.MinScore:0.00} needed)"));
        }

        if (all.Count > 1)
        {
            return new(LocalPhotoOutcome.SeveralFaces, null, Invariant($"{all.Count} faces in the photo: use one showing only this person"));
        }

        FaceDetection face = faces[0];
        float size = Math.Min(face.Box.Width, face.Box.Height);
        if (size < rules.MinFaceSize)
        {
            return new(LocalPhotoOutcome.FaceTooSmall, null,
                Invariant($"the face is {size:0} px, under the {rules.MinFaceSize} px (Vision:MinFaceSize) a descriptor can be trusted at: use a closer or larger photo"), size);
        }

        if (FacePose.EstimateYawDegrees(face.Keypoints) is float yaw && Math.Abs(yaw) > rules.MaxYawDegrees)
        {
            return new(LocalPhotoOutcome.FaceTurned, null,
                Invariant($"the face is turned {Math.Abs(yaw):0}° from the camera (at most {rules.MaxYawDegrees:0}°): use a photo looking at the camera"), size);
        }

        return new(LocalPhotoOutcome.Added, Embed(image, face), Invariant($"face {size:0} px, score {face.Score:0.00}"), size);
    }

    private float[] Embed(RgbImage image, FaceDetection face)
    {
        Span<byte> aligned = _chips.AsSpan(0, FaceEmbedder.ChipBytes);
        SimilarityTransform t = FaceAlignment.AlignBlazeFace(image, face, aligned);
        Mirror(aligned, _chips.AsSpan(FaceEmbedder.ChipBytes, FaceEmbedder.ChipBytes));
        for (int j = 0; j < Jitters.Length; j++)
        {
            FaceAlignment.ExtractChip(image, Jittered(t, Jitters[j]), _chips.AsSpan((j + 2) * FaceEmbedder.ChipBytes, FaceEmbedder.ChipBytes));
        }

        float[][] descriptors = embedder.Embed(_chips, ChipsPerPhoto);
        var mean = new float[FaceEmbedder.DescriptorLength];
        foreach (float[] d in descriptors)
        {
            for (int i = 0; i < mean.Length; i++)
            {
                mean[i] += d[i] / descriptors.Length;
            }
        }

        return mean;
    }

    /// <summary>
    /// <paramref name="t"/> after a rotation by <c>Degrees</c> and a scaling about the chip's centre and a shift by
    /// (Dx, Dy), all in chip pixels: T(J(p)) with J(p) = s·R(p − c) + c + d.
    /// </summary>
    internal static SimilarityTransform Jittered(SimilarityTransform t, (double Degrees, double Scale, double Dx, double Dy) j)
    {
        double theta = j.Degrees * Math.PI / 180;
        double a = j.Scale * Math.Cos(theta), b = j.Scale * Math.Sin(theta);
        const double C = (FaceEmbedder.ChipSize - 1) / 2.0;
        // J(p) = N p + u, with u = c + d − N c.
        double ux = C + j.Dx - ((a * C) - (b * C)), uy = C + j.Dy - ((b * C) + (a * C));
        var (tx, ty) = t.Apply(ux, uy);
        return new SimilarityTransform((t.A * a) - (t.B * b), (t.A * b) + (t.B * a), tx, ty);
    }

    private static void Mirror(ReadOnlySpan<byte> chip, Span<byte> mirrored)
    {
        const int Row = FaceEmbedder.ChipSize * 3;
        for (int r = 0; r < FaceEmbedder.ChipSize; r++)
        {
            for (int c = 0; c < FaceEmbedder.ChipSize; c++)
            {
                chip.Slice((r * Row) + (c * 3), 3).CopyTo(mirrored.Slice((r * Row) + ((FaceEmbedder.ChipSize - 1 - c) * 3), 3));
            }
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>What makes an enrolment face usable (defaults: the appliance's Vision defaults).</summary>
public sealed record LocalEnrolmentRules
{
    /// <summary>The detector score a face needs to be enrolled (`Vision:MinScore`).</summary>
    public float MinScore { get; init; } = KvsEdge.Vision.BlazeFace.BlazeFaceDetector.DefaultMinScore;

    /// <summary>Any face at or above this score counts as another person in the photo (MediaPipe's own threshold).</summary>
    public float CountScore { get; init; } = 0.5f;

    /// <summary>The smaller side of the face box, in photo pixels (`Vision:MinFaceSize`).</summary>
    public int MinFaceSize { get; init; } = 80;

    /// <summary>
    /// A face turned further than this (BlazeFace's keypoint estimate) is refused: a similarity alignment of a face in
    /// half profile is not the frontal chip the model was trained on. 45° rather than less: the estimate is rough (it reads
    /// 37° for Wayne in kphotoalbum's qt-logo.jpg, a face that is only slightly turned).
    /// </summary>
    public float MaxYawDegrees { get; init; } = 45;
}

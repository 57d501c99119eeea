namespace KvsEdge.Recognition;

/// <summary>
/// `Recognition:Local`: matching faces against the on-device gallery (issue 16) when the cloud cannot answer. Off by
/// default (DESIGN rule 10): a local model is weaker than Rekognition and has no liveness check.
/// </summary>
public sealed class LocalRecognitionOptions
{
    public const string Fallback = "fallback";
    public const string SecondOpinion = "second-opinion";
    public const string Only = "only";

    /// <summary>The modes, in the order the docs list them.</summary>
    public static readonly IReadOnlyList<string> Modes = [Fallback, SecondOpinion, Only];

    /// <summary>
    /// dlib's same-person distance and the loosest threshold accepted: in the issue's probe it gave 0 of 205 false
    /// accepts (3 of 26 false rejects); docs/offline.md has the measured distances.
    /// </summary>
    public const float MaxThreshold = 0.6f;

    /// <summary>
    /// The default: below dlib's 0.6 because with BlazeFace's keypoints for alignment two different people in this
    /// repository's test photos came 0.579 apart; 0.55 separates every different-person pair measured (the closest
    /// 0.579) at the cost of one false reject in six same-person pairs (0.566). docs/offline.md has every distance.
    /// </summary>
    public const float DefaultThreshold = 0.55f;

    public bool Enabled { get; set; }

    /// <summary>`fallback` (local only while the cloud is unreachable or its budget is spent), `second-opinion` (cloud and local must name the same person) or `only`.</summary>
    public string Mode { get; set; } = Fallback;

    /// <summary>A match needs a Euclidean descriptor distance strictly below this (0 &lt; value ≤ 0.6).</summary>
    public float Threshold { get; set; } = DefaultThreshold;

    /// <summary>Per-person thresholds (person name as in the gallery and the allow-list), each in (0, 0.6].</summary>
    public Dictionary<string, float> Thresholds { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Consecutive frames of one tracked face that must name the same person before the policy sees a local match.</summary>
    public int MinAgreeingFrames { get; set; } = 3;

    /// <summary>
    /// `fallback`: how long one SearchFacesByImage call may take before the cloud counts as unreachable for that face.
    /// Without it a cloud that hangs (rather than refuses) would hold each frame for the client's whole timeout (30 s),
    /// and the local matcher could never see its agreeing frames within a search.
    /// </summary>
    public TimeSpan CloudTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The embedder model (`dlib_face_recognition_resnet_model_v1.onnx`); empty: the packaged path, then the build cache.</summary>
    public string? ModelPath { get; set; }

    /// <summary>The threshold for <paramref name="person"/>: their override, else <see cref="Threshold"/>.</summary>
    public float ThresholdOf(string person) => Thresholds.TryGetValue(person, out float t) ? t : Threshold;

    /// <summary>Adds a failure naming the key for every value out of range.</summary>
    /// <param name="sources">`Recognition:Source`'s sources, for the cross-check (null: not checked).</param>
    public void Validate(List<string> failures, IReadOnlyList<string>? sources = null)
    {
        ArgumentNullException.ThrowIfNull(failures);
        const string Prefix = RecognitionOptions.SectionName + ":Local:";
        if (!Modes.Contains(Mode, StringComparer.Ordinal))
        {
            failures.Add($"{Prefix}Mode must be {string.Join(", ", Modes.Select(m => $"'{m}'"))} (got '{Mode}').");
        }

        if (!IsThreshold(Threshold))
        {
            failures.Add($"{Prefix}Threshold must be above 0 and at most {MaxThreshold} (a descriptor distance; got {Threshold}).");
        }

        foreach (var (person, threshold) in Thresholds)
        {
            if (!IsThreshold(threshold))
            {
                failures.Add($"{Prefix}Thresholds:{person} must be above 0 and at most {MaxThreshold} (got {threshold}).");
            }
        }

        if (CloudTimeout < TimeSpan.FromMilliseconds(100) || CloudTimeout > TimeSpan.FromSeconds(30))
        {
            failures.Add($"{Prefix}CloudTimeout must be between 00:00:00.1 and 00:00:30 (got {CloudTimeout}).");
        }

        if (MinAgreeingFrames is < 1 or > 30)
        {
            failures.Add($"{Prefix}MinAgreeingFrames must be 1-30 (got {MinAgreeingFrames}).");
        }

        if (Enabled && sources is not null && !sources.Contains(RecognitionSources.ImageApi))
        {
            // Local matching works on the detector's face crops, which only the image-API source searches.
            failures.Add($"{Prefix}Enabled needs Recognition:Source to include '{RecognitionSources.ImageApi}' (and Vision:Enabled).");
        }
    }

    // NaN fails both comparisons, so it is refused too.
    private static bool IsThreshold(float value) => value > 0 && value <= MaxThreshold;
}

namespace KvsEdge.Cloud;

/// <summary>
/// The `Cloud` section: names of what `kvsedge cloud up` creates and the other cloud verbs address.
/// Defaults give a working single-door set-up; a second appliance in the same account sets its own names.
/// </summary>
public sealed class CloudOptions
{
    public const string SectionName = "Cloud";

    /// <summary>
    /// `image-api` (only the face collection; the device calls SearchFacesByImage) or `stream-processor` (video stream,
    /// data stream, role and processor too). Unset: `image-api` unless `Recognition:Source` includes `kinesis`.
    /// </summary>
    public string? Mode { get; set; }

    /// <summary>The customer managed policy `cloud up --iam` creates in image-api mode, for the device's user or role.</summary>
    public string DevicePolicyName { get; set; } = "kvsedge-device";

    public string VideoStreamName { get; set; } = "kvsedge-door";

    /// <summary>How long KVS keeps video; 0 would keep none, so GetClip could never return anything.</summary>
    public int VideoRetentionHours { get; set; } = 24;

    public string CollectionId { get; set; } = "kvsedge-faces";

    public string DataStreamName { get; set; } = "kvsedge-face-matches";

    public string RoleName { get; set; } = "kvsedge-rekognition";

    public string ProcessorName { get; set; } = "kvsedge-door";

    /// <summary>The stream processor's FaceMatchThreshold (the service raises values under 80 to 80).</summary>
    public double FaceMatchThreshold { get; set; } = 80;
}

/// <summary>The two `Cloud:Mode` values and how an unset mode is chosen.</summary>
public static class CloudModes
{
    public const string ImageApi = "image-api";

    public const string StreamProcessor = "stream-processor";

    /// <summary>The configured mode (any case), else `stream-processor` when the sources include `kinesis`, else `image-api`.</summary>
    public static string Resolve(string? configured, IReadOnlyList<string> recognitionSources)
    {
        ArgumentNullException.ThrowIfNull(recognitionSources);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured.Trim().ToLowerInvariant();
        }

        return recognitionSources.Contains(KvsEdge.Recognition.RecognitionSources.Kinesis) ? StreamProcessor : ImageApi;
    }
}

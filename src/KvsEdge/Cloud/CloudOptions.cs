namespace KvsEdge.Cloud;

/// <summary>
/// The `Cloud` section: names of what `kvsedge cloud up` creates and the other cloud verbs address.
/// Defaults give a working single-door set-up; a second appliance in the same account sets its own names.
/// </summary>
public sealed class CloudOptions
{
    public const string SectionName = "Cloud";

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

namespace KvsEdge.Recognition;

/// <summary>Names of recognition sources, as they appear in MQTT payloads.</summary>
public static class RecognitionSources
{
    public const string Kinesis = "kinesis";
    public const string ImageApi = "image-api";
    public const string Replay = "replay";

    /// <summary>A camera-only appliance: no recognition loop, no decisions, the door never opened by a face.</summary>
    public const string None = "none";
}

/// <summary>One collection face that Rekognition matched a detected face against.</summary>
public sealed record FaceCandidate(string ExternalImageId, string? FaceId, double Similarity);

/// <summary>
/// One face seen in one analysed frame, whatever produced it (stream processor record, image API, replay).
/// An empty <see cref="Candidates"/> list means a face was seen that is not in the collection.
/// </summary>
/// <param name="RecordKey">Identifies the frame by its content, so redeliveries of the same record share it.</param>
/// <param name="FaceIndex">Position of the face inside the frame's FaceSearchResponse.</param>
/// <param name="FrameTime">ProducerTimestamp + FrameOffsetInSeconds (or capture time on the image path).</param>
/// <param name="ProducerTimestamp">The record's ProducerTimestamp in epoch seconds, as sent.</param>
public sealed record FaceObservation(
    string Source,
    string RecordKey,
    int FaceIndex,
    DateTimeOffset FrameTime,
    DateTimeOffset ReceivedAt,
    string? StreamArn,
    string? FragmentNumber,
    double? ProducerTimestamp,
    IReadOnlyList<FaceCandidate> Candidates)
{
    /// <summary>Key under which a face is de-duplicated: the same face of the same frame is decided once.</summary>
    public string DedupKey => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{RecordKey}#{FaceIndex}");
}

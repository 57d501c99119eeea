namespace KvsEdge.Access;

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
    /// <summary>
    /// What the face was seen on, when the source keeps it (for example a snapshot or frame id); null otherwise.
    /// It travels with the decision so outputs can point at the evidence; the policy never reads it.
    /// </summary>
    public string? EvidenceId { get; init; }

    /// <summary>
    /// The on-device matcher's opinion of this face (issue 16): the whole identity of a `local` observation, or the
    /// second opinion on a cloud one. Null when local recognition took no part.
    /// </summary>
    public LocalMatch? Local { get; init; }

    /// <summary>
    /// `Recognition:Local:Mode` `second-opinion`: the policy grants only when <see cref="Local"/> is a settled match
    /// naming the same allowed person as the cloud; anything else never unlocks.
    /// </summary>
    public bool NeedsLocalAgreement { get; init; }

    public string DedupKey => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{RecordKey}#{FaceIndex}");
}

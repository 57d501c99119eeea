
namespace KvsEdge.Access;

public enum DecisionKind
{
    Granted,
    Denied,
    UnknownFace,
    Ignored,
}

/// <summary>Stable reason strings: they appear in MQTT events and logs, so never rename them.</summary>
public static class DecisionReasons
{
    public const string Allowed = "allowed";
    public const string NotAllowed = "not_allowed";
    public const string OutsideSchedule = "outside_schedule";
    public const string Ambiguous = "ambiguous";
    public const string UnknownFace = "unknown_face";
    public const string BelowThreshold = "below_threshold";
    public const string Stale = "stale";
    public const string ClockSkew = "clock_skew";
    public const string Duplicate = "duplicate";
    public const string Malformed = "malformed";
    public const string Cooldown = "cooldown";
    public const string AwaitingConfirmation = "awaiting_confirmation";

    /// <summary>`second-opinion`: the local matcher did not name the person the cloud named (or could not match at all).</summary>
    public const string LocalDisagrees = "local_disagrees";
}

/// <summary>What the access policy decided about one face observation (or one malformed record).</summary>
public sealed record Decision(
    DecisionKind Kind,
    string Reason,
    DateTimeOffset DecidedAt,
    FaceObservation? Observation,
    string? Person = null,
    double? Similarity = null,
    string? FaceId = null,
    string? Detail = null)
{
    /// <summary>
    /// The decision snapshot (the JPEG the frame was decided on) kept for this face decision; null when none is kept
    /// (snapshots off, ignored decisions, no frame tap). The `snapshot_id` of the MQTT event.
    /// </summary>
    public string? SnapshotId { get; init; }

    /// <summary>A face decision: granted, denied or an unknown face (the decisions a snapshot is kept for).</summary>
    public bool IsFaceDecision => Kind is DecisionKind.Granted or DecisionKind.Denied or DecisionKind.UnknownFace;

    /// <summary>The `type` field of the MQTT event.</summary>
    public string EventType => Kind switch
    {
        DecisionKind.Granted => "access_granted",
        DecisionKind.Denied => "access_denied",
        DecisionKind.UnknownFace => "unknown_face",
        _ => "ignored",
    };
}

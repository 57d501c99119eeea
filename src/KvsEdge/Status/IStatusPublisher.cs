using KvsEdge.Access;
using KvsEdge.Door;

namespace KvsEdge.Status;

/// <summary>State of a recognition source for the retained `recognition` topic.</summary>
/// <param name="State">`starting`, `running`, `waiting` (stream missing / backing off) or `error`.</param>
public sealed record RecognitionStatus(string Source, string State, long? LagMs, DateTimeOffset? LastRecordAt, string? LastError = null)
{
    /// <summary>The image-API source's counters and cost-guard budget; null when that source does not run.</summary>
    public ImageApiCounters? ImageApi { get; init; }

    /// <summary>
    /// Why the last configuration reload was refused (the previous access rules stay in force); null when the last
    /// reload applied or none failed. Serialised as `config_error`.
    /// </summary>
    public string? ConfigError { get; init; }

    /// <summary>The grant ledger: <see cref="LedgerOk"/>, or <see cref="LedgerUnavailable"/> while grants are denied for it.</summary>
    public string Ledger { get; init; } = LedgerOk;

    /// <summary>Local recognition (issue 16): its gallery, mode and last match; null when `Recognition:Local:Enabled` is off.</summary>
    public LocalRecognitionState? Local { get; init; }

    public const string LedgerOk = "ok";
    public const string LedgerUnavailable = "unavailable";
}

/// <summary>
/// The image-API path in the `recognition` state: what triggered, what was searched, what budget is left. Serialised as is
/// (snake_case) into `image_api`: the property names are a contract.
/// </summary>
public sealed record ImageApiCounters(
    long Triggers,
    long TriggersIgnored,
    long Searches,
    int CallsLastMinute,
    int CallsToday,
    int RemainingThisMinute,
    int RemainingToday,
    string? LastTrigger,
    string? LastOutcome);

/// <summary>
/// Publishes appliance state to MQTT. Every method only enqueues and never blocks: the door path must not wait
/// on the network.
/// </summary>
public interface IStatusPublisher
{
    void PublishDoor(DoorState state);

    void PublishRecognition(RecognitionStatus status);

    void PublishEvent(Decision decision);

    /// <summary>A door event (exit_request, door_held_open, door_forced, tamper) on the same events topic as decisions.</summary>
    void PublishDoorEvent(DoorEvent doorEvent);

    /// <summary>A retained state topic under the prefix (e.g. `camera`), re-published on every reconnect.</summary>
    void PublishState(string subtopic, string payload);
}

/// <summary>
/// The `local` object of the `recognition` state. <see cref="State"/> is `ready` (gallery loaded) or `error` (no usable
/// gallery: local matching is off and nothing unlocks through it; <see cref="Error"/> says why).
/// </summary>
public sealed record LocalRecognitionState(
    string State, string Mode, int People, string? Error, string? LastPerson, double? LastDistance, string? LastOutcome)
{
    /// <summary>The `source` of local observations and events.</summary>
    public const string Source = "local";

    public const string Ready = "ready";
    public const string Failed = "error";
}

using System.Text.Json;
using System.Text.Json.Serialization;
using KvsEdge.Common;
using KvsEdge.Door;

namespace KvsEdge.Status;

/// <summary>
/// A door event on the events topic, in the decisions' shape: every key of a decision is present (person, similarity
/// and the record's fields null), so one Home Assistant template and one consumer read both.
/// </summary>
internal sealed record DoorEventPayload(
    string Type,
    string Reason,
    string? Detail,
    string? Person,
    double? Similarity,
    string? FaceId,
    string? StreamArn,
    string? FragmentNumber,
    string? ProducerTimestamp,
    string? FrameTime,
    string? Source,
    string? ReceivedAt,
    string DecidedAt);

/// <summary>The retained `door/alarms` payload.</summary>
internal sealed record DoorAlarmsPayload(bool HeldOpen, bool Forced, bool Tamper);

/// <summary>Payloads of the door's inputs: position, alarms and door events.</summary>
public static class DoorInputPayloads
{
    /// <summary>Subtopic of the retained door position (`open` / `closed`).</summary>
    public const string PositionSubtopic = "door/position";

    /// <summary>Subtopic of the retained alarms JSON (`held_open`, `forced`, `tamper`).</summary>
    public const string AlarmsSubtopic = "door/alarms";

    public const string Open = "open";
    public const string Closed = "closed";

    /// <summary>The event `source` of door events: decided on the device, by its inputs.</summary>
    public const string Source = "door";

    public static string Position(DoorPosition position) => position == DoorPosition.Open ? Open : Closed;

    public static string Alarms(DoorAlarms alarms) =>
        JsonSerializer.Serialize(new DoorAlarmsPayload(alarms.HeldOpen, alarms.Forced, alarms.Tamper), StatusJsonContext.Default.DoorAlarmsPayload);

    public static string Event(DoorEvent doorEvent)
    {
        ArgumentNullException.ThrowIfNull(doorEvent);
        var payload = new DoorEventPayload(
            doorEvent.Type, doorEvent.Reason, doorEvent.Detail, null, null, null, null, null, null, null, Source, null, Timestamps.Iso(doorEvent.At)!);
        return JsonSerializer.Serialize(payload, StatusJsonContext.Default.DoorEventPayload);
    }
}

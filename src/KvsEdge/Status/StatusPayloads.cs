using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using KvsEdge.Access;
using KvsEdge.Common;
using KvsEdge.Door;

namespace KvsEdge.Status;

/// <summary>The `events` payload. Field names are a contract (DESIGN.md): never rename them.</summary>
internal sealed record EventPayload(
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
    string DecidedAt,
    string? SnapshotId,
    double? Distance);

/// <summary>The retained `recognition` payload.</summary>
internal sealed record RecognitionPayload(string Source, string State, long? LagMs, string? LastRecordAt, string? LastError, ImageApiCounters? ImageApi, string? ConfigError, string Ledger, LocalRecognitionState? Local);

// Source generation keeps the payloads trimming-safe and reflection-free on the Pi.
// Nulls are written as null so every key is always present: consumers (Home Assistant templates) can rely on the shape.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(EventPayload))]
[JsonSerializable(typeof(RecognitionPayload))]
[JsonSerializable(typeof(LocalRecognitionState))]
[JsonSerializable(typeof(DoorEventPayload))]
[JsonSerializable(typeof(DoorAlarmsPayload))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;

/// <summary>Turns appliance values into MQTT payload strings.</summary>
public static class StatusPayloads
{
    public const string Online = "online";
    public const string Offline = "offline";
    public const string DoorFault = "fault";

    /// <summary>The retained door payload: `locked`, `unlocked`, or `fault` (the relay is not confirmed inactive).</summary>
    public static string Door(DoorState state) => state switch
    {
        DoorState.Unlocked => "unlocked",
        DoorState.Fault => DoorFault,
        _ => "locked",
    };

    public static string Recognition(RecognitionStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var payload = new RecognitionPayload(status.Source, status.State, status.LagMs, Timestamps.Iso(status.LastRecordAt), status.LastError, status.ImageApi, status.ConfigError, status.Ledger, status.Local);
        return JsonSerializer.Serialize(payload, StatusJsonContext.Default.RecognitionPayload);
    }

    public static string Event(Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var observation = decision.Observation;
        var payload = new EventPayload(
            decision.EventType,
            decision.Reason,
            decision.Detail,
            decision.Person,
            // A local match has no Rekognition similarity: its figure is the descriptor distance.
            observation is { Source: LocalRecognitionState.Source } ? null : decision.Similarity,
            decision.FaceId,
            observation?.StreamArn,
            observation?.FragmentNumber,
            observation?.ProducerTimestamp is { } seconds ? Timestamps.Iso(FromEpochSeconds(seconds)) : null,
            Timestamps.Iso(observation?.FrameTime),
            observation?.Source,
            Timestamps.Iso(observation?.ReceivedAt),
            Timestamps.Iso(decision.DecidedAt)!,
            decision.SnapshotId,
            observation?.Local is { Distance: float d } && float.IsFinite(d) ? Math.Round(d, 4) : null);
        return JsonSerializer.Serialize(payload, StatusJsonContext.Default.EventPayload);
    }

    // ProducerTimestamp is epoch seconds with a fraction (FACTS.md); keep millisecond precision.
    private static DateTimeOffset FromEpochSeconds(double seconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000.0, MidpointRounding.AwayFromZero));
}

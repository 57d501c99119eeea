using System.Text.Json;
using System.Text.Json.Serialization;
using KvsEdge.Common;

namespace KvsEdge.Camera;

/// <summary>Values of the `state` field of the camera topic.</summary>
public static class CameraState
{
    public const string Starting = "starting";
    public const string Playing = "playing";
    public const string Error = "error";
    public const string Stopped = "stopped";
}

/// <summary>What the retained `camera` topic reports.</summary>
public sealed record CameraStatus(
    string State,
    string Source,
    string? Encoder,
    IReadOnlyList<string> Sinks,
    double Fps,
    int BitrateKbps,
    int Restarts,
    string? LastError,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The JSON payload of the camera topic.</summary>
    public string ToJson()
    {
        var payload = new CameraPayload(
            State,
            Source,
            Encoder,
            [.. Sinks],
            Math.Round(Fps, 1, MidpointRounding.AwayFromZero),
            BitrateKbps,
            Restarts,
            LastError,
            Timestamps.Iso(UpdatedAt)!);
        return JsonSerializer.Serialize(payload, CameraJsonContext.Default.CameraPayload);
    }
}

/// <summary>The `camera` payload. Field names are a contract (DESIGN.md): never rename them.</summary>
internal sealed record CameraPayload(
    string State,
    string Source,
    string? Encoder,
    IReadOnlyList<string> Sinks,
    double Fps,
    int BitrateKbps,
    int Restarts,
    string? LastError,
    string UpdatedAt);

// Source generation: trimming-safe, no reflection on the Pi. Nulls stay in so the shape is fixed.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CameraPayload))]
internal sealed partial class CameraJsonContext : JsonSerializerContext;

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KvsEdge.Aws;

// Request and response shapes exactly as the kinesisvideo / kinesis-video-archived-media 2017-09-30 REST-JSON APIs name them.

internal sealed record KvsCreateStreamRequest
{
    public required string StreamName { get; init; }

    public int DataRetentionInHours { get; init; }

    public string? MediaType { get; init; }
}

internal sealed record KvsCreateStreamResponse
{
    [JsonPropertyName("StreamARN")]
    public string? StreamArn { get; init; }
}

/// <summary>DescribeStream and GetDataEndpoint take either StreamName or StreamARN.</summary>
internal sealed record KvsStreamRequest
{
    public string? StreamName { get; init; }

    [JsonPropertyName("StreamARN")]
    public string? StreamArn { get; init; }

    [JsonPropertyName("APIName")]
    public string? ApiName { get; init; }
}

internal sealed record KvsDescribeStreamResponse(KvsStreamInfoWire? StreamInfo);

internal sealed record KvsStreamInfoWire
{
    public string? StreamName { get; init; }

    [JsonPropertyName("StreamARN")]
    public string? StreamArn { get; init; }

    public string? Status { get; init; }

    public int? DataRetentionInHours { get; init; }

    public string? Version { get; init; }

    [JsonConverter(typeof(AwsTimestampConverter))]
    public DateTimeOffset? CreationTime { get; init; }

    public string? MediaType { get; init; }

    public string? DeviceName { get; init; }

    public string? KmsKeyId { get; init; }
}

internal sealed record KvsDeleteStreamRequest
{
    [JsonPropertyName("StreamARN")]
    public required string StreamArn { get; init; }

    public string? CurrentVersion { get; init; }
}

internal sealed record KvsGetDataEndpointResponse(string? DataEndpoint);

internal sealed record KvsGetClipRequest
{
    public string? StreamName { get; init; }

    [JsonPropertyName("StreamARN")]
    public string? StreamArn { get; init; }

    public required KvsClipFragmentSelector ClipFragmentSelector { get; init; }
}

internal sealed record KvsClipFragmentSelector(string FragmentSelectorType, KvsClipTimestampRange TimestampRange);

internal sealed record KvsClipTimestampRange(
    [property: JsonConverter(typeof(EpochSecondsConverter))] DateTimeOffset StartTimestamp,
    [property: JsonConverter(typeof(EpochSecondsConverter))] DateTimeOffset EndTimestamp);

/// <summary>
/// A REST-JSON timestamp: AWS sends epoch seconds (a number); stand-ins sometimes send ISO 8601 or a numeric string.
/// </summary>
internal sealed class AwsTimestampConverter : JsonConverter<DateTimeOffset?>
{
    private static readonly EpochSecondsConverter Epoch = new();

    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number:
                return Epoch.Read(ref reader, typeof(DateTimeOffset), options);
            case JsonTokenType.String:
                var text = reader.GetString();
                if (decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
                {
                    return DateTimeOffset.UnixEpoch.AddTicks(decimal.ToInt64(decimal.Round(seconds * TimeSpan.TicksPerSecond)));
                }

                if (DateTimeOffset.TryParse(
                    text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
                {
                    return parsed;
                }

                throw new JsonException($"Unreadable timestamp '{text}'.");
            default:
                throw new JsonException($"Expected a timestamp, got {reader.TokenType}.");
        }
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } v)
        {
            Epoch.Write(writer, v, options);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(KvsCreateStreamRequest))]
[JsonSerializable(typeof(KvsCreateStreamResponse))]
[JsonSerializable(typeof(KvsStreamRequest))]
[JsonSerializable(typeof(KvsDescribeStreamResponse))]
[JsonSerializable(typeof(KvsDeleteStreamRequest))]
[JsonSerializable(typeof(KvsGetDataEndpointResponse))]
[JsonSerializable(typeof(KvsGetClipRequest))]
internal sealed partial class KinesisVideoJsonContext : JsonSerializerContext;

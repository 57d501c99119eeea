using System.Text.Json;
using System.Text.Json.Serialization;

namespace KvsEdge.Aws;

/// <summary>AWS JSON timestamps: Unix epoch seconds with a fraction (e.g. <c>1795581309.147</c>).</summary>
internal sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw new JsonException($"Expected epoch seconds as a number, got {reader.TokenType}.");
        }

        // decimal keeps the millisecond fraction exact where double would round 0.147 to 0.14699...
        var seconds = reader.GetDecimal();
        return DateTimeOffset.UnixEpoch.AddTicks(decimal.ToInt64(decimal.Round(seconds * TimeSpan.TicksPerSecond)));
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue((decimal)(value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerSecond);
    }
}

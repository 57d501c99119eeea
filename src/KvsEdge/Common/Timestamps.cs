using System.Globalization;

namespace KvsEdge.Common;

/// <summary>Timestamps as every payload carries them (DESIGN.md): ISO 8601, UTC, milliseconds.</summary>
public static class Timestamps
{
    public static string? Iso(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

using System.Globalization;

namespace KvsEdge.Common;

/// <summary>Timestamps as every payload carries them (DESIGN.md): ISO 8601, UTC, milliseconds, e.g. <c>2026-11-25T10:00:00.123Z</c>.</summary>
public static class Timestamps
{
    public static string? Iso(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

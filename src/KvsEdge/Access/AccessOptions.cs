namespace KvsEdge.Access;

/// <summary>The `Access` configuration section: who may enter, when, and how sure the match must be.</summary>
public sealed class AccessOptions
{
    public const string SectionName = "Access";

    /// <summary>Similarity (0-100) a match needs when the person sets no MinSimilarity of their own.</summary>
    public double DefaultMinSimilarity { get; set; } = 90;

    /// <summary>Frames older than this (frame time vs now) never unlock: a late record is not a person at the door.</summary>
    public TimeSpan MaxEventAge { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Frames dated further than this in the future are ignored (clock_skew): their time cannot be trusted.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>After a grant, the same person is ignored for this long (by frame time), so one visit pulses once.</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>IANA zone in which schedules are read, e.g. "Europe/Berlin".</summary>
    public string TimeZone { get; set; } = "UTC";

    public ConfirmationOptions Confirmation { get; set; } = new();

    /// <summary>Characters that end the person part of an ExternalImageId: with "_-", `alice_2` and `alice-front` are alice.</summary>
    public string IdSeparators { get; set; } = "_-";

    /// <summary>ExternalImageId → person name, checked before the separator rule (case-insensitive).</summary>
    public Dictionary<string, string> Aliases { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The allow list: person name (case-insensitive) → their settings. Empty lets nobody in.</summary>
    public Dictionary<string, PersonOptions> People { get; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Grant only when at least <see cref="Required"/> of the last <see cref="OutOf"/> frames within <see cref="Window"/> matched the person.</summary>
public sealed class ConfirmationOptions
{
    public int Required { get; set; } = 1;

    public int OutOf { get; set; } = 1;

    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(3);
}

public sealed class PersonOptions
{
    /// <summary>0-100; null uses <see cref="AccessOptions.DefaultMinSimilarity"/>.</summary>
    public double? MinSimilarity { get; set; }

    /// <summary>When this person may enter; empty means at any time.</summary>
    public List<ScheduleWindowOptions> Schedule { get; } = [];
}

/// <summary>
/// A weekly window in <see cref="AccessOptions.TimeZone"/> wall-clock time. From is inclusive, To exclusive;
/// To ≤ From runs across midnight into the next day (From == To is 24 hours). Days name the day the window starts.
/// </summary>
public sealed class ScheduleWindowOptions
{
    /// <summary>"Monday" or "Mon" (case-insensitive); at least one.</summary>
    public List<string> Days { get; } = [];

    /// <summary>"HH:mm".</summary>
    public string From { get; set; } = "00:00";

    /// <summary>"HH:mm".</summary>
    public string To { get; set; } = "00:00";
}

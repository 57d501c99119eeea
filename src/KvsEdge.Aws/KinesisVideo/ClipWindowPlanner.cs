using System.Globalization;

namespace KvsEdge.Aws;

/// <summary>
/// Splits a long range into GetClip-sized windows. A clip stops at 100 MB or 200 fragments, so a long range fetched in
/// one request comes back silently truncated; windows of a few minutes stay under both limits at camera bitrates.
/// </summary>
public static class ClipWindowPlanner
{
    public static readonly TimeSpan DefaultMaxWindow = TimeSpan.FromMinutes(5);

    /// <summary>More windows than this is a mistake in the arguments, not a download plan.</summary>
    public const int MaxWindows = 10_000;

    /// <inheritdoc cref="Plan(DateTimeOffset, DateTimeOffset, TimeSpan)"/>
    public static IReadOnlyList<ClipWindow> Plan(DateTimeOffset from, DateTimeOffset to) => Plan(from, to, DefaultMaxWindow);

    /// <summary>
    /// Equal, contiguous windows covering [<paramref name="from"/>, <paramref name="to"/>), each at most
    /// <paramref name="maxWindow"/> long: the first starts at <paramref name="from"/>, each next one where the previous
    /// ended, the last ends exactly at <paramref name="to"/>. GetClip's end is inclusive, so a fragment starting exactly
    /// on a boundary can appear in two adjacent clips.
    /// </summary>
    /// <exception cref="ArgumentException">Empty or reversed range, window not in (0, 24 h], or too many windows.</exception>
    public static IReadOnlyList<ClipWindow> Plan(DateTimeOffset from, DateTimeOffset to, TimeSpan maxWindow)
    {
        if (to <= from)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The range end ({to:O}) must be after its start ({from:O})."), nameof(to));
        }

        if (maxWindow <= TimeSpan.Zero || maxWindow > KinesisVideoArchivedMediaClient.MaxClipRange)
        {
            throw new ArgumentOutOfRangeException(
                nameof(maxWindow), maxWindow, "A clip window must be longer than zero and at most 24 h.");
        }

        var total = (to - from).Ticks;
        var count = (total + maxWindow.Ticks - 1) / maxWindow.Ticks;
        if (count > MaxWindows)
        {
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{from:O} to {to:O} in windows of {maxWindow} makes {count} clips (more than {MaxWindows}); use longer windows or a shorter range."),
                nameof(maxWindow));
        }

        var windows = new ClipWindow[count];
        var start = from;
        for (var i = 1; i <= count; i++)
        {
            // Int128: total * i can exceed long for ranges of centuries in ticks; boundaries are exact, no drift.
            var end = i == count ? to : from.AddTicks((long)((Int128)total * i / count));
            windows[i - 1] = new ClipWindow(start, end);
            start = end;
        }

        return windows;
    }
}

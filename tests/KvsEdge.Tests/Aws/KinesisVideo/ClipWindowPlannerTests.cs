using KvsEdge.Aws;

namespace KvsEdge.Tests.Aws.KinesisVideo;

public sealed class ClipWindowPlannerTests
{
    private static readonly DateTimeOffset From = new(2026, 11, 25, 5, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Default_windows_are_at_most_five_minutes_and_equal()
    {
        var windows = ClipWindowPlanner.Plan(From, From.AddMinutes(12));

        Assert.Equal(3, windows.Count);
        Assert.All(windows, w => Assert.Equal(TimeSpan.FromMinutes(4), w.Duration));
        AssertContiguous(windows, From, From.AddMinutes(12));
    }

    [Fact]
    public void An_exact_multiple_gives_full_windows()
    {
        var windows = ClipWindowPlanner.Plan(From, From.AddMinutes(15), TimeSpan.FromMinutes(5));

        Assert.Equal([From, From.AddMinutes(5), From.AddMinutes(10)], windows.Select(w => w.Start));
        Assert.All(windows, w => Assert.Equal(TimeSpan.FromMinutes(5), w.Duration));
    }

    [Fact]
    public void A_short_range_is_one_window()
    {
        var window = Assert.Single(ClipWindowPlanner.Plan(From, From.AddSeconds(42)));
        Assert.Equal(new ClipWindow(From, From.AddSeconds(42)), window);
    }

    [Theory]
    [InlineData(1, 7, 1)]
    [InlineData(10, 7, 2)]
    [InlineData(61, 5, 13)]
    [InlineData(1440, 60, 24)]
    [InlineData(2000, 3, 667)]
    public void Windows_cover_the_range_without_gaps_or_overlap(int rangeMinutes, int maxMinutes, int expectedCount)
    {
        var to = From.AddMinutes(rangeMinutes).AddMilliseconds(7);
        var max = TimeSpan.FromMinutes(maxMinutes);

        var windows = ClipWindowPlanner.Plan(From, to, max);

        Assert.Equal(expectedCount + (rangeMinutes % maxMinutes == 0 ? 1 : 0), windows.Count);
        AssertContiguous(windows, From, to);
        Assert.All(windows, w => Assert.InRange(w.Duration, TimeSpan.FromTicks(1), max));
        var spread = windows.Max(w => w.Duration) - windows.Min(w => w.Duration);
        Assert.True(spread <= TimeSpan.FromTicks(1), $"windows differ by {spread}");
    }

    [Fact]
    public void A_reversed_or_empty_range_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ClipWindowPlanner.Plan(From, From));
        var ex = Assert.Throws<ArgumentException>(() => ClipWindowPlanner.Plan(From, From.AddMinutes(-1)));
        Assert.Contains("must be after its start", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_window_must_be_positive_and_at_most_a_day()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipWindowPlanner.Plan(From, From.AddHours(1), TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipWindowPlanner.Plan(From, From.AddHours(1), TimeSpan.FromMinutes(-5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipWindowPlanner.Plan(From, From.AddDays(3), TimeSpan.FromHours(25)));
        Assert.Equal(3, ClipWindowPlanner.Plan(From, From.AddDays(3), TimeSpan.FromHours(24)).Count);
    }

    [Fact]
    public void Absurd_plans_are_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => ClipWindowPlanner.Plan(From, From.AddDays(365), TimeSpan.FromSeconds(1)));
        Assert.Contains("longer windows", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_window_passes_GetClip_validation()
    {
        foreach (var w in ClipWindowPlanner.Plan(From, From.AddDays(2).AddSeconds(1), TimeSpan.FromHours(24)))
        {
            KinesisVideoArchivedMediaClient.ValidateRange(w.Start, w.End);
        }
    }

    private static void AssertContiguous(IReadOnlyList<ClipWindow> windows, DateTimeOffset from, DateTimeOffset to)
    {
        Assert.Equal(from, windows[0].Start);
        Assert.Equal(to, windows[^1].End);
        for (var i = 1; i < windows.Count; i++)
        {
            Assert.Equal(windows[i - 1].End, windows[i].Start);
        }
    }
}

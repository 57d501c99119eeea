using KvsEdge.Cloud;

namespace KvsEdge.Tests.Cloud;

public sealed class ClipRangeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 18, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("1m", 60)]
    [InlineData("1h30m", 5400)]
    [InlineData("2H", 7200)]
    [InlineData("1.5m", 90)]
    [InlineData("1d", 86400)]
    [InlineData("00:05:00", 300)]
    public void Durations_people_type_are_understood(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), ClipRange.ParseDuration(text));

    [Theory]
    [InlineData("0s", "longer than zero")]
    [InlineData("five minutes", "is not a duration")]
    [InlineData("-1m", "is not a duration")]
    public void Bad_durations_say_what_is_wrong(string text, string message)
    {
        var ex = Assert.Throws<ClipRangeException>(() => ClipRange.ParseDuration(text));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_option_is_named_in_the_error() =>
        Assert.StartsWith("--max-window '0m'", Assert.Throws<ClipRangeException>(() => ClipRange.ParseDuration("0m", "--max-window")).Message, StringComparison.Ordinal);

    [Fact]
    public void Last_ends_now() =>
        Assert.Equal((Now.AddMinutes(-1), Now), ClipRange.Resolve("1m", null, null, Now));

    [Fact]
    public void From_without_to_ends_now_and_a_time_without_offset_is_utc() =>
        Assert.Equal((Now.AddHours(-1), Now), ClipRange.Resolve(null, "2026-11-30T17:00:00", null, Now));

    [Fact]
    public void From_and_to_with_offsets_are_kept_as_instants()
    {
        var (from, to) = ClipRange.Resolve(null, "2026-11-30T18:00:00+02:00", "2026-11-30T16:30:00Z", Now);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 16, 0, 0, TimeSpan.Zero), from.ToUniversalTime());
        Assert.Equal(TimeSpan.FromMinutes(30), to - from);
    }

    [Theory]
    [InlineData("1m", "2026-11-30T17:00:00Z", null, "either --last or --from/--to")]
    [InlineData(null, null, null, "Say which video to fetch")]
    [InlineData(null, null, "2026-11-30T17:00:00Z", "--to needs --from")]
    [InlineData(null, "2026-11-30T17:00:00Z", "2026-11-30T16:00:00Z", "must be after --from")]
    [InlineData(null, "2026-11-30T17:00:00Z", "2026-11-30T17:00:00Z", "must be after --from")]
    [InlineData(null, "2026-12-01T00:00:00Z", "2026-12-01T01:00:00Z", "in the future")]
    [InlineData(null, "yesterday", null, "--from 'yesterday' is not a time")]
    public void Bad_ranges_say_what_is_wrong(string? last, string? from, string? to, string message)
    {
        var ex = Assert.Throws<ClipRangeException>(() => ClipRange.Resolve(last, from, to, Now));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_window_keeps_the_name_and_several_are_numbered_beside_it()
    {
        Assert.Equal(["door.mp4"], ClipDownloader.FileNames("door.mp4", 1));
        Assert.Equal(
            [Path.Combine("out", "door-001.mp4"), Path.Combine("out", "door-002.mp4")],
            ClipDownloader.FileNames(Path.Combine("out", "door.mp4"), 2));
        Assert.Equal("clip-1000.mp4", ClipDownloader.FileNames("clip", 1000)[^1]);
    }

    [Theory]
    [InlineData("s3://photos", "photos", "")]
    [InlineData("s3://photos/people/", "photos", "people/")]
    [InlineData("S3://photos/a/b", "photos", "a/b")]
    public void S3_locations_parse(string text, string bucket, string prefix)
    {
        Assert.True(S3Location.TryParse(text, out var location));
        Assert.Equal(new S3Location(bucket, prefix), location);
    }

    [Theory]
    [InlineData("/home/pi/photos")]
    [InlineData("s3://")]
    [InlineData("s3:///prefix")]
    public void Other_sources_are_not_s3(string text) => Assert.False(S3Location.TryParse(text, out _));
}

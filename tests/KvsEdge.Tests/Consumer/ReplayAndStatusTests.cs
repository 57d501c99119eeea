using System.Text.Json;
using KvsEdge.Recognition;
using KvsEdge.Status;
using Microsoft.Extensions.Time.Testing;

using KvsEdge.TestSupport;

namespace KvsEdge.Tests.Consumer;

public sealed class ReplayAndStatusTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-replay-").FullName;

    [Fact]
    public void The_bundled_demo_file_loads_and_each_record_is_retimed_to_its_age()
    {
        var entries = ReplayFaceMatchSource.Load(ReplayFaceMatchSource.DefaultFile);
        Assert.True(entries.Count >= 5);
        Assert.Contains(entries, e => e.RepeatPrevious);
        Assert.Contains(entries, e => e.Raw is not null);

        var now = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
        foreach (ReplayEntry entry in entries.Where(e => e.Record is not null))
        {
            var parsed = FaceSearchRecordParser.Parse(entry.Render(now), RecognitionSources.Replay, now);
            Assert.True(parsed.IsSuccess, parsed.Error);
            Assert.InRange((now - parsed.Frame!.FrameTime).TotalSeconds, entry.AgeSeconds - 0.002, entry.AgeSeconds + 0.002);
        }
    }

    [Theory]
    [InlineData("{}", "JSON array")]
    [InlineData("[ 42 ]", "entry 1 is not an object")]
    [InlineData("""[ { "label": "x" } ]""", "entry 1 (x) needs 'record', 'raw' or 'repeatPrevious'")]
    [InlineData("""[ { "label": "first", "repeatPrevious": true } ]""", "cannot repeat")]
    public void A_bad_replay_file_names_the_entry(string json, string expected)
    {
        string file = Path.Combine(_directory, "bad.json");
        File.WriteAllText(file, json);
        var error = Assert.ThrowsAny<Exception>(() => ReplayFaceMatchSource.Load(file));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.True(error is InvalidDataException or JsonException);
    }

    [Fact]
    public void Recognition_state_is_published_on_change_and_lag_at_most_every_five_seconds()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var status = new RecordingStatus();
        var reporter = new RecognitionStatusReporter(status, time);

        reporter.Report(RecognitionSources.Kinesis, "starting");
        reporter.ShardProgress(RecognitionSources.Kinesis, "shard-0", 1500, null);
        reporter.ShardProgress(RecognitionSources.Kinesis, "shard-1", 400, null);
        time.Advance(TimeSpan.FromSeconds(1));
        reporter.ShardProgress(RecognitionSources.Kinesis, "shard-0", 200, null);
        Assert.Equal(["starting", "running"], status.Recognition.Select(r => r.State));

        time.Advance(RecognitionStatusReporter.RepublishInterval);
        reporter.ShardProgress(RecognitionSources.Kinesis, "shard-0", 100, null);
        RecognitionStatus last = status.Recognition.Last();
        Assert.Equal(400, last.LagMs); // the slowest shard
        Assert.Equal(3, status.Recognition.Count);

        reporter.Report(RecognitionSources.Kinesis, "error", "stream deleted");
        Assert.Equal(("error", "stream deleted"), (status.Recognition.Last().State, status.Recognition.Last().LastError));
    }

    [Fact]
    public void Ledger_availability_is_published_at_once_in_the_recognition_state_and_kept_in_later_ones()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var status = new RecordingStatus();
        var reporter = new RecognitionStatusReporter(status, time);

        reporter.LedgerAvailability(false); // before any source reported: carried by the first state
        Assert.Empty(status.Recognition);
        reporter.Report(RecognitionSources.Kinesis, "starting");
        Assert.Equal(RecognitionStatus.LedgerUnavailable, status.Recognition.Last().Ledger);

        reporter.LedgerAvailability(true);
        Assert.Equal(("starting", RecognitionStatus.LedgerOk), (status.Recognition.Last().State, status.Recognition.Last().Ledger));
        reporter.LedgerAvailability(false);
        reporter.ShardProgress(RecognitionSources.Kinesis, "shard-0", 10, null);
        Assert.Equal(("running", RecognitionStatus.LedgerUnavailable), (status.Recognition.Last().State, status.Recognition.Last().Ledger));
        Assert.Equal(4, status.Recognition.Count);
    }

    [Theory]
    [InlineData("kinesis", null, "Recognition:Kinesis:StreamName is required")]
    [InlineData("kinesis", "bad name!", "is not a valid stream name")]
    [InlineData("replay", null, null)]
    [InlineData("kinesis", "door-events", null)]
    public void Recognition_options_are_checked_per_source(string source, string? stream, string? expected)
    {
        var options = new RecognitionOptions { Source = source, Kinesis = new KinesisSourceOptions { StreamName = stream } };
        var result = new RecognitionOptionsValidator().Validate(null, options);
        if (expected is null)
        {
            Assert.True(result.Succeeded, result.FailureMessage);
        }
        else
        {
            Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

using KvsEdge.Recognition;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Recognition;

/// <summary>The progress the service watchdog reads, with one source or two side by side.</summary>
public sealed class RecognitionProgressTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly RecognitionStatusReporter _reporter;

    public RecognitionProgressTests()
    {
        _reporter = new RecognitionStatusReporter(new RecordingStatus(), _time);
    }

    [Fact]
    public void No_progress_reads_zero()
    {
        Assert.Equal(0, _reporter.LastProgressTimestamp);
    }

    [Fact]
    public void With_two_sources_a_hung_one_shows_although_the_other_keeps_going()
    {
        _reporter.ShardProgress(RecognitionSources.Kinesis, "shardId-000000000000", 0, null);
        long kinesis = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromSeconds(30));
        _reporter.Heartbeat(RecognitionSources.ImageApi);

        Assert.Equal(kinesis, _reporter.LastProgressTimestamp);

        _reporter.ShardProgress(RecognitionSources.Kinesis, "shardId-000000000000", 0, null);
        Assert.Equal(_time.GetTimestamp(), _reporter.LastProgressTimestamp);
    }

    [Fact]
    public void A_source_that_stopped_cleanly_no_longer_holds_progress_back()
    {
        _reporter.Heartbeat(RecognitionSources.ImageApi);
        _time.Advance(TimeSpan.FromSeconds(30));
        _reporter.ShardProgress(RecognitionSources.Kinesis, "shardId-000000000000", 0, null);

        _reporter.Report(RecognitionSources.ImageApi, "stopped");

        Assert.Equal(_time.GetTimestamp(), _reporter.LastProgressTimestamp);
    }
}

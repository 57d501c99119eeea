using KvsEdge.Recognition;
using KvsEdge.Status;
using KvsEdge.Systemd;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Systemd;

/// <summary>What counts as progress for the watched loops.</summary>
public sealed class LoopProgressTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly SignallingTimeProvider _time = new();

    [Theory]
    [InlineData(false, 100, 0, 500, 100)] // disconnected: the last connect attempt or publish
    [InlineData(false, 100, 50, 500, 100)]
    [InlineData(true, 100, 0, 500, 500)] // connected, nothing waiting: idle is healthy however long
    [InlineData(true, 100, 300, 500, 300)] // connected, a message waits since 300: counts from then
    [InlineData(true, 400, 300, 500, 400)] // connected, a backlog, but still publishing
    public void Mqtt_progress_is_activity_or_a_connected_idle_sender(bool connected, long lastProgress, long unsentSince, long now, long expected)
    {
        Assert.Equal(expected, MqttLoopProgress.Progress(connected, lastProgress, unsentSince, now));
    }

    [Fact]
    public async Task Mqtt_counts_while_its_loop_runs_with_the_reconnect_schedule_as_its_bound()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0);
        MqttOptions options = TestPublishers.Options(broker.Host, broker.Port);
        using MqttStatusPublisher publisher = TestPublishers.Create(options, "wd-" + Guid.NewGuid().ToString("N")[..8], _time);
        var mqtt = new MqttLoopProgress(publisher, Options.Create(options), _time);
        Assert.False(mqtt.IsActive); // not started

        await publisher.StartAsync(CancellationToken.None);
        Assert.True(mqtt.IsActive);
        Assert.Equal(options.ReconnectMaxDelay + options.ConnectTimeout + SystemdNotifier.Grace, mqtt.StallAfter);

        await publisher.StopAsync(CancellationToken.None);
        Assert.False(mqtt.IsActive);
    }

    [Fact]
    public async Task Mqtt_turned_off_does_not_count()
    {
        var options = new MqttOptions { Enabled = false };
        using MqttStatusPublisher publisher = TestPublishers.Create(options, "off", _time);
        await publisher.StartAsync(CancellationToken.None);
        await publisher.ExecuteTask!.WaitAsync(Timeout);

        Assert.False(new MqttLoopProgress(publisher, Options.Create(options), _time).IsActive);
    }

    [Fact]
    public void Recognition_counts_retries_as_progress_and_a_stopped_source_not_at_all()
    {
        var reporter = new RecognitionStatusReporter(new NullStatusPublisher(), _time);
        var recognition = new RecognitionLoopProgress(reporter, Options.Create(new RecognitionOptions()));
        Assert.False(recognition.IsActive); // nothing reported yet

        reporter.Report(RecognitionSources.Kinesis, "waiting", "stream not found");
        long first = recognition.LastProgressTimestamp;
        _time.Advance(TimeSpan.FromSeconds(30));
        reporter.Report(RecognitionSources.Kinesis, "waiting", "stream not found"); // a retry on schedule: alive
        Assert.True(recognition.IsActive);
        Assert.Equal(TimeSpan.FromSeconds(30), _time.GetElapsedTime(first, recognition.LastProgressTimestamp));

        reporter.Report(RecognitionSources.Kinesis, "stopped");
        Assert.False(recognition.IsActive);

        // Kinesis: the longest backoff or discovery round, plus one request's timeout, plus the grace.
        Assert.Equal(TimeSpan.FromSeconds(30 + 30) + SystemdNotifier.Grace, recognition.StallAfter);
    }

    [Fact]
    public void Recognition_bound_is_the_longest_rule_of_every_configured_source()
    {
        var reporter = new RecognitionStatusReporter(new NullStatusPublisher(), _time);
        TimeSpan Bound(string source) =>
            new RecognitionLoopProgress(reporter, Options.Create(new RecognitionOptions { Source = source })).StallAfter - SystemdNotifier.Grace;

        // Image API: one frame wait (1 s), one throttling backoff (2 s) and one request (30 s) between two beats.
        Assert.Equal(TimeSpan.FromSeconds(1 + 2 + 30), Bound(RecognitionSources.ImageApi));
        // Kinesis: its 30 s discovery round plus one request's timeout.
        Assert.Equal(TimeSpan.FromSeconds(30 + 30), Bound(RecognitionSources.Kinesis));
        // Both: the slower rule, because the reporter's stamp is the least recent of the two sources.
        Assert.Equal(TimeSpan.FromSeconds(30 + 30), Bound("kinesis,image-api"));
    }

    private sealed class NullStatusPublisher : IStatusPublisher
    {
        public void PublishDoor(KvsEdge.Door.DoorState state)
        {
        }

        public void PublishRecognition(RecognitionStatus status)
        {
        }

        public void PublishEvent(KvsEdge.Access.Decision decision)
        {
        }

        public void PublishDoorEvent(KvsEdge.Door.DoorEvent doorEvent)
        {
        }

        public void PublishState(string subtopic, string payload)
        {
        }
    }
}

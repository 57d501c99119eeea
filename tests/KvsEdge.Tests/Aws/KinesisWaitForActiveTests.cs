using Microsoft.Extensions.Time.Testing;
using KvsEdge.Aws;

using KvsEdge.TestSupport;

namespace KvsEdge.Tests.Aws;

public sealed class KinesisWaitForActiveTests
{
    private static string Summary(string status) =>
        $$$"""{"StreamDescriptionSummary":{"StreamName":"s","StreamARN":"arn:s","StreamStatus":"{{{status}}}","OpenShardCount":1}}""";

    [Fact]
    public async Task Polls_until_the_stream_is_active()
    {
        var handler = new RecordingHandler().RespondJson(Summary("CREATING")).RespondJson(Summary("CREATING")).RespondJson(Summary("ACTIVE"));
        using var client = AwsTestClients.Kinesis(handler);
        var time = new TimerSignallingTimeProvider();

        var wait = client.WaitForActiveAsync("s", time, TimeSpan.FromSeconds(30), CancellationToken.None);

        await time.WhenTimerCount(1);
        Assert.False(wait.IsCompleted);
        time.Fake.Advance(KinesisClient.ActivePollInterval);
        await time.WhenTimerCount(2);
        Assert.False(wait.IsCompleted);
        time.Fake.Advance(KinesisClient.ActivePollInterval);

        var summary = await wait;
        Assert.True(summary.IsActive);
        Assert.Equal(3, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal("Kinesis_20131202.DescribeStreamSummary", r.Headers["X-Amz-Target"]));
    }

    [Fact]
    public async Task Gives_up_with_a_timeout_naming_the_last_status()
    {
        var handler = new RecordingHandler();
        for (var i = 0; i < 10; i++)
        {
            handler.RespondJson(Summary("UPDATING"));
        }

        using var client = AwsTestClients.Kinesis(handler);
        var time = new TimerSignallingTimeProvider();

        var wait = client.WaitForActiveAsync("s", time, TimeSpan.FromSeconds(2.5), CancellationToken.None);
        for (var timer = 1; timer <= 3; timer++)
        {
            await time.WhenTimerCount(timer);
            time.Fake.Advance(KinesisClient.ActivePollInterval);
        }

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => wait);
        Assert.Contains("UPDATING", ex.Message, StringComparison.Ordinal);
        // Polls at 0 s, 1 s, 2 s and a last one at 2.5 s (the final delay is cut to the remaining time).
        Assert.Equal(4, handler.Requests.Count);
    }

    [Fact]
    public async Task An_already_active_stream_returns_without_waiting()
    {
        var handler = new RecordingHandler().RespondJson(Summary("ACTIVE"));
        using var client = AwsTestClients.Kinesis(handler);
        var time = new TimerSignallingTimeProvider();

        await client.WaitForActiveAsync("s", time, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(0, time.TimerCount);
    }

    /// <summary>A fake clock that says when a timer is created, so tests advance time only once a delay is pending.</summary>
    private sealed class TimerSignallingTimeProvider : TimeProvider
    {
        private readonly Lock _gate = new();
        private readonly List<(int Count, TaskCompletionSource Waiter)> _waiters = [];

        public FakeTimeProvider Fake { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

        public int TimerCount { get; private set; }

        public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

        public override long GetTimestamp() => Fake.GetTimestamp();

        public override long TimestampFrequency => Fake.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = Fake.CreateTimer(callback, state, dueTime, period);
            List<TaskCompletionSource> ready;
            lock (_gate)
            {
                TimerCount++;
                ready = _waiters.Where(w => w.Count <= TimerCount).Select(w => w.Waiter).ToList();
                _waiters.RemoveAll(w => w.Count <= TimerCount);
            }

            ready.ForEach(w => w.SetResult());
            return timer;
        }

        public Task WhenTimerCount(int count)
        {
            lock (_gate)
            {
                if (TimerCount >= count)
                {
                    return Task.CompletedTask;
                }

                var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, waiter));
                return waiter.Task;
            }
        }
    }
}

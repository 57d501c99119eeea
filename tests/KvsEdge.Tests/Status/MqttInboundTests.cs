using KvsEdge.Status;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Tests.Status;

/// <summary>The publisher's inbound plumbing against the in-process broker; reconnect backoff on a fake clock.</summary>
public sealed class MqttInboundTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly SignallingTimeProvider _time = new();
    private readonly string _deviceId = "in-" + Guid.NewGuid().ToString("N")[..8];
    private readonly CapturingLogger _log = new();

    private string ClientId => "kvsedge-" + _deviceId;

    private MqttStatusPublisher CreatePublisher(int port, params IMqttInboundHandler[] handlers) =>
        TestPublishers.Create(TestPublishers.Options("127.0.0.1", port), _deviceId, _time, _log, () => handlers);

    [Fact]
    public async Task Matching_messages_reach_their_handler_with_the_retain_flag_and_subscriptions_survive_a_reconnect()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0);
        string commands = $"cmd/{_deviceId}";
        await using var sender = await MqttProbe.ConnectAsync(broker.Host, broker.Port, "unused/" + _deviceId);
        await sender.PublishAsync(commands + "/old", "before-start", retain: true);
        var handler = new RecordingInboundHandler(commands + "/#");
        var elsewhere = new RecordingInboundHandler($"other/{_deviceId}");
        using var publisher = CreatePublisher(broker.Port, handler, elsewhere);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            MqttInboundMessage replayed = await handler.WaitForAsync(m => RecordingInboundHandler.Text(m) == "before-start", Timeout);
            Assert.True(replayed.Retain); // the broker's stored copy, delivered on subscribe

            await sender.PublishAsync(commands + "/live", "now");
            MqttInboundMessage live = await handler.WaitForAsync(m => RecordingInboundHandler.Text(m) == "now", Timeout);
            Assert.False(live.Retain);
            Assert.Equal(commands + "/live", live.Topic);

            publisher.SimulateConnectionLoss();
            _time.Advance(await _time.NextTimerAsync(Timeout));

            // The new connection subscribed again: the retained copy comes once more, and new messages arrive.
            await handler.WaitForNthAsync(2, m => RecordingInboundHandler.Text(m) == "before-start", Timeout);
            await sender.PublishAsync(commands + "/live", "after-reconnect");
            await handler.WaitForAsync(m => RecordingInboundHandler.Text(m) == "after-reconnect", Timeout);
            Assert.Empty(elsewhere.Messages);
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_throwing_handler_is_logged_and_neither_ends_the_connection_nor_starves_the_others()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0);
        int connections = 0;
        broker.Server.ClientConnectedAsync += e =>
        {
            if (e.ClientId == ClientId)
            {
                Interlocked.Increment(ref connections);
            }

            return Task.CompletedTask;
        };
        string topic = $"cmd/{_deviceId}";
        var faulty = new RecordingInboundHandler(topic, throws: true);
        var healthy = new RecordingInboundHandler(topic);
        await using var sender = await MqttProbe.ConnectAsync(broker.Host, broker.Port, $"kvsedge/{_deviceId}/availability");
        using var publisher = CreatePublisher(broker.Port, faulty, healthy);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            await sender.WaitForAsync($"kvsedge/{_deviceId}/availability", "online", Timeout);

            await sender.PublishAsync(topic, "first");
            await sender.PublishAsync(topic, "second");
            await healthy.WaitForAsync(m => RecordingInboundHandler.Text(m) == "second", Timeout);

            Assert.Equal(["first", "second"], faulty.Messages.Select(RecordingInboundHandler.Text));
            Assert.Equal(2, _log.Entries.Count(e => e.EventId.Id == 1322));
            Assert.True(publisher.IsConnected);
            Assert.Equal(1, Volatile.Read(ref connections));
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData("homeassistant/status", true)]
    [InlineData("kvsedge/+/trigger", true)]
    [InlineData("kvsedge/#", true)]
    [InlineData("#", true)]
    [InlineData("", false)]
    [InlineData("kvsedge/#/trigger", false)]
    [InlineData("kvsedge/a+/trigger", false)]
    [InlineData("kvsedge#", false)]
    public void Only_valid_topic_filters_are_subscribed(string filter, bool usable)
    {
        Assert.Equal(usable, MqttStatusPublisher.IsUsableFilter(filter));
    }

    private sealed class CapturingLogger : ILogger<MqttStatusPublisher>
    {
        private readonly Lock _gate = new();
        private readonly List<(EventId EventId, string Message)> _entries = [];

        public IReadOnlyList<(EventId EventId, string Message)> Entries
        {
            get
            {
                lock (_gate)
                {
                    return [.. _entries];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_gate)
            {
                _entries.Add((eventId, formatter(state, exception)));
            }
        }
    }
}

using System.Buffers;
using KvsEdge.Common;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using MQTTnet;
using MQTTnet.Protocol;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Status;

/// <summary>
/// The shared connection as a second user sees it (the status publisher runs it), against the in-process broker;
/// reconnect backoff on a fake clock.
/// </summary>
public sealed class MqttBrokerConnectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly SignallingTimeProvider _time = new();
    private readonly string _deviceId = "conn-" + Guid.NewGuid().ToString("N")[..8];

    private string ClientId => "kvsedge-" + _deviceId;

    private MqttStatusPublisher CreatePublisher(int port, Func<IEnumerable<IMqttInboundHandler>>? handlers = null) =>
        TestPublishers.Create(TestPublishers.Options("127.0.0.1", port), _deviceId, _time, handlers: handlers);

    /// <summary>Completes the n-th time (1-based) the connection raises <see cref="MqttBrokerConnection.Connected"/>.</summary>
    private static Func<int, Task> CountConnects(MqttBrokerConnection connection, List<bool> connectedWhenRaised)
    {
        var signals = Enumerable.Range(0, 8).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        int count = 0;
        connection.Connected += (sender, _) =>
        {
            lock (connectedWhenRaised)
            {
                connectedWhenRaised.Add(((MqttBrokerConnection)sender!).IsConnected);
            }

            signals[Interlocked.Increment(ref count) - 1].TrySetResult();
        };
        return n => signals[n - 1].Task.WaitAsync(Timeout);
    }

    private async Task ReconnectAsync(MqttStatusPublisher publisher)
    {
        publisher.SimulateConnectionLoss();
        _time.Advance(await _time.NextTimerAsync(Timeout));
    }

    [Fact]
    public async Task Connected_fires_on_every_connect_once_the_connection_is_usable()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0);
        using var publisher = CreatePublisher(broker.Port);
        var connectedWhenRaised = new List<bool>();
        Func<int, Task> connects = CountConnects(publisher.Connection, connectedWhenRaised);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            await connects(1);
            await ReconnectAsync(publisher);
            await connects(2);
            await ReconnectAsync(publisher);
            await connects(3);

            lock (connectedWhenRaised)
            {
                Assert.Equal([true, true, true], connectedWhenRaised);
            }
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_second_user_publishes_bytes_with_its_qos_and_retain_on_the_same_client()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0);
        var clients = new List<string>();
        broker.Server.ClientConnectedAsync += e =>
        {
            lock (clients)
            {
                clients.Add(e.ClientId);
            }

            return Task.CompletedTask;
        };
        string snapshots = $"snap/{_deviceId}";
        await using var probe = await MqttProbe.ConnectAsync(broker.Host, broker.Port, snapshots + "/#");
        using var publisher = CreatePublisher(broker.Port);
        var connectedWhenRaised = new List<bool>();
        Func<int, Task> connects = CountConnects(publisher.Connection, connectedWhenRaised);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            await connects(1);
            byte[] frame = [0xFF, 0xD8, 0x00, 0x80, 0xFE, 0xFF, 0xD9]; // not valid UTF-8: must go out byte for byte
            byte[] last = [0x01, 0x02, 0x03];
            Assert.True(publisher.Connection.Publish(snapshots + "/frame", frame, MqttQualityOfServiceLevel.AtMostOnce, retain: false));
            Assert.True(publisher.Connection.Publish(snapshots + "/last", last, MqttQualityOfServiceLevel.AtLeastOnce, retain: true));

            MqttApplicationMessage sentFrame = await probe.WaitForAsync(m => m.Topic == snapshots + "/frame", Timeout);
            Assert.Equal(frame, sentFrame.Payload.ToArray());
            Assert.Equal(MqttQualityOfServiceLevel.AtMostOnce, sentFrame.QualityOfServiceLevel);
            Assert.False(sentFrame.Retain);

            MqttApplicationMessage sentLast = await probe.WaitForAsync(m => m.Topic == snapshots + "/last", Timeout);
            Assert.Equal(last, sentLast.Payload.ToArray());
            Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, sentLast.QualityOfServiceLevel);
            Assert.True(sentLast.Retain);

            // Retained bytes are state of the connection: sent again after a reconnect, like the status topics.
            await ReconnectAsync(publisher);
            await connects(2);
            int lastCount = 0;
            await probe.WaitForAsync(m => m.Topic == snapshots + "/last" && m.Payload.ToArray().SequenceEqual(last) && ++lastCount == 2, Timeout);

            lock (clients)
            {
                // One client id for status and snapshots: no second connection was opened.
                Assert.Equal([ClientId, ClientId], clients.Where(c => !c.StartsWith("probe-", StringComparison.Ordinal)));
            }
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_handler_subscribed_by_a_second_user_receives_messages_after_a_reconnect()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0);
        string commands = $"jobs/{_deviceId}";
        await using var sender = await MqttProbe.ConnectAsync(broker.Host, broker.Port, "unused/" + _deviceId);
        await sender.PublishAsync(commands + "/stored", "retained-before", retain: true);
        using var publisher = CreatePublisher(broker.Port);
        var connectedWhenRaised = new List<bool>();
        Func<int, Task> connects = CountConnects(publisher.Connection, connectedWhenRaised);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            await connects(1);
            var handler = new RecordingInboundHandler(commands + "/#");
            using IDisposable subscription = publisher.Connection.Subscribe(handler);

            // The retained copy proves the subscription reached the broker while connected.
            Assert.True((await handler.WaitForAsync(m => RecordingInboundHandler.Text(m) == "retained-before", Timeout)).Retain);
            await sender.PublishAsync(commands + "/live", "live");
            await handler.WaitForAsync(m => RecordingInboundHandler.Text(m) == "live", Timeout);

            await ReconnectAsync(publisher);
            await connects(2);

            // Replayed on the new connection: subscribed again (the retained copy comes once more) and live messages arrive.
            await handler.WaitForNthAsync(2, m => RecordingInboundHandler.Text(m) == "retained-before", Timeout);
            await sender.PublishAsync(commands + "/live", "after-reconnect");
            MqttInboundMessage after = await handler.WaitForAsync(m => RecordingInboundHandler.Text(m) == "after-reconnect", Timeout);
            Assert.False(after.Retain);
            Assert.Equal(commands + "/live", after.Topic);

            // One subscribe per connection: the retained copy came exactly once on each.
            Assert.Equal(2, handler.Messages.Count(m => m.Retain));
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Registered_handlers_are_resolved_on_every_connect()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0);
        string topic = $"late/{_deviceId}";
        await using var sender = await MqttProbe.ConnectAsync(broker.Host, broker.Port, "unused/" + _deviceId);
        await sender.PublishAsync(topic, "stored", retain: true);
        var registered = new List<IMqttInboundHandler>();
        using var publisher = CreatePublisher(broker.Port, () => [.. registered]);
        var connectedWhenRaised = new List<bool>();
        Func<int, Task> connects = CountConnects(publisher.Connection, connectedWhenRaised);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            await connects(1);
            var late = new RecordingInboundHandler(topic);
            registered.Add(late);

            await ReconnectAsync(publisher);
            await connects(2);
            await late.WaitForAsync(m => RecordingInboundHandler.Text(m) == "stored", Timeout);
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void An_invalid_filter_is_refused_when_subscribing()
    {
        using var publisher = CreatePublisher(1883);
        Assert.Throws<ArgumentException>(() => publisher.Connection.Subscribe(new RecordingInboundHandler("a/#/b")));
    }

    [Fact]
    public void The_presence_topic_is_the_status_publishers_and_cannot_be_published_to_by_others()
    {
        using var publisher = CreatePublisher(1883);
        Assert.Equal(new MqttPresence(publisher.AvailabilityTopic, "online", "offline"), publisher.Connection.Presence);
        Assert.Throws<ArgumentException>(() => publisher.Connection.Publish(publisher.AvailabilityTopic, "x"u8.ToArray(), MqttQualityOfServiceLevel.AtLeastOnce, retain: true));
    }

    [Fact]
    public void DI_shares_the_default_connection_with_the_status_publisher()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Device:Id"] = "door-7",
            ["Mqtt:Host"] = "broker.lan",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<DeviceOptions>().Bind(configuration.GetSection(DeviceOptions.SectionName));
        services.AddMqttStatus(configuration);
        using ServiceProvider provider = services.BuildServiceProvider();

        MqttBrokerConnection connection = provider.GetRequiredService<MqttBrokerConnection>();
        Assert.Same(connection, provider.GetRequiredKeyedService<MqttBrokerConnection>(MqttBrokerConnection.DefaultName));
        Assert.Same(connection, provider.GetRequiredService<MqttStatusPublisher>().Connection);
        Assert.Equal((MqttBrokerConnection.DefaultName, "broker.lan"), (connection.Name, connection.Options.Host));
        Assert.Same(provider.GetRequiredService<IOptions<MqttOptions>>().Value, connection.Options);
    }
}

using System.Text.Json;
using KvsEdge.Access;
using KvsEdge.Common;
using KvsEdge.Door;
using KvsEdge.Status;
using MQTTnet.Protocol;
using MQTTnet.Server;
using MQTTnet;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

using KvsEdge.TestSupport;

namespace KvsEdge.Tests.Status;

/// <summary>The publisher against an in-process MQTTnet broker; backoff runs on a fake clock.</summary>
public sealed class MqttStatusPublisherTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly SignallingTimeProvider _time = new();
    private readonly string _deviceId = "unit-" + Guid.NewGuid().ToString("N")[..8];

    private string Prefix => "kvsedge/" + _deviceId;

    private string Availability => Prefix + "/availability";

    private string ClientId => "kvsedge-" + _deviceId;

    private MqttStatusPublisher CreatePublisher(int port, bool enabled = true) => new(
        Options.Create(new MqttOptions
        {
            Enabled = enabled,
            Host = "127.0.0.1",
            Port = port,
            ReconnectMinDelay = TimeSpan.FromSeconds(1),
            ReconnectMaxDelay = TimeSpan.FromSeconds(4),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        }),
        Options.Create(new DeviceOptions { Id = _deviceId }),
        _time,
        NullLogger<MqttStatusPublisher>.Instance);

    private Task<string> ConnectedSignal(EmbeddedBroker broker)
    {
        var connected = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        broker.Server.ClientConnectedAsync += e =>
        {
            if (e.ClientId == ClientId)
            {
                connected.TrySetResult(e.ClientId);
            }

            return Task.CompletedTask;
        };
        return connected.Task;
    }

    private static Decision Event(string person, DecisionKind kind = DecisionKind.Granted) =>
        new(kind, DecisionReasons.Allowed, new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), null, Person: person, Similarity: 99.1);

    private static string? PersonOf(MqttApplicationMessage message) =>
        JsonDocument.Parse(message.ConvertPayloadToString()).RootElement.GetProperty("person").GetString();

    [Fact]
    public async Task Publishes_online_state_and_events_with_the_contract_flags()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0);
        await using var probe = await MqttProbe.ConnectAsync(broker.Host, broker.Port, Prefix + "/#");
        using var publisher = CreatePublisher(broker.Port);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            var online = await probe.WaitForAsync(Availability, "online", Timeout);
            Assert.True(online.Retain);

            publisher.PublishDoor(DoorState.Unlocked);
            publisher.PublishRecognition(new RecognitionStatus("kinesis", "running", 20, null));
            publisher.PublishEvent(Event("alice"));
            publisher.PublishState("camera", "{\"state\":\"playing\"}");

            var door = await probe.WaitForAsync(Prefix + "/door", "unlocked", Timeout);
            var recognition = await probe.WaitForAsync(m => m.Topic == Prefix + "/recognition", Timeout);
            var evt = await probe.WaitForAsync(m => m.Topic == Prefix + "/events", Timeout);
            var camera = await probe.WaitForAsync(Prefix + "/camera", "{\"state\":\"playing\"}", Timeout);

            Assert.True(door.Retain);
            Assert.True(recognition.Retain);
            Assert.True(camera.Retain);
            Assert.False(evt.Retain);
            Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, evt.QualityOfServiceLevel);
            Assert.Equal("alice", PersonOf(evt));
            Assert.True(publisher.IsConnected);
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Last_will_offline_is_delivered_retained_when_the_connection_drops_without_disconnect()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0);
        await using var probe = await MqttProbe.ConnectAsync(broker.Host, broker.Port, Prefix + "/#");
        using var publisher = CreatePublisher(broker.Port);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            await probe.WaitForAsync(Availability, "online", Timeout);

            publisher.SimulateConnectionLoss();

            var will = await probe.WaitForAsync(Availability, "offline", Timeout);
            Assert.True(will.Retain);

            // A subscriber arriving later gets it from the broker's retained store.
            Assert.True(await MqttProbe.IsRetainedAsync(broker.Host, broker.Port, Availability, "offline", Timeout));
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_clean_stop_publishes_offline_itself_and_disconnects_so_no_will_follows()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0);
        var disconnected = new TaskCompletionSource<MqttClientDisconnectType>(TaskCreationOptions.RunContinuationsAsynchronously);
        broker.Server.ClientDisconnectedAsync += e =>
        {
            if (e.ClientId == ClientId)
            {
                disconnected.TrySetResult(e.DisconnectType);
            }

            return Task.CompletedTask;
        };
        await using var probe = await MqttProbe.ConnectAsync(broker.Host, broker.Port, Prefix + "/#");
        using var publisher = CreatePublisher(broker.Port);
        await publisher.StartAsync(CancellationToken.None);
        await probe.WaitForAsync(Availability, "online", Timeout);
        publisher.PublishEvent(Event("last-one"));

        await publisher.StopAsync(CancellationToken.None);

        Assert.Equal(MqttClientDisconnectType.Clean, await disconnected.Task.WaitAsync(Timeout));
        var offline = await probe.WaitForAsync(Availability, "offline", Timeout);
        Assert.True(offline.Retain);
        await probe.WaitForAsync(m => m.Topic == Prefix + "/events" && PersonOf(m) == "last-one", Timeout);

        // Barrier: a message sent after the disconnect arrives after any will the broker might have sent.
        await probe.PublishAsync(Prefix + "/barrier", "x");
        await probe.WaitForAsync(Prefix + "/barrier", "x", Timeout);
        Assert.Single(probe.Messages, m => m.Topic == Availability && m.ConvertPayloadToString() == "offline");
        Assert.False(publisher.IsConnected);
    }

    [Fact]
    public async Task After_a_broker_restart_it_reconnects_republishes_state_and_delivers_queued_events_in_order()
    {
        var first = await EmbeddedBroker.StartAsync(0);
        int port = first.Port;
        using var publisher = CreatePublisher(port);
        try
        {
            await using (var probe = await MqttProbe.ConnectAsync(first.Host, port, Prefix + "/#"))
            {
                await publisher.StartAsync(CancellationToken.None);
                await probe.WaitForAsync(Availability, "online", Timeout);
                publisher.PublishDoor(DoorState.Unlocked);
                publisher.PublishRecognition(new RecognitionStatus("kinesis", "running", 5, null));
                await probe.WaitForAsync(Prefix + "/door", "unlocked", Timeout);
                await probe.WaitForAsync(m => m.Topic == Prefix + "/recognition", Timeout);
            }

            // The in-memory broker loses its retained messages: the publisher must send them again.
            await first.DisposeAsync();
            TimeSpan backoff = await _time.NextTimerAsync(Timeout);
            Assert.False(publisher.IsConnected);
            Assert.InRange(backoff, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1));

            publisher.PublishEvent(Event("e1"));
            publisher.PublishEvent(Event("e2", DecisionKind.Denied));
            publisher.PublishEvent(Event("e3", DecisionKind.UnknownFace));
            publisher.PublishDoor(DoorState.Locked);

            await using var second = await EmbeddedBroker.StartAsync(port);
            Task<string> connected = ConnectedSignal(second);
            await using var after = await MqttProbe.ConnectAsync(second.Host, port, Prefix + "/#");

            _time.Advance(backoff);
            await connected.WaitAsync(Timeout);

            var online = await after.WaitForAsync(Availability, "online", Timeout);
            var door = await after.WaitForAsync(Prefix + "/door", "locked", Timeout);
            var recognition = await after.WaitForAsync(m => m.Topic == Prefix + "/recognition", Timeout);
            await after.WaitForAsync(m => m.Topic == Prefix + "/events" && PersonOf(m) == "e3", Timeout);
            Assert.True(online.Retain && door.Retain && recognition.Retain);

            var messages = after.Messages;
            var events = messages.Where(m => m.Topic == Prefix + "/events").ToList();
            Assert.Equal(new[] { "e1", "e2", "e3" }, events.Select(PersonOf));
            Assert.All(events, e => Assert.False(e.Retain));
            Assert.True(messages.ToList().IndexOf(online) < messages.ToList().IndexOf(events[0]), "online comes first");
            Assert.DoesNotContain(messages, m => m.Topic == Prefix + "/door" && m.ConvertPayloadToString() == "unlocked");
            Assert.True(publisher.IsConnected);
            Assert.Equal(0, publisher.DroppedEvents);
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task When_disabled_it_never_connects_and_publishing_only_logs()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0);
        bool anyClient = false;
        broker.Server.ClientConnectedAsync += _ =>
        {
            anyClient = true;
            return Task.CompletedTask;
        };
        using var publisher = CreatePublisher(broker.Port, enabled: false);

        await publisher.StartAsync(CancellationToken.None);
        publisher.PublishDoor(DoorState.Unlocked);
        publisher.PublishEvent(Event("nobody"));
        await publisher.ExecuteTask!.WaitAsync(Timeout);
        await publisher.StopAsync(CancellationToken.None);

        Assert.False(anyClient);
        Assert.Equal(0, publisher.Queue.PendingEvents + publisher.Queue.PendingStates);
    }

    [Fact]
    public void State_subtopics_with_wildcards_or_the_availability_topic_are_refused()
    {
        using var publisher = CreatePublisher(1883);
        Assert.Throws<ArgumentException>(() => publisher.PublishState("a/#", "x"));
        Assert.Throws<ArgumentException>(() => publisher.PublishState("availability", "online"));
    }
}

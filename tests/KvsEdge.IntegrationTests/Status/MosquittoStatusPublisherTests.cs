using System.Text.Json;
using KvsEdge.Access;
using KvsEdge.Common;
using KvsEdge.Door;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.Status;
using MQTTnet;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

using KvsEdge.TestSupport;

namespace KvsEdge.IntegrationTests.Status;

/// <summary>The MQTT publisher against a real Mosquitto. Backoff runs on a fake clock; waits are on messages.</summary>
[Trait("Category", "Integration")]
public sealed class MosquittoStatusPublisherTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly SignallingTimeProvider _time = new();
    private readonly string _deviceId = "it-" + Guid.NewGuid().ToString("N")[..8];

    private string Prefix => "kvsedge/" + _deviceId;

    private string Availability => Prefix + "/availability";

    internal static MqttStatusPublisher CreatePublisher(string deviceId, TimeProvider time, int port, MqttTlsOptions? tls = null) =>
        TestPublishers.Create(TestPublishers.Options("127.0.0.1", port, tls), deviceId, time);

    private MqttStatusPublisher CreatePublisher(int port) => CreatePublisher(_deviceId, _time, port);

    private static Decision Event(string person) =>
        new(DecisionKind.Granted, DecisionReasons.Allowed, DateTimeOffset.UtcNow, null, Person: person, Similarity: 98.0);

    private static string? PersonOf(MqttApplicationMessage message) =>
        JsonDocument.Parse(message.ConvertPayloadToString()).RootElement.GetProperty("person").GetString();

    [Fact]
    public async Task Availability_online_is_retained()
    {
        await using var probe = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, Prefix + "/#");
        using var publisher = CreatePublisher(mosquitto.Port);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            var online = await probe.WaitForAsync(Availability, "online", Timeout);
            Assert.True(online.Retain);

            Assert.True(await MqttProbe.IsRetainedAsync(mosquitto.Host, mosquitto.Port, Availability, "online", Timeout));
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task An_abruptly_dropped_connection_makes_mosquitto_publish_the_offline_will()
    {
        await using var probe = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, Prefix + "/#");
        using var publisher = CreatePublisher(mosquitto.Port);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            await probe.WaitForAsync(Availability, "online", Timeout);

            publisher.SimulateConnectionLoss();

            var will = await probe.WaitForAsync(Availability, "offline", Timeout);
            Assert.True(will.Retain);
            Assert.True(await MqttProbe.IsRetainedAsync(mosquitto.Host, mosquitto.Port, Availability, "offline", Timeout));
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_clean_stop_leaves_offline_retained()
    {
        await using var probe = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, Prefix + "/#");
        using var publisher = CreatePublisher(mosquitto.Port);
        await publisher.StartAsync(CancellationToken.None);
        await probe.WaitForAsync(Availability, "online", Timeout);

        await publisher.StopAsync(CancellationToken.None);

        Assert.True((await probe.WaitForAsync(Availability, "offline", Timeout)).Retain);
        await probe.PublishAsync(Prefix + "/barrier", "x");
        await probe.WaitForAsync(Prefix + "/barrier", "x", Timeout);
        Assert.Single(probe.Messages, m => m.Topic == Availability && m.ConvertPayloadToString() == "offline");
    }

    [Fact]
    public async Task Events_published_while_the_broker_is_down_are_delivered_in_order_after_it_returns()
    {
        // Its own broker: this test kills it.
        await using var broker = new MosquittoFixture();
        await broker.StartAsync();
        using var publisher = CreatePublisher(broker.Port);
        try
        {
            await using (var probe = await MqttProbe.ConnectAsync(broker.Host, broker.Port, Prefix + "/#"))
            {
                await publisher.StartAsync(CancellationToken.None);
                await probe.WaitForAsync(Availability, "online", Timeout);
                publisher.PublishDoor(DoorState.Unlocked);
                await probe.WaitForAsync(Prefix + "/door", "unlocked", Timeout);
            }

            broker.Stop();
            TimeSpan backoff = await _time.NextTimerAsync(Timeout);
            Assert.False(publisher.IsConnected);

            publisher.PublishEvent(Event("e1"));
            publisher.PublishEvent(Event("e2"));
            publisher.PublishEvent(Event("e3"));

            await broker.StartAsync();
            await using var after = await MqttProbe.ConnectAsync(broker.Host, broker.Port, Prefix + "/#");
            _time.Advance(backoff);

            var online = await after.WaitForAsync(Availability, "online", Timeout);
            var door = await after.WaitForAsync(Prefix + "/door", "unlocked", Timeout);
            await after.WaitForAsync(m => m.Topic == Prefix + "/events" && PersonOf(m) == "e3", Timeout);

            Assert.True(online.Retain);
            Assert.True(door.Retain);
            var events = after.Messages.Where(m => m.Topic == Prefix + "/events").ToList();
            Assert.Equal(new[] { "e1", "e2", "e3" }, events.Select(PersonOf));
            Assert.All(events, e => Assert.False(e.Retain));
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }
}

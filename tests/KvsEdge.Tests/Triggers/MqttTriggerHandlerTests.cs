using System.Text;
using KvsEdge.Common;
using KvsEdge.Status;
using KvsEdge.Triggers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Triggers;

public sealed class MqttTriggerHandlerTests
{
    private readonly TriggerChannel _triggers = new(new FakeTimeProvider());

    private MqttTriggerHandler Handler() => new(
        Options.Create(new TriggerOptions { Mqtt = { Enabled = true } }),
        Options.Create(new MqttOptions { Username = "kvsedge", Password = "secret" }),
        Options.Create(new DeviceOptions { Id = "front-door" }),
        _triggers,
        NullLogger<MqttTriggerHandler>.Instance);

    [Fact]
    public async Task A_live_command_on_the_trigger_topic_fires_a_trigger()
    {
        MqttTriggerHandler handler = Handler();

        await handler.HandleAsync(new MqttInboundMessage("kvsedge/front-door/trigger", Encoding.UTF8.GetBytes("doorbell app"), Retain: false), CancellationToken.None);

        Assert.Equal("kvsedge/front-door/trigger", handler.TopicFilter);
        Assert.True(_triggers.Reader.TryRead(out Trigger? trigger));
        Assert.Equal((TriggerKinds.Mqtt, "doorbell app"), (trigger!.Kind, trigger.Detail));
    }

    [Fact]
    public async Task A_retained_command_is_ignored()
    {
        await Handler().HandleAsync(new MqttInboundMessage("kvsedge/front-door/trigger", Encoding.UTF8.GetBytes("1"), Retain: true), CancellationToken.None);

        Assert.Equal(0, _triggers.Published);
    }

    [Fact]
    public async Task A_long_payload_is_cut_to_the_detail_limit()
    {
        await Handler().HandleAsync(new MqttInboundMessage("kvsedge/front-door/trigger", new byte[1000], Retain: false), CancellationToken.None);

        Assert.True(_triggers.Reader.TryRead(out Trigger? trigger));
        Assert.Equal(MqttTriggerHandler.MaxDetailLength, trigger!.Detail!.Length);
    }
}

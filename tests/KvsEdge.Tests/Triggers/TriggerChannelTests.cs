using System.Device.Gpio;
using System.Text;
using KvsEdge.Camera;
using KvsEdge.Common;
using KvsEdge.Status;
using KvsEdge.Triggers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Triggers;

/// <summary>Triggers say which input fired and what it saw, and every consumer gets every trigger.</summary>
public sealed class TriggerChannelTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Two_consumers_each_get_every_trigger_with_its_payload()
    {
        var triggers = new TriggerChannel(_time);
        var second = triggers.Subscribe();
        var frame = new JpegFrame([0xFF, 0xD8, 0xFF, 0xD9], 640, 480, _time.GetUtcNow());
        var evidence = new TriggerEvidence(frame, [new TriggerFace(0.25f, 0.1f, 0.2f, 0.3f, 0.97f)]);

        Trigger fired = triggers.Fire("detector", "1 face", "detector:front", evidence);
        triggers.Fire(TriggerKinds.Interval);

        foreach (var reader in new[] { triggers.Reader, second })
        {
            Assert.True(reader.TryRead(out Trigger? first));
            Assert.Same(fired, first);
            Assert.Equal("detector:front", first.Input);
            Assert.Same(frame, first.Evidence!.Frame);
            Assert.Equal(0.97f, Assert.Single(first.Evidence.Faces!).Score);
            Assert.True(reader.TryRead(out Trigger? next));
            Assert.Equal((TriggerKinds.Interval, TriggerKinds.Interval, null), (next.Kind, next.Input, next.Evidence));
            Assert.False(reader.TryRead(out _));
        }

        Assert.Equal(2, triggers.Published);
    }

    [Fact]
    public void A_consumer_that_does_not_read_drops_its_own_oldest_and_holds_no_one_back()
    {
        var triggers = new TriggerChannel(_time);
        var idle = triggers.Subscribe();
        var seen = new List<string?>();

        for (int i = 0; i < TriggerChannel.Capacity + 4; i++)
        {
            triggers.Fire(TriggerKinds.Manual, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(triggers.Reader.TryRead(out Trigger? trigger));
            seen.Add(trigger.Detail);
        }

        Assert.Equal(TriggerChannel.Capacity + 4, seen.Count);
        Assert.Equal(TriggerChannel.Capacity, idle.Count);
        Assert.True(idle.TryRead(out Trigger? oldestKept));
        Assert.Equal("4", oldestKept.Detail);
    }

    [Fact]
    public void Triggers_fired_before_a_consumer_subscribes_are_not_replayed_to_it()
    {
        var triggers = new TriggerChannel(_time);
        triggers.Fire(TriggerKinds.Manual);

        var late = triggers.Subscribe();

        Assert.False(late.TryRead(out _));
        Assert.True(triggers.Reader.TryRead(out _)); // the first consumer exists from construction and kept it
    }

    [Fact]
    public async Task The_gpio_and_mqtt_triggers_name_their_input()
    {
        var triggers = new TriggerChannel(_time);
        var options = new GpioTriggerOptions { Pin = 27, ActiveLow = true, Debounce = TimeSpan.FromMilliseconds(50) };
        using var controller = new GpioController(new KvsEdge.Door.SimulatedGpioDriver(_time));
        using var gpio = new GpioTriggerSource(options, controller, triggers, _time, NullLogger<GpioTriggerSource>.Instance);
        var mqtt = new MqttTriggerHandler(
            Options.Create(new TriggerOptions { Mqtt = { Enabled = true } }),
            Options.Create(new MqttOptions { Username = "kvsedge", Password = "secret" }),
            Options.Create(new DeviceOptions { Id = "front-door" }),
            triggers,
            NullLogger<MqttTriggerHandler>.Instance);

        gpio.OnLevel(PinValue.High);
        gpio.OnLevel(PinValue.Low);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        await mqtt.HandleAsync(new MqttInboundMessage("kvsedge/front-door/trigger", Encoding.UTF8.GetBytes("app"), Retain: false), CancellationToken.None);

        Assert.True(triggers.Reader.TryRead(out Trigger? pressed));
        Assert.Equal(("gpio:27", "pin 27"), (pressed.Input, pressed.Detail));
        Assert.True(triggers.Reader.TryRead(out Trigger? command));
        Assert.Equal(("mqtt:kvsedge/front-door/trigger", "app"), (command.Input, command.Detail));
    }
}

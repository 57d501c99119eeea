using System.Device.Gpio;
using System.Text.Json;
using KvsEdge.Door;
using KvsEdge.Hosting;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using MQTTnet;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KvsEdge.IntegrationTests.Status;

/// <summary>
/// The door's inputs as a real Mosquitto stores and delivers them: the retained `door/position` and `door/alarms`, and
/// door events on the events topic, driven through the simulated GPIO driver's edge callbacks.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DoorInputsMosquittoTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    private const int ContactPin = 5;
    private const string ForcedAlarm = """{"held_open":false,"forced":true,"tamper":false}""";
    private const string NoAlarm = """{"held_open":false,"forced":false,"tamper":false}""";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly SignallingTimeProvider _time = new();
    private readonly string _deviceId = "door-" + Guid.NewGuid().ToString("N")[..8];

    private string Prefix => "kvsedge/" + _deviceId;

    [Fact]
    public async Task A_forced_door_is_retained_as_open_with_its_alarm_and_its_event_reaches_subscribers()
    {
        await using var probe = await MqttProbe.ConnectAsync(mosquitto.Host, mosquitto.Port, Prefix + "/#");
        using MqttStatusPublisher publisher = TestPublishers.Create(TestPublishers.Options(mosquitto.Host, mosquitto.Port), _deviceId, _time);
        var options = new DoorOptions
        {
            Driver = DoorOptions.SimulatedDriver,
            Inputs = { Contact = { Pin = ContactPin, Pull = "down", Debounce = TimeSpan.Zero } },
        };
        var driver = new SimulatedGpioDriver(_time);
        using var gpio = new GpioController(driver);
        await using var door = new DoorController(Options.Create(options), gpio, _time, NullLogger<DoorController>.Instance);
        using var inputs = new DoorInputMonitor(Options.Create(options), gpio, door, _time, NullLogger<DoorInputMonitor>.Instance);
        await door.StartAsync(CancellationToken.None);
        await inputs.StartAsync(CancellationToken.None);
        using var status = new DoorInputsStatus(inputs, publisher);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            Assert.True((await probe.WaitForAsync(Prefix + "/door/position", "closed", Timeout)).Retain);

            driver.DriveInput(ContactPin, PinValue.High); // opened with the strike locked

            MqttApplicationMessage forced = await probe.WaitForAsync(
                m => m.Topic == Prefix + "/events" && m.ConvertPayloadToString().Contains("\"door_forced\"", StringComparison.Ordinal), Timeout);
            JsonElement e = JsonDocument.Parse(forced.ConvertPayloadToString()).RootElement;
            Assert.Equal(("door_forced", "no_grant", "door"), (e.GetProperty("type").GetString(), e.GetProperty("reason").GetString(), e.GetProperty("source").GetString()));
            Assert.False(forced.Retain);
            // Live first (so the broker has it), then as a subscriber arriving later sees it.
            await probe.WaitForAsync(Prefix + "/door/position", "open", Timeout);
            await probe.WaitForAsync(Prefix + "/door/alarms", ForcedAlarm, Timeout);
            Assert.True(await MqttProbe.IsRetainedAsync(mosquitto.Host, mosquitto.Port, Prefix + "/door/position", "open", Timeout));
            Assert.True(await MqttProbe.IsRetainedAsync(
                mosquitto.Host, mosquitto.Port, Prefix + "/door/alarms", ForcedAlarm, Timeout));

            driver.DriveInput(ContactPin, PinValue.Low); // closed again: the alarm clears
            // The second time each: the first was the state at start.
            await Occurrence(probe, Prefix + "/door/position", "closed", 2);
            await Occurrence(probe, Prefix + "/door/alarms", NoAlarm, 2);

            Assert.True(await MqttProbe.IsRetainedAsync(mosquitto.Host, mosquitto.Port, Prefix + "/door/position", "closed", Timeout));
            Assert.True(await MqttProbe.IsRetainedAsync(
                mosquitto.Host, mosquitto.Port, Prefix + "/door/alarms", NoAlarm, Timeout));
        }
        finally
        {
            await inputs.StopAsync(CancellationToken.None);
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    private static Task<MqttApplicationMessage> Occurrence(MqttProbe probe, string topic, string payload, int n)
    {
        int seen = 0;
        return probe.WaitForAsync(m => m.Topic == topic && m.ConvertPayloadToString() == payload && ++seen == n, Timeout);
    }
}

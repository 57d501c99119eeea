using System.Text.Json;
using System.Text.RegularExpressions;
using KvsEdge.Door;
using KvsEdge.Status;
using KvsEdge.TestSupport;

namespace KvsEdge.Tests.Status;

/// <summary>Door inputs (issue 14) in the discovery payload: position and alarm binary sensors, door event types.</summary>
public sealed partial class HomeAssistantDoorInputsTests
{
    private static readonly DiscoveryDevice Wired = new("front-door", "kvsedge/front-door", "1.2.3", CameraEnabled: true) { DoorContact = true, Tamper = true };

    [GeneratedRegex(@"value_json\.([a-z_]+)")]
    private static partial Regex ValueJsonField();

    private static JsonElement Components(DiscoveryDevice device) =>
        JsonDocument.Parse(HomeAssistantDiscovery.Payload(device)).RootElement.GetProperty("cmps");

    [Fact]
    public void A_wired_contact_and_tamper_switch_are_binary_sensors_with_home_assistants_device_classes()
    {
        JsonElement root = JsonDocument.Parse(HomeAssistantDiscovery.Payload(Wired)).RootElement;
        Assert.Empty(HomeAssistantSchema.DeviceDiscoveryProblems(root));
        JsonElement cmps = root.GetProperty("cmps");

        JsonElement position = cmps.GetProperty("door_position");
        Assert.Equal(("binary_sensor", "door", "kvsedge/front-door/door/position"),
            (position.GetProperty("p").GetString(), position.GetProperty("device_class").GetString(), position.GetProperty("state_topic").GetString()));
        Assert.Equal((DoorInputPayloads.Open, DoorInputPayloads.Closed), (position.GetProperty("payload_on").GetString(), position.GetProperty("payload_off").GetString()));
        Assert.Equal("problem", cmps.GetProperty("door_held_open").GetProperty("device_class").GetString());
        Assert.Equal("safety", cmps.GetProperty("door_forced").GetProperty("device_class").GetString());
        Assert.Equal("tamper", cmps.GetProperty("tamper").GetProperty("device_class").GetString());
        Assert.Equal("problem", cmps.GetProperty("door_problem").GetProperty("device_class").GetString()); // the relay fault, as before
    }

    [Fact]
    public void Without_door_inputs_there_are_no_input_entities_but_the_event_types_are_listed()
    {
        JsonElement cmps = Components(Wired with { DoorContact = false, Tamper = false });

        foreach (string name in new[] { "door_position", "door_held_open", "door_forced", "tamper" })
        {
            Assert.False(cmps.TryGetProperty(name, out _), name);
        }

        string[] types = [.. cmps.GetProperty("access").GetProperty("event_types").EnumerateArray().Select(e => e.GetString()!)];
        Assert.Superset(new HashSet<string>(DoorEventTypes.All), new HashSet<string>(types));
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, false)]
    [InlineData(false, true, true)]
    public void Alarm_templates_read_fields_the_alarms_payload_has(bool held, bool forced, bool tamper)
    {
        JsonElement alarms = JsonDocument.Parse(DoorInputPayloads.Alarms(new DoorAlarms(held, forced, tamper))).RootElement;
        Assert.Equal((held, forced, tamper), (alarms.GetProperty("held_open").GetBoolean(), alarms.GetProperty("forced").GetBoolean(), alarms.GetProperty("tamper").GetBoolean()));

        foreach (string name in new[] { "door_held_open", "door_forced", "tamper" })
        {
            JsonElement component = Components(Wired).GetProperty(name);
            Assert.Equal("kvsedge/front-door/" + DoorInputPayloads.AlarmsSubtopic, component.GetProperty("state_topic").GetString());
            foreach (Match field in ValueJsonField().Matches(component.GetProperty("value_template").GetString()!))
            {
                Assert.True(alarms.TryGetProperty(field.Groups[1].Value, out _), $"{name} reads {field.Value}");
            }
        }
    }

    [Fact]
    public void A_door_event_has_every_field_the_access_event_template_reads()
    {
        var exit = new DoorEvent(DoorEventTypes.ExitRequest, DoorEventReasons.Unlocked, new DateTimeOffset(2026, 12, 4, 22, 0, 0, 123, TimeSpan.Zero));
        JsonElement payload = JsonDocument.Parse(DoorInputPayloads.Event(exit)).RootElement;

        Assert.Equal("exit_request", payload.GetProperty("type").GetString());
        Assert.Equal("unlocked", payload.GetProperty("reason").GetString());
        Assert.Equal("door", payload.GetProperty("source").GetString());
        Assert.Equal("2026-12-04T22:00:00.123Z", payload.GetProperty("decided_at").GetString());
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("person").ValueKind);
        foreach (Match field in ValueJsonField().Matches(Components(Wired).GetProperty("access").GetProperty("value_template").GetString()!))
        {
            Assert.True(payload.TryGetProperty(field.Groups[1].Value, out _), field.Value);
        }
    }
}

using System.Text.Json;
using System.Text.RegularExpressions;
using KvsEdge.Access;
using KvsEdge.Camera;
using KvsEdge.Door;
using KvsEdge.Status;
using KvsEdge.TestSupport;

namespace KvsEdge.Tests.Status;

/// <summary>The pure discovery payload builder, checked against Home Assistant's documented rules and our own topics.</summary>
public sealed partial class HomeAssistantDiscoveryTests
{
    private static readonly DiscoveryDevice FrontDoor = new("front-door", "kvsedge/front-door", "1.2.3", CameraEnabled: true);

    private static JsonElement Build(DiscoveryDevice device) => JsonDocument.Parse(HomeAssistantDiscovery.Payload(device)).RootElement;

    private static JsonElement Component(JsonElement root, string name) => root.GetProperty("cmps").GetProperty(name);

    [GeneratedRegex(@"value_json\.([a-z_]+)")]
    private static partial Regex ValueJsonField();

    [Fact]
    public void The_payload_satisfies_the_device_discovery_rules_with_availability_on_our_topic()
    {
        JsonElement root = Build(FrontDoor);

        Assert.Empty(HomeAssistantSchema.DeviceDiscoveryProblems(root));
        Assert.Equal("kvsedge/front-door/availability", root.GetProperty("availability_topic").GetString());
        Assert.Equal(StatusPayloads.Online, root.GetProperty("payload_available").GetString());
        Assert.Equal(StatusPayloads.Offline, root.GetProperty("payload_not_available").GetString());
        Assert.Equal(["kvsedge_front-door"], root.GetProperty("dev").GetProperty("ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("1.2.3", root.GetProperty("o").GetProperty("sw").GetString());
    }

    [Fact]
    public void Every_entity_has_a_unique_id_scoped_to_the_device()
    {
        JsonElement a = Build(FrontDoor);
        JsonElement b = Build(FrontDoor with { DeviceId = "back-door", TopicPrefix = "kvsedge/back-door" });

        string[] ids = [.. a.GetProperty("cmps").EnumerateObject().Select(c => c.Value.GetProperty("unique_id").GetString()!)];
        string[] otherIds = [.. b.GetProperty("cmps").EnumerateObject().Select(c => c.Value.GetProperty("unique_id").GetString()!)];
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.All(ids, id => Assert.StartsWith("kvsedge_front-door_", id, StringComparison.Ordinal));
        Assert.Empty(ids.Intersect(otherIds));
    }

    [Fact]
    public void The_door_is_a_read_only_lock_sensor_following_the_door_topic()
    {
        JsonElement door = Component(Build(FrontDoor), "door");

        // Not a `lock`: that needs a command topic, and unlocking over MQTT is not offered.
        Assert.Equal("binary_sensor", door.GetProperty("p").GetString());
        Assert.Equal("lock", door.GetProperty("device_class").GetString());
        Assert.Equal("kvsedge/front-door/door", door.GetProperty("state_topic").GetString());
        Assert.Equal(StatusPayloads.Door(DoorState.Unlocked), door.GetProperty("payload_on").GetString());
        Assert.Equal(StatusPayloads.Door(DoorState.Locked), door.GetProperty("payload_off").GetString());
        Assert.DoesNotContain(Build(FrontDoor).GetProperty("cmps").EnumerateObject(), c => c.Value.TryGetProperty("command_topic", out _));
    }

    [Fact]
    public void A_door_fault_shows_as_unlocked_and_as_a_door_problem()
    {
        JsonElement root = Build(FrontDoor);
        string fault = StatusPayloads.Door(DoorState.Fault);

        // The strike may be held: the lock sensor says unlocked (not unknown), and a problem sensor turns on.
        Assert.Equal(
            "{{ 'unlocked' if value in ('unlocked', '" + fault + "') else 'locked' }}",
            Component(root, "door").GetProperty("value_template").GetString());
        JsonElement problem = Component(root, "door_problem");
        Assert.Equal("binary_sensor", problem.GetProperty("p").GetString());
        Assert.Equal("problem", problem.GetProperty("device_class").GetString());
        Assert.Equal("kvsedge/front-door/door", problem.GetProperty("state_topic").GetString());
        Assert.Equal("{{ 'ON' if value == '" + fault + "' else 'OFF' }}", problem.GetProperty("value_template").GetString());
    }

    [Fact]
    public void The_access_event_lists_every_event_type_the_events_topic_carries()
    {
        JsonElement access = Component(Build(FrontDoor), "access");

        Assert.Equal("event", access.GetProperty("p").GetString());
        Assert.Equal("kvsedge/front-door/events", access.GetProperty("state_topic").GetString());
        string[] published = [.. Enum.GetValues<DecisionKind>().Select(k => new Decision(k, "r", DateTimeOffset.UnixEpoch, null).EventType), .. DoorEventTypes.All];
        Assert.Equal(published.Order(), access.GetProperty("event_types").EnumerateArray().Select(e => e.GetString()!).Order());
        Assert.Contains("'event_type': value_json.type", access.GetProperty("value_template").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Templates_only_read_fields_the_state_payloads_really_have()
    {
        var decision = new Decision(DecisionKind.Granted, DecisionReasons.Allowed, DateTimeOffset.UnixEpoch, null, "alice", 97.5);
        var camera = new CameraStatus("playing", "test", "x264enc", ["record"], 15, 1900, 2, null, DateTimeOffset.UnixEpoch);
        var payloads = new Dictionary<string, JsonElement>
        {
            ["kvsedge/front-door/events"] = JsonDocument.Parse(StatusPayloads.Event(decision)).RootElement,
            ["kvsedge/front-door/recognition"] = JsonDocument.Parse(StatusPayloads.Recognition(new RecognitionStatus("kinesis", "running", 40, null))).RootElement,
            ["kvsedge/front-door/camera"] = JsonDocument.Parse(camera.ToJson()).RootElement,
        };

        foreach (JsonProperty component in Build(FrontDoor).GetProperty("cmps").EnumerateObject())
        {
            if (!component.Value.TryGetProperty("value_template", out JsonElement template))
            {
                continue;
            }

            MatchCollection fields = ValueJsonField().Matches(template.GetString()!);
            if (fields.Count == 0)
            {
                continue; // a plain-text topic (`door`), read as `value`
            }

            JsonElement payload = payloads[component.Value.GetProperty("state_topic").GetString()!];
            foreach (Match field in fields)
            {
                Assert.True(payload.TryGetProperty(field.Groups[1].Value, out _), $"{component.Name} reads '{field.Groups[1].Value}', which its topic does not carry");
            }
        }
    }

    [Theory]
    [InlineData("last_person")]
    [InlineData("similarity")]
    public void An_event_without_a_person_keeps_the_last_person_and_similarity_by_rendering_the_previous_state(string sensor)
    {
        string template = Component(Build(FrontDoor), sensor).GetProperty("value_template").GetString()!;

        Assert.Empty(HomeAssistantSchema.DeviceDiscoveryProblems(Build(FrontDoor)));
        Assert.Matches(@"\belse \(this\.state if this\.state not in \('unknown', 'unavailable'\) else None\) \}\}$", template);
        Assert.DoesNotContain("''", template, StringComparison.Ordinal);
    }

    [Fact]
    public void The_schema_check_refuses_a_sensor_that_renders_an_empty_state()
    {
        var root = HomeAssistantDiscovery.Build(FrontDoor);
        root["cmps"]!["last_person"]!["value_template"] = "{{ value_json.person if value_json.person else '' }}";
        string payload = root.ToJsonString();

        Assert.Contains(HomeAssistantSchema.DeviceDiscoveryProblems(JsonDocument.Parse(payload).RootElement),
            p => p.StartsWith("last_person: a sensor's value_template must not render an empty string", StringComparison.Ordinal));
    }

    [Fact]
    public void The_device_sw_is_the_full_version_that_dash_dash_version_prints()
    {
        string informational = typeof(HomeAssistantDiscovery).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;

        // The build metadata (the commit) tells two builds of one version apart; `--version` prints it too.
        Assert.Contains('+', informational);
        Assert.Equal(informational, HomeAssistantDiscovery.CurrentVersion);
    }

    [Fact]
    public void Without_a_camera_there_are_no_camera_entities()
    {
        JsonElement root = Build(FrontDoor with { CameraEnabled = false });

        Assert.Empty(HomeAssistantSchema.DeviceDiscoveryProblems(root));
        Assert.DoesNotContain(root.GetProperty("cmps").EnumerateObject(), c => c.Value.GetProperty("state_topic").GetString()!.EndsWith("/camera", StringComparison.Ordinal));
        Assert.True(Build(FrontDoor).GetProperty("cmps").TryGetProperty("camera_problem", out _));
    }

    [Fact]
    public void With_vision_a_face_at_the_door_occupancy_sensor_and_a_face_count_read_the_vision_state()
    {
        JsonElement root = Build(FrontDoor with { VisionEnabled = true });
        JsonElement state = JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(
            new KvsEdge.Vision.VisionPayload("running", 2, 5, 3.1, 4, 1, "m.onnx"), KvsEdge.Vision.VisionJsonContext.Default.VisionPayload)).RootElement;

        Assert.Empty(HomeAssistantSchema.DeviceDiscoveryProblems(root));
        JsonElement face = Component(root, "face");
        Assert.Equal(("binary_sensor", "occupancy", "kvsedge/front-door/vision"), (face.GetProperty("p").GetString(), face.GetProperty("device_class").GetString(), face.GetProperty("state_topic").GetString()));
        JsonElement count = Component(root, "face_count");
        Assert.Equal(("sensor", "kvsedge/front-door/vision"), (count.GetProperty("p").GetString(), count.GetProperty("state_topic").GetString()));
        foreach (JsonElement entity in new[] { face, count })
        {
            foreach (Match field in ValueJsonField().Matches(entity.GetProperty("value_template").GetString()!))
            {
                Assert.True(state.TryGetProperty(field.Groups[1].Value, out _), field.Groups[1].Value);
            }
        }

        Assert.False(Build(FrontDoor).GetProperty("cmps").TryGetProperty("face", out _));
    }

    [Fact]
    public void The_same_input_gives_the_same_bytes()
    {
        Assert.Equal(HomeAssistantDiscovery.Payload(FrontDoor), HomeAssistantDiscovery.Payload(FrontDoor with { }));
    }
}

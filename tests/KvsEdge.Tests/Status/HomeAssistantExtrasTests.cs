using System.Text.Json;
using KvsEdge.Access;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Status;

/// <summary>The snapshot image, presence per person and board diagnostics in the one discovery message, and their state.</summary>
public sealed class HomeAssistantExtrasTests : IDisposable
{
    private static readonly DiscoveryDevice FrontDoor = new("front-door", "kvsedge/front-door", "1.2.3", CameraEnabled: true);
    private readonly string _root = Directory.CreateTempSubdirectory("kvsedge-board-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));

    private static JsonElement Build(DiscoveryDevice device, DiscoveryExtras? extras = null) =>
        JsonDocument.Parse(HomeAssistantDiscoveryExtras.Build(device, extras).ToJsonString()).RootElement;

    private static DiscoveryExtras Extras(bool snapshot = true, bool temperature = true, bool throttling = true, params string[] people)
    {
        var extras = new DiscoveryExtras { Snapshot = snapshot, CpuTemperature = temperature, Throttling = throttling };
        extras.SetPeople(people);
        return extras;
    }

    [Fact]
    public void Every_extra_entity_satisfies_its_platforms_documented_schema_in_the_one_device_message()
    {
        JsonElement root = Build(FrontDoor, Extras(people: ["alice", "Bob Smith"]));

        Assert.Empty(HomeAssistantSchema.DeviceDiscoveryProblems(root));
        JsonElement cmps = root.GetProperty("cmps");
        JsonElement image = cmps.GetProperty("snapshot");
        Assert.Equal(("image", "kvsedge/front-door/snapshot", "image/jpeg"),
            (image.GetProperty("p").GetString(), image.GetProperty("image_topic").GetString(), image.GetProperty("content_type").GetString()));

        JsonElement bob = cmps.GetProperty("presence_bob_smith");
        Assert.Equal(("binary_sensor", "Bob Smith at the door", "presence", "kvsedge/front-door/presence/bob_smith"),
            (bob.GetProperty("p").GetString(), bob.GetProperty("name").GetString(), bob.GetProperty("device_class").GetString(), bob.GetProperty("state_topic").GetString()));
        Assert.Equal((PresencePublisher.On, PresencePublisher.Off), (bob.GetProperty("payload_on").GetString(), bob.GetProperty("payload_off").GetString()));
        Assert.True(cmps.TryGetProperty("presence_alice", out _));

        JsonElement temperature = cmps.GetProperty("cpu_temperature");
        Assert.Equal(("sensor", "temperature", "°C", "diagnostic", "kvsedge/front-door/system"),
            (temperature.GetProperty("p").GetString(), temperature.GetProperty("device_class").GetString(), temperature.GetProperty("unit_of_measurement").GetString(),
             temperature.GetProperty("entity_category").GetString(), temperature.GetProperty("state_topic").GetString()));
        Assert.Equal("diagnostic", cmps.GetProperty("cpu_throttled").GetProperty("entity_category").GetString());
    }

    [Fact]
    public void The_schema_refuses_an_image_without_a_topic_or_with_a_state_topic()
    {
        JsonElement root = Build(FrontDoor, Extras());
        string json = root.GetRawText()
            .Replace("\"image_topic\":\"kvsedge/front-door/snapshot\"", "\"state_topic\":\"kvsedge/front-door/snapshot\"", StringComparison.Ordinal);

        IReadOnlyList<string> problems = HomeAssistantSchema.DeviceDiscoveryProblems(JsonDocument.Parse(json).RootElement);

        Assert.Contains(problems, p => p.Contains("exactly one of image_topic", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("no state_topic", StringComparison.Ordinal));
    }

    [Fact]
    public void Absent_board_sensors_and_disabled_snapshots_are_not_announced()
    {
        JsonElement cmps = Build(FrontDoor, Extras(snapshot: false, temperature: false, throttling: false)).GetProperty("cmps");

        Assert.False(cmps.TryGetProperty("snapshot", out _));
        Assert.False(cmps.TryGetProperty("cpu_temperature", out _));
        Assert.False(cmps.TryGetProperty("cpu_throttled", out _));
        Assert.Equal(Build(FrontDoor).GetProperty("cmps").EnumerateObject().Count(), cmps.EnumerateObject().Count());
    }

    [Fact]
    public void Slugs_are_topic_safe_and_unique()
    {
        IReadOnlyDictionary<string, string> slugs = DiscoveryExtras.Slugs(["Anna B", "anna_b", "Zoë/#+"]);

        Assert.Equal("anna_b", slugs["Anna B"]);
        Assert.Equal("anna_b_2", slugs["anna_b"]);
        Assert.Equal("zo____", slugs["Zoë/#+"]);
    }

    [Fact]
    public void A_recognised_person_is_at_the_door_for_the_hold_time_and_a_new_sighting_extends_it()
    {
        var status = new RecordingStatus();
        using var presence = new PresencePublisher(status, _time, Extras(people: ["alice", "bob"]), TimeSpan.FromMinutes(2));
        Assert.Equal([("presence/alice", "OFF"), ("presence/bob", "OFF")], status.States.ToArray());
        status.States.Clear();

        presence.Seen(Decided(DecisionKind.Granted, DecisionReasons.Allowed, "alice"));
        presence.Seen(Decided(DecisionKind.Denied, DecisionReasons.NotAllowed, "mallory")); // not on the list
        presence.Seen(Decided(DecisionKind.Ignored, DecisionReasons.BelowThreshold, "bob")); // not sure enough
        Assert.Equal([("presence/alice", "ON")], status.States.ToArray());

        _time.Advance(TimeSpan.FromSeconds(90));
        presence.Seen(Decided(DecisionKind.Ignored, DecisionReasons.Cooldown, "alice")); // still at the door
        _time.Advance(TimeSpan.FromSeconds(90));
        Assert.Equal([("presence/alice", "ON")], status.States.ToArray());

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal([("presence/alice", "ON"), ("presence/alice", "OFF")], status.States.ToArray());
    }

    [Fact]
    public void People_added_or_removed_by_a_reload_appear_in_or_leave_discovery_and_their_state()
    {
        var status = new RecordingStatus();
        DiscoveryExtras extras = Extras(people: ["alice", "bob"]);
        using var presence = new PresencePublisher(status, _time, extras, TimeSpan.FromMinutes(2));
        presence.Seen(Decided(DecisionKind.Granted, DecisionReasons.Allowed, "bob"));
        status.States.Clear();
        int changes = 0;
        extras.Changed += (_, _) => changes++;

        Assert.False(extras.SetPeople(["bob", "alice"]));
        Assert.True(extras.SetPeople(["alice", "carol"]));

        Assert.Equal(1, changes);
        Assert.Equal([("presence/bob", ""), ("presence/carol", "OFF")], status.States.ToArray());
        JsonElement cmps = Build(FrontDoor, extras).GetProperty("cmps");
        Assert.True(cmps.TryGetProperty("presence_carol", out _));
        Assert.False(cmps.TryGetProperty("presence_bob", out _));

        // bob's hold ends after his removal: nothing more is published for him.
        _time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(2, status.States.Count);
    }

    [Fact]
    public void Board_sensors_read_a_fixture_tree_as_sysfs_presents_it()
    {
        var board = new BoardSensors(_root);
        Assert.False(board.HasTemperature);
        Assert.False(board.HasThrottling);
        Assert.Equal("{\"cpu_temperature\":null,\"throttled\":null,\"throttled_now\":null}", board.Payload());

        Write(BoardSensors.TemperatureFile, "48312\n");
        Write(BoardSensors.ThrottledFile, "0x50005\n");

        Assert.True(board.HasTemperature && board.HasThrottling);
        Assert.Equal(48.3, board.ReadTemperature());
        Assert.Equal(0x50005u, board.ReadThrottled());
        JsonElement json = JsonDocument.Parse(board.Payload()).RootElement;
        Assert.Equal((48.3, "0x50005", true), (json.GetProperty("cpu_temperature").GetDouble(), json.GetProperty("throttled").GetString(), json.GetProperty("throttled_now").GetBoolean()));

        // Throttled since boot only (bits 16-19): not now. The firmware may print without 0x.
        Write(BoardSensors.ThrottledFile, "50000\n");
        Assert.False(JsonDocument.Parse(board.Payload()).RootElement.GetProperty("throttled_now").GetBoolean());
        Write(BoardSensors.TemperatureFile, "garbage");
        Assert.Null(board.ReadTemperature());
    }

    [Fact]
    public async Task Board_sensors_are_published_retained_at_start_and_every_interval()
    {
        Write(BoardSensors.TemperatureFile, "40000");
        var status = new ChannelStatus();
        using var publisher = new BoardSensorsPublisher(new BoardSensors(_root), status, _time);
        await publisher.StartAsync(CancellationToken.None);
        Assert.Equal(("system", "{\"cpu_temperature\":40,\"throttled\":null,\"throttled_now\":null}"), await status.States.Reader.ReadAsync());

        Write(BoardSensors.TemperatureFile, "41500");
        _time.Advance(BoardSensorsPublisher.Interval);

        Assert.Equal(("system", "{\"cpu_temperature\":41.5,\"throttled\":null,\"throttled_now\":null}"), await status.States.Reader.ReadAsync());
        await publisher.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_board_without_sensors_publishes_nothing()
    {
        var status = new ChannelStatus();
        using var publisher = new BoardSensorsPublisher(new BoardSensors(_root), status, _time);
        await publisher.StartAsync(CancellationToken.None);
        await publisher.ExecuteTask!;
        Assert.False(status.States.Reader.TryRead(out _));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>State publishes as a channel the test awaits.</summary>
    private sealed class ChannelStatus : IStatusPublisher
    {
        public System.Threading.Channels.Channel<(string, string)> States { get; } = System.Threading.Channels.Channel.CreateUnbounded<(string, string)>();

        public void PublishDoor(KvsEdge.Door.DoorState state)
        {
        }

        public void PublishRecognition(RecognitionStatus status)
        {
        }

        public void PublishEvent(Decision decision)
        {
        }

        public void PublishDoorEvent(KvsEdge.Door.DoorEvent doorEvent)
        {
        }

        public void PublishState(string subtopic, string payload) => States.Writer.TryWrite((subtopic, payload));
    }

    private void Write(string relative, string content)
    {
        string path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private Decision Decided(DecisionKind kind, string reason, string person) => new(kind, reason, _time.GetUtcNow(), null, Person: person);
}

using System.Text.Json;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.TestSupport;
using MQTTnet;

namespace KvsEdge.IntegrationTests.AccessLoop;

/// <summary>
/// The black-box contract: `kvsedge run --config FILE` as its own process, kinesalite as the Kinesis endpoint,
/// Mosquitto as the broker, the simulated GPIO driver logging every relay level. Behaviour is read from MQTT and
/// the relay log only.
/// </summary>
[Collection("kinesalite")]
[Trait("Category", "Integration")]
public sealed class AccessLoopEndToEndTests : IAsyncLifetime
{
    private const int RelayPin = 17;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly KinesaliteFixture _kinesalite;
    private readonly MosquittoFixture _mosquitto = MosquittoFixture.WithPersistence();
    private readonly string _work = Directory.CreateTempSubdirectory("kvsedge-e2e-").FullName;
    private readonly string _deviceId = "e2e" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<KvsEdgeProcess> _processes = [];
    private MqttProbe _probe = null!;
    private string _stream = null!;

    public AccessLoopEndToEndTests(KinesaliteFixture kinesalite)
    {
        _kinesalite = kinesalite;
    }

    private string Prefix => $"kvsedge/{_deviceId}";

    private string RelayLog => Path.Combine(_work, "relay.jsonl");

    public async Task InitializeAsync()
    {
        await _mosquitto.StartAsync();
        _probe = await MqttProbe.ConnectAsync(_mosquitto.Host, _mosquitto.Port, Prefix + "/#", persistentSession: true);
        _stream = await _kinesalite.CreateStreamAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (KvsEdgeProcess process in _processes)
        {
            await process.DisposeAsync();
        }

        await _probe.DisposeAsync();
        await _mosquitto.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task An_allowed_person_pulses_the_relay_and_the_event_names_them()
    {
        await StartHostAsync();
        await PutAsync(FaceRecords.Match("alice_2", 96.5, DateTimeOffset.UtcNow));

        JsonElement granted = await NextEventAsync(e => e.GetProperty("type").GetString() == "access_granted");
        Assert.Equal("alice", granted.GetProperty("person").GetString());
        Assert.Equal(96.5, granted.GetProperty("similarity").GetDouble());
        await _probe.WaitForAsync($"{Prefix}/door", "unlocked", Timeout);
        await _probe.WaitForAsync(m => m.Topic == $"{Prefix}/door" && m.ConvertPayloadToString() == "locked" && IsAfterUnlock(m), Timeout);

        var relay = TransitionLog.Read(RelayLog).Where(e => e.Pin == RelayPin).ToList();
        Assert.Equal(["low", "high", "low"], relay.Select(e => e.Value));
        TimeSpan pulse = relay[2].At - relay[1].At;
        Assert.InRange(pulse, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(1500));
    }

    [Fact]
    public async Task Unknown_stale_below_threshold_malformed_and_repeated_records_never_add_a_pulse()
    {
        await StartHostAsync();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        byte[] alice = FaceRecords.Match("alice", 97, now);
        await PutAsync(FaceRecords.Unknown(now));
        await PutAsync(FaceRecords.Match("alice", 97, now - TimeSpan.FromMinutes(5)));
        await PutAsync(FaceRecords.Match("alice", 60, now));
        await PutAsync("{\"InputInformation\": {\"KinesisVideo\": 7"u8.ToArray());
        await PutAsync(alice);
        await PutAsync(alice); // the same record again, as a retried PutRecord would deliver it

        string[] expected = ["unknown_face/unknown_face", "ignored/stale", "ignored/below_threshold", "ignored/malformed", "access_granted/allowed", "ignored/duplicate"];
        var seen = new List<string>();
        foreach (string _ in expected)
        {
            JsonElement e = await NextEventAsync(_ => true);
            seen.Add($"{e.GetProperty("type").GetString()}/{e.GetProperty("reason").GetString()}");
        }

        Assert.Equal(expected, seen);
        await _probe.WaitForAsync(m => m.Topic == $"{Prefix}/door" && m.ConvertPayloadToString() == "locked" && IsAfterUnlock(m), Timeout);
        Assert.Equal(1, TransitionLog.RisingEdges(RelayLog, RelayPin));
    }

    [Fact]
    public async Task After_a_broker_restart_availability_and_state_come_back_and_queued_events_arrive()
    {
        await StartHostAsync();
        await _mosquitto.StopGracefullyAsync();

        // Decided while the broker is down: the events wait in the publisher's queue.
        KvsEdgeProcess host = _processes[^1];
        int decisionsBefore = host.Lines.Count(l => l.Contains("Decision ", StringComparison.Ordinal));
        await PutAsync(FaceRecords.Unknown(DateTimeOffset.UtcNow));
        await PutAsync(FaceRecords.Match("alice", 98, DateTimeOffset.UtcNow));
        await host.WaitForLineAsync(l => l.Contains("Decision access_granted", StringComparison.Ordinal), Timeout);
        Assert.True(host.Lines.Count(l => l.Contains("Decision ", StringComparison.Ordinal)) >= decisionsBefore + 2);

        int before = _probe.Messages.Count;
        await _mosquitto.StartAsync();
        await _probe.ReconnectAsync();
        await _probe.WaitForAsync(m => m.Topic == $"{Prefix}/availability" && m.ConvertPayloadToString() == "online" && Index(m) >= before, Timeout);
        JsonElement unknown = await NextEventAsync(e => e.GetProperty("type").GetString() == "unknown_face");
        JsonElement granted = await NextEventAsync(e => e.GetProperty("type").GetString() == "access_granted");
        Assert.Equal("alice", granted.GetProperty("person").GetString());
        Assert.True(unknown.GetProperty("decided_at").GetDateTimeOffset() <= granted.GetProperty("decided_at").GetDateTimeOffset());
        await _probe.WaitForAsync(m => m.Topic == $"{Prefix}/recognition" && Index(m) >= before, Timeout);
        await _probe.WaitForAsync(m => m.Topic == $"{Prefix}/door" && Index(m) >= before, Timeout);
    }

    [Fact]
    public async Task A_killed_host_restarted_on_the_same_state_replays_nothing()
    {
        KvsEdgeProcess first = await StartHostAsync();
        await PutAsync(FaceRecords.Match("alice", 97, DateTimeOffset.UtcNow));
        await NextEventAsync(e => e.GetProperty("type").GetString() == "access_granted");
        await first.KillAsync(); // SIGKILL: no shutdown code, as after a crash
        await _probe.WaitForAsync($"{Prefix}/availability", "offline", Timeout); // the broker's Last Will

        int before = _probe.Messages.Count;
        await StartHostAsync();
        await PutAsync(FaceRecords.Unknown(DateTimeOffset.UtcNow)); // a sentinel: once it is decided, anything replayed was too
        JsonElement sentinel = await NextEventAsync(e => e.GetProperty("type").GetString() == "unknown_face", after: before);

        var sinceRestart = Events(after: before).Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.DoesNotContain("access_granted", sinceRestart);
        Assert.Equal(JsonValueKind.Object, sentinel.ValueKind);
        Assert.Equal(1, TransitionLog.RisingEdges(RelayLog, RelayPin));
    }

    [Theory]
    [InlineData("after-ledger-append", 1)] // killed before the relay moved: the grant never pulsed, and never will
    [InlineData("before-checkpoint", 2)] // killed after the pulse began: that one pulse, and no second
    public async Task A_host_killed_between_the_ledger_append_and_the_checkpoint_replays_nothing(string faultPoint, int pulses)
    {
        // A first grant moves the checkpoint, so the next host resumes right after it (not at the stream's tip).
        KvsEdgeProcess first = await StartHostAsync();
        await PutAsync(FaceRecords.Match("alice", 97, DateTimeOffset.UtcNow.AddSeconds(-15)));
        await NextEventAsync(e => e.GetProperty("type").GetString() == "access_granted");
        Assert.Equal(0, await first.TerminateAsync(Timeout));

        // The next grant (past alice's 10 s cooldown) is made durable in the ledger, then the host dies at the fault
        // point: the record is not checkpointed, so it is delivered again after the restart.
        KvsEdgeProcess faulty = await StartHostAsync(new Dictionary<string, string> { ["KVSEDGE_FAULT_POINT"] = faultPoint });
        await PutAsync(FaceRecords.Match("alice", 97, DateTimeOffset.UtcNow));
        Assert.Equal(137, await faulty.Exited.WaitAsync(Timeout)); // SIGKILL
        Assert.Contains(faulty.Lines, l => l.Contains("KVSEDGE_FAULT_POINT=" + faultPoint, StringComparison.Ordinal));

        int before = _probe.Messages.Count;
        await StartHostAsync();
        await PutAsync(FaceRecords.Unknown(DateTimeOffset.UtcNow)); // a sentinel: once it is decided, the replay was too
        await NextEventAsync(e => e.GetProperty("type").GetString() == "unknown_face", after: before);

        var sinceRestart = Events(after: before).Select(e => $"{e.GetProperty("type").GetString()}/{e.GetProperty("reason").GetString()}").ToList();
        Assert.Contains("ignored/duplicate", sinceRestart); // the redelivered grant, known from the ledger alone
        Assert.DoesNotContain("access_granted/allowed", sinceRestart);
        Assert.Equal(pulses, TransitionLog.RisingEdges(RelayLog, RelayPin));
    }

    [Fact]
    public async Task A_read_only_state_directory_keeps_the_service_running_with_the_door_locked_and_says_so()
    {
        using var readOnly = TmpfsDirectory.TryCreate();
        Assert.True(readOnly is not null, "needs root to mount a read-only tmpfs");
        int before = _probe.Messages.Count;
        KvsEdgeProcess host = await StartHostAsync(settings: Settings(readOnly.Path));

        await PutAsync(FaceRecords.Match("alice", 97, DateTimeOffset.UtcNow));
        JsonElement denied = await NextEventAsync(e => e.GetProperty("type").GetString() == "access_denied");
        Assert.Equal("ledger_unavailable", denied.GetProperty("reason").GetString());
        await _probe.WaitForAsync(
            m => Index(m) >= before && m.Topic == $"{Prefix}/recognition" && m.ConvertPayloadToString().Contains("\"ledger\":\"unavailable\"", StringComparison.Ordinal),
            Timeout);

        // Checkpoints cannot be saved either: the loop goes on deciding.
        await PutAsync(FaceRecords.Unknown(DateTimeOffset.UtcNow));
        await NextEventAsync(e => e.GetProperty("type").GetString() == "unknown_face");
        Assert.False(host.Exited.IsCompleted);
        Assert.Contains(host.Lines, l => l.Contains("ledger_unavailable, the door stays locked", StringComparison.Ordinal));
        Assert.Equal(0, TransitionLog.RisingEdges(RelayLog, RelayPin));
        Assert.Equal(0, await host.TerminateAsync(Timeout));
    }

    [Fact]
    public async Task Door_lock_drives_only_the_relay_to_its_inactive_level_and_exits_zero()
    {
        // As systemd's ExecStopPost runs it after any exit; an active-low relay is locked by driving it high.
        HostSettings settings = Settings() with { Door = new { Driver = "simulated", Relay = new { Pin = RelayPin, ActiveLow = true }, Simulated = new { TransitionLog = RelayLog } } };
        KvsEdgeProcess process = KvsEdgeProcess.Start("door lock", settings.ToJson(), _work);
        _processes.Add(process);

        Assert.Equal(0, await process.Exited.WaitAsync(Timeout));
        var writes = TransitionLog.Read(RelayLog);
        Assert.NotEmpty(writes);
        Assert.All(writes, w => Assert.Equal((RelayPin, "high"), (w.Pin, w.Value)));
    }

    [Fact]
    public async Task A_bad_configuration_exits_non_zero_naming_the_key_before_touching_gpio()
    {
        HostSettings settings = Settings() with { Door = DoorSettings(pulse: "00:05:00") };
        KvsEdgeProcess process = KvsEdgeProcess.Start("run", settings.ToJson(), _work);
        _processes.Add(process);

        int exitCode = await process.Exited.WaitAsync(Timeout);
        Assert.Equal(78, exitCode);
        Assert.Contains(process.Lines, l => l.Contains("Door:PulseDuration", StringComparison.Ordinal));
        Assert.False(File.Exists(RelayLog));
    }

    private async Task<KvsEdgeProcess> StartHostAsync(IReadOnlyDictionary<string, string>? environment = null, HostSettings? settings = null)
    {
        int before = _probe.Messages.Count;
        KvsEdgeProcess process = KvsEdgeProcess.Start("run", (settings ?? Settings()).ToJson(), _work, environment);
        _processes.Add(process);
        // Started at LATEST: only once a shard was polled does a record put now count.
        Task exited = process.Exited;
        Task<MqttApplicationMessage> running = _probe.WaitForAsync(
            m => Index(m) >= before && m.Topic == $"{Prefix}/recognition" && m.ConvertPayloadToString().Contains("\"state\":\"running\"", StringComparison.Ordinal),
            Timeout);
        if (await Task.WhenAny(running, exited) == exited)
        {
            throw new InvalidOperationException("kvsedge exited early:\n" + string.Join('\n', process.Lines));
        }

        await running;
        return process;
    }

    private async Task PutAsync(byte[] record)
    {
        using var client = _kinesalite.CreateClient();
        await client.PutRecordAsync(_stream, record, "door", CancellationToken.None);
    }

    private int Index(MqttApplicationMessage message)
    {
        var messages = _probe.Messages;
        for (int i = 0; i < messages.Count; i++)
        {
            if (ReferenceEquals(messages[i], message))
            {
                return i;
            }
        }

        return -1;
    }

    private bool IsAfterUnlock(MqttApplicationMessage message)
    {
        var messages = _probe.Messages;
        int unlocked = messages.ToList().FindIndex(m => m.Topic == $"{Prefix}/door" && m.ConvertPayloadToString() == "unlocked");
        return unlocked >= 0 && Index(message) > unlocked;
    }

    private IEnumerable<JsonElement> Events(int after = 0) => _probe.Messages
        .Skip(after)
        .Where(m => m.Topic == $"{Prefix}/events")
        .Select(m => JsonDocument.Parse(m.ConvertPayloadToString()).RootElement);

    private readonly HashSet<string> _taken = [];

    /// <summary>The first event not yet taken by an earlier call that matches (events are QoS 1: duplicates are skipped).</summary>
    private async Task<JsonElement> NextEventAsync(Func<JsonElement, bool> match, int after = 0)
    {
        MqttApplicationMessage message = await _probe.WaitForAsync(
            m => m.Topic == $"{Prefix}/events" && Index(m) >= after && !_taken.Contains(Key(m)) && match(JsonDocument.Parse(m.ConvertPayloadToString()).RootElement),
            Timeout);
        _taken.Add(Key(message));
        return JsonDocument.Parse(message.ConvertPayloadToString()).RootElement;

        static string Key(MqttApplicationMessage m) => m.ConvertPayloadToString();
    }

    private HostSettings Settings(string? stateDirectory = null) => new(
        Device: new { Id = _deviceId, StateDirectory = stateDirectory ?? Path.Combine(_work, "state") },
        Aws: new { Region = "us-east-1", Endpoints = new { Kinesis = _kinesalite.ServiceUrl } },
        Recognition: new { Source = "kinesis", Kinesis = new { StreamName = _stream, PollInterval = "00:00:00.2", ShardDiscoveryInterval = "00:00:05" } },
        Access: new { MaxEventAge = "00:00:30", People = new Dictionary<string, object> { ["alice"] = new { MinSimilarity = 90 } } },
        Door: DoorSettings("00:00:00.5"),
        Mqtt: new { Host = _mosquitto.Host, Port = _mosquitto.Port, ReconnectMinDelay = "00:00:00.2", ReconnectMaxDelay = "00:00:01" });

    private object DoorSettings(string pulse) => new
    {
        Driver = "simulated",
        PulseDuration = pulse,
        Relay = new { Pin = RelayPin, ActiveLow = false },
        Simulated = new { TransitionLog = RelayLog },
    };

    private sealed record HostSettings(object Device, object Aws, object Recognition, object Access, object Door, object Mqtt)
    {
        public Dictionary<string, object> ToJson() => new()
        {
            ["Device"] = Device,
            ["Aws"] = Aws,
            ["Recognition"] = Recognition,
            ["Access"] = Access,
            ["Door"] = Door,
            ["Mqtt"] = Mqtt,
            ["Camera"] = new { Enabled = false }, // the door path alone; the camera has its own tests
        };
    }
}

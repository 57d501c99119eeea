using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Door;
using KvsEdge.Recognition;
using KvsEdge.Tests.Consumer;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Actions;

public sealed class DecisionExecutorTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly RecordingStatus _status = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-executor-").FullName;

    [Fact]
    public async Task A_grant_is_on_disk_before_the_relay_moves_and_audited_after()
    {
        var door = new LedgerCheckingDoor(Path.Combine(_directory, "granted.log"));
        using var executor = Create(door);

        var decisions = await executor.HandleFrameAsync(Frame(FaceRecords.Match("alice", 97, _time.GetUtcNow())), CancellationToken.None);

        Assert.Equal(DecisionKind.Granted, Assert.Single(decisions).Kind);
        Assert.True(door.LedgerHadEntryWhenUnlocked);
        Assert.Equal(DecisionKind.Granted, Assert.Single(_status.Events).Kind);
    }

    [Fact]
    public async Task Several_faces_in_one_frame_pulse_once_and_every_face_is_audited()
    {
        var door = new RecordingDoor();
        using var executor = Create(door);
        var alice = Frame(FaceRecords.Match("alice", 97, _time.GetUtcNow()))[0];
        FaceObservation[] faces = [alice, alice with { FaceIndex = 1 }, alice with { FaceIndex = 2, Candidates = [] }];

        var decisions = await executor.HandleFrameAsync(faces, CancellationToken.None);

        // The second alice in the same frame falls inside her cooldown: one grant, one pulse.
        Assert.Equal(["Granted/allowed", "Ignored/cooldown", "UnknownFace/unknown_face"], decisions.Select(d => $"{d.Kind}/{d.Reason}"));
        Assert.Equal(1, door.Unlocks);
        Assert.Equal(3, _status.Events.Count);
    }

    [Fact]
    public async Task Denials_and_unknown_faces_light_the_denied_led_and_never_unlock()
    {
        var door = new RecordingDoor();
        using var executor = Create(door);
        await executor.HandleFrameAsync(Frame(FaceRecords.Unknown(_time.GetUtcNow())), CancellationToken.None);
        await executor.HandleFrameAsync(Frame(FaceRecords.Match("mallory", 99, _time.GetUtcNow())), CancellationToken.None);

        Assert.Equal(0, door.Unlocks);
        Assert.Equal(2, door.Denials);
        Assert.Equal([DecisionKind.UnknownFace, DecisionKind.Denied], _status.Events.Select(d => d.Kind));
    }

    [Fact]
    public async Task When_the_grant_cannot_be_made_durable_the_door_stays_locked()
    {
        var door = new RecordingDoor();
        string blocked = Path.Combine(_directory, "not-a-directory");
        File.WriteAllText(blocked, "a file where the state directory should be");
        using var ledger = new GrantLedger(blocked);
        using var executor = new DecisionExecutor(new AccessPolicy(TestPolicies.AliceAllowed()), door, _status, ledger, _time, NullLogger<DecisionExecutor>.Instance);

        var decisions = await executor.HandleFrameAsync(Frame(FaceRecords.Match("alice", 97, _time.GetUtcNow())), CancellationToken.None);

        Decision decision = Assert.Single(decisions);
        Assert.Equal((DecisionKind.Denied, DecisionExecutor.LedgerUnavailableReason), (decision.Kind, decision.Reason));
        Assert.Equal(0, door.Unlocks);
        Assert.Equal(1, door.Denials);
    }

    [Fact]
    public async Task A_restored_ledger_makes_a_redelivered_grant_a_duplicate()
    {
        byte[] record = FaceRecords.Match("alice", 97, _time.GetUtcNow());
        using (var first = Create(new RecordingDoor()))
        {
            await first.HandleFrameAsync(Frame(record), CancellationToken.None);
        }

        var door = new RecordingDoor();
        using var restarted = Create(door);
        Assert.Equal(1, restarted.RestoreLedger(TimeSpan.FromSeconds(12)));
        _time.Advance(TimeSpan.FromSeconds(2));
        var decisions = await restarted.HandleFrameAsync(Frame(record), CancellationToken.None);

        Assert.Equal((DecisionKind.Ignored, DecisionReasons.Duplicate), (decisions[0].Kind, decisions[0].Reason));
        Assert.Equal(0, door.Unlocks);
    }

    [Fact]
    public async Task Cooldown_survives_a_restart_so_a_frame_in_cooldown_before_a_crash_is_not_granted_on_replay()
    {
        DateTimeOffset granted = _time.GetUtcNow();
        using (var first = Create(new RecordingDoor()))
        {
            var decisions = await first.HandleFrameAsync(Frame(FaceRecords.Match("alice", 97, granted)), CancellationToken.None);
            Assert.Equal(DecisionKind.Granted, decisions[0].Kind);
        }

        // A second frame of the same visit, 3 s later (cooldown 10 s), is redelivered after the restart: it never
        // was checkpointed, and it is a different record, so de-duplication alone would let it unlock again.
        var door = new RecordingDoor();
        using var restarted = Create(door);
        restarted.RestoreLedger(TimeSpan.FromSeconds(12));
        _time.Advance(TimeSpan.FromSeconds(4));
        var replayed = await restarted.HandleFrameAsync(Frame(FaceRecords.Match("alice", 97, granted.AddSeconds(3))), CancellationToken.None);

        Assert.Equal((DecisionKind.Ignored, DecisionReasons.Cooldown), (replayed[0].Kind, replayed[0].Reason));
        Assert.Equal(0, door.Unlocks);
    }

    [Fact]
    public async Task Corrupt_ledger_lines_are_skipped_and_the_rest_is_restored()
    {
        byte[] record = FaceRecords.Match("alice", 97, _time.GetUtcNow());
        using (var first = Create(new RecordingDoor()))
        {
            await first.HandleFrameAsync(Frame(record), CancellationToken.None);
        }

        string path = Path.Combine(_directory, "granted.log");
        File.WriteAllLines(path, ["9223372036854775807 out-of-range#0", "{\"t\":", .. File.ReadAllLines(path), "{\"t\":\"soon\",\"key\":\"x#0\"}"]);

        var door = new RecordingDoor();
        using var restarted = Create(door);
        Assert.Equal(1, restarted.RestoreLedger(TimeSpan.FromSeconds(12)));
        var decisions = await restarted.HandleFrameAsync(Frame(record), CancellationToken.None);

        Assert.Equal((DecisionKind.Ignored, DecisionReasons.Duplicate), (decisions[0].Kind, decisions[0].Reason));
        Assert.Equal(0, door.Unlocks);
    }

    [Fact]
    public async Task A_read_only_state_directory_restores_what_it_can_denies_grants_and_keeps_going()
    {
        byte[] granted = FaceRecords.Match("alice", 97, _time.GetUtcNow());
        FaceObservation before = Frame(granted)[0];
        using var readOnly = TmpfsDirectory.TryCreate(dir =>
        {
            using var first = new GrantLedger(dir);
            first.Append(before.DedupKey, before.FrameTime, "alice");
        });
        Assert.True(readOnly is not null, "needs root to mount a read-only tmpfs");

        var door = new RecordingDoor();
        using var ledger = new GrantLedger(readOnly.Path);
        using var executor = new DecisionExecutor(new AccessPolicy(TestPolicies.AliceAllowed()), door, _status, ledger, _time, NullLogger<DecisionExecutor>.Instance);
        var changes = new List<bool>();
        executor.LedgerAvailabilityChanged += (_, available) => changes.Add(available);

        // The entry is read (compaction fails): its redelivery is still a duplicate.
        Assert.Equal(1, executor.RestoreLedger(TimeSpan.FromSeconds(12)));
        Assert.False(executor.LedgerAvailable);
        Assert.Equal([false], changes);
        _time.Advance(TimeSpan.FromSeconds(1));
        var replayed = await executor.HandleFrameAsync(Frame(granted), CancellationToken.None);
        Assert.Equal(DecisionReasons.Duplicate, replayed[0].Reason);

        // A new grant cannot be made durable: denied, door locked, and the service goes on deciding.
        _time.Advance(TimeSpan.FromSeconds(15));
        var fresh = await executor.HandleFrameAsync(Frame(FaceRecords.Match("alice", 97, _time.GetUtcNow())), CancellationToken.None);
        Assert.Equal((DecisionKind.Denied, DecisionExecutor.LedgerUnavailableReason), (fresh[0].Kind, fresh[0].Reason));
        Assert.Equal(0, door.Unlocks);

        // Writable again (the disk was fixed): the next grant goes ahead and the state says so.
        readOnly.MakeWritable();
        _time.Advance(TimeSpan.FromSeconds(15));
        var later = await executor.HandleFrameAsync(Frame(FaceRecords.Match("alice", 97, _time.GetUtcNow())), CancellationToken.None);
        Assert.Equal(DecisionKind.Granted, later[0].Kind);
        Assert.Equal(1, door.Unlocks);
        Assert.Equal([false, true], changes);
    }

    [Fact]
    public async Task A_full_state_directory_denies_grants_until_space_is_freed_and_loses_no_entry()
    {
        using var full = TmpfsDirectory.TryCreate(size: "16k", readOnly: false);
        Assert.True(full is not null, "needs root to mount a small tmpfs");
        var door = new RecordingDoor();
        using var ledger = new GrantLedger(full.Path);
        using var executor = new DecisionExecutor(new AccessPolicy(TestPolicies.AliceAllowed()), door, _status, ledger, _time, NullLogger<DecisionExecutor>.Instance);
        executor.RestoreLedger(TimeSpan.FromSeconds(12)); // leaves an empty ledger: no page of its own to append into

        string filler = Path.Combine(full.Path, "filler");
        using (var stream = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1))
        {
            Assert.Throws<IOException>((Action)(() =>
            {
                while (true)
                {
                    stream.Write(new byte[512]);
                }
            }));
        }

        _time.Advance(TimeSpan.FromSeconds(15));
        var denied = await executor.HandleFrameAsync(Frame(FaceRecords.Match("alice", 97, _time.GetUtcNow())), CancellationToken.None);
        Assert.Equal((DecisionKind.Denied, DecisionExecutor.LedgerUnavailableReason), (denied[0].Kind, denied[0].Reason));
        Assert.False(executor.LedgerAvailable);
        Assert.Equal(0, door.Unlocks);

        File.Delete(filler);
        _time.Advance(TimeSpan.FromSeconds(15));
        byte[] third = FaceRecords.Match("alice", 97, _time.GetUtcNow());
        Assert.Equal(DecisionKind.Granted, (await executor.HandleFrameAsync(Frame(third), CancellationToken.None))[0].Kind);
        Assert.True(executor.LedgerAvailable);
        Assert.Equal(1, door.Unlocks);

        // The grant is on disk and readable, whatever the failed append left behind.
        using var reread = new GrantLedger(full.Path);
        Assert.Equal([Frame(third)[0].DedupKey], reread.ReadRecent(_time.GetUtcNow().AddMinutes(-5), out _).Select(e => e.Key));
    }

    [Fact]
    public async Task A_directory_where_the_ledger_file_should_be_denies_grants()
    {
        // A directory where the ledger file should be: it exists and cannot be read as a file.
        Directory.CreateDirectory(Path.Combine(_directory, "granted.log"));
        var door = new RecordingDoor();
        using var executor = Create(door);

        Assert.Equal(0, executor.RestoreLedger(TimeSpan.FromSeconds(12)));
        Assert.False(executor.LedgerAvailable);
        var decisions = await executor.HandleFrameAsync(Frame(FaceRecords.Match("alice", 97, _time.GetUtcNow())), CancellationToken.None);

        Assert.Equal((DecisionKind.Denied, DecisionExecutor.LedgerUnavailableReason), (decisions[0].Kind, decisions[0].Reason));
        Assert.Equal(0, door.Unlocks);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private DecisionExecutor Create(IDoor door) =>
        new(new AccessPolicy(TestPolicies.AliceAllowed()), door, _status, new GrantLedger(_directory), _time, NullLogger<DecisionExecutor>.Instance);

    private IReadOnlyList<FaceObservation> Frame(byte[] record) =>
        FaceSearchRecordParser.Parse(record, RecognitionSources.Kinesis, _time.GetUtcNow()).Frame!.Faces;

    private sealed class LedgerCheckingDoor(string ledgerPath) : IDoor
    {
        public bool LedgerHadEntryWhenUnlocked { get; private set; }

        public DoorState State => DoorState.Locked;

        public event EventHandler<DoorState>? StateChanged;

        public Task<bool> UnlockAsync(CancellationToken cancellationToken)
        {
            using var stream = new FileStream(ledgerPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            LedgerHadEntryWhenUnlocked = stream.Length > 0;
            StateChanged?.Invoke(this, DoorState.Unlocked);
            return Task.FromResult(true);
        }

        public void SignalDenied()
        {
        }
    }
}

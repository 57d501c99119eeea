using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Camera;
using KvsEdge.Recognition;
using KvsEdge.Snapshots;
using KvsEdge.Status;
using KvsEdge.Tests.Consumer;
using KvsEdge.Tests.Recognition;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Snapshots;

public sealed class SnapshotTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly RecordingStatus _status = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-snapshots-").FullName;

    [Fact]
    public void The_ring_keeps_its_count_and_byte_bounds_and_a_restart_with_lower_bounds_prunes_the_oldest()
    {
        var ring = new SnapshotRing(_directory, maxCount: 4, maxBytes: 1_000_000);
        List<string> ids = [];
        for (int i = 0; i < 6; i++)
        {
            string id = SnapshotRing.NewId(_time.GetUtcNow().AddSeconds(i), i);
            ids.Add(id);
            Assert.True(ring.Store(new SnapshotInfo(id, _time.GetUtcNow(), "unknown_face", null, SnapshotOrigins.ImageApi, 100), Jpeg(100, (byte)i)));
        }

        // Count bound: the four newest.
        Assert.Equal(ids[2..], ring.List().Select(s => s.Id));
        Assert.Equal(Jpeg(100, 5), File.ReadAllBytes(ring.ImagePath(ids[5])!));

        // Leftovers of an interrupted write and a file that is not ours.
        File.WriteAllBytes(Path.Combine(ring.Directory, ids[5] + ".jpg.tmp"), [1]);
        string orphan = SnapshotRing.NewId(_time.GetUtcNow().AddHours(1), 99);
        File.WriteAllBytes(Path.Combine(ring.Directory, orphan + ".jpg"), Jpeg(10, 9));
        File.WriteAllText(Path.Combine(ring.Directory, "notes.txt"), "mine");

        // Restart with lower bounds (bytes): only the two newest fit 250 bytes.
        var restarted = new SnapshotRing(_directory, maxCount: 3, maxBytes: 250);
        Assert.Equal(2, restarted.Prune());
        Assert.Equal(ids[4..], restarted.List().Select(s => s.Id));
        Assert.Equal([ids[4] + ".jpg", ids[4] + ".json", ids[5] + ".jpg", ids[5] + ".json", "notes.txt"],
            Directory.GetFiles(ring.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // Storing keeps the bounds too: the oldest makes room.
        string next = SnapshotRing.NewId(_time.GetUtcNow().AddMinutes(5), 7);
        restarted.Store(new SnapshotInfo(next, _time.GetUtcNow(), "access_granted", "alice", SnapshotOrigins.FrameTap, 100), Jpeg(100, 7));
        Assert.Equal([ids[5], next], restarted.List().Select(s => s.Id));
        Assert.Equal(("access_granted", "alice", SnapshotOrigins.FrameTap), (restarted.List()[1].Decision, restarted.List()[1].Person, restarted.List()[1].Origin));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("20261125T100000000Z-00000")]
    [InlineData("20261125T100000000Z-00000a")]
    public void Only_ring_ids_name_a_snapshot(string id)
    {
        Assert.False(SnapshotRing.IsId(id));
        Assert.Null(new SnapshotRing(_directory, 1, 100_000).ImagePath(id));
    }

    [Fact]
    public async Task An_image_api_decision_keeps_exactly_the_bytes_sent_and_its_event_names_the_snapshot()
    {
        await using var h = new ImageApiHarness();
        h.Frames.Data = Jpeg(4000, 42);
        Task<SnapshotWritten> written = NextWritten(h.Snapshots);
        await h.Snapshots.StartAsync(CancellationToken.None);
        h.EnqueueMatch("alice", 97.5);

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Decision decision = Assert.Single(ended.Decisions);
        Assert.Equal(DecisionKind.Granted, decision.Kind);
        Assert.NotNull(decision.SnapshotId);
        Assert.Equal(decision.SnapshotId, Assert.Single(h.Status.Events).SnapshotId);
        Assert.Equal(decision.SnapshotId, JsonNode.Parse(StatusPayloads.Event(decision))!["snapshot_id"]!.GetValue<string>());

        SnapshotWritten done = await written;
        Assert.True(done.Stored);
        byte[] sent = Convert.FromBase64String(Assert.Single(h.Searches).Body!["Image"]!["Bytes"]!.GetValue<string>());
        Assert.Equal(sent, File.ReadAllBytes(h.Snapshots.Ring.ImagePath(decision.SnapshotId!)!));
        SnapshotInfo info = Assert.Single(h.Snapshots.Ring.List());
        Assert.Equal((decision.SnapshotId, "access_granted", "alice", SnapshotOrigins.ImageApi, (long)sent.Length),
            (info.Id, info.Decision, info.Person, info.Origin, info.Bytes));
    }

    [Fact]
    public async Task A_stream_processor_record_keeps_the_frame_taps_newest_frame_as_the_local_view()
    {
        using var writer = CreateWriter(_directory);
        Task<SnapshotWritten> written = NextWritten(writer);
        await writer.StartAsync(CancellationToken.None);
        using var executor = CreateExecutor(writer);
        var frames = new SyntheticFrames(_time) { Data = Jpeg(3000, 7) };
        var handler = new FaceSearchRecordHandler(executor, _time, NullLogger<FaceSearchRecordHandler>.Instance, frames, writer);

        await handler.HandleAsync(FaceRecords.Unknown(_time.GetUtcNow()), RecognitionSources.Kinesis, "shard-1/1", CancellationToken.None);

        Decision audited = Assert.Single(_status.Events);
        Assert.Equal(DecisionKind.UnknownFace, audited.Kind);
        SnapshotWritten done = await written;
        Assert.Equal((audited.SnapshotId, "unknown_face", (string?)null, SnapshotOrigins.FrameTap), (done.Info.Id, done.Info.Decision, done.Info.Person, done.Info.Origin));
        Assert.Equal(frames.Data, File.ReadAllBytes(writer.Ring.ImagePath(audited.SnapshotId!)!));
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Records_faster_than_the_camera_share_one_frame_pull_instead_of_piling_pulls_up()
    {
        // The fault suite's soak (20 records/s, camera at 15 fps) grew RSS by 9 MiB a minute: every record started its own
        // wait for the next frame, and the waits outnumbered the frames. One pull in flight serves every record meanwhile.
        using var writer = CreateWriter(_directory);
        using var executor = CreateExecutor(writer);
        var frames = new StalledFrames();
        var handler = new FaceSearchRecordHandler(executor, _time, NullLogger<FaceSearchRecordHandler>.Instance, frames, writer);

        for (int i = 0; i < 50; i++)
        {
            _time.Advance(new SnapshotOptions().MinInterval); // each record's snapshot is due
            await handler.HandleAsync(FaceRecords.Unknown(_time.GetUtcNow()), RecognitionSources.Kinesis, "shard-1/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None);
        }

        Assert.Equal(50, _status.Events.Count);
        Assert.Equal(1, frames.Pulls);
        frames.Release();

        // A camera that keeps up: each pull has ended before the next record, so each record asks for its own frame.
        var prompt = new StalledFrames(stall: false);
        var second = new FaceSearchRecordHandler(executor, _time, NullLogger<FaceSearchRecordHandler>.Instance, prompt, writer);
        for (int i = 0; i < 3; i++)
        {
            _time.Advance(new SnapshotOptions().MinInterval);
            await second.HandleAsync(FaceRecords.Unknown(_time.GetUtcNow()), RecognitionSources.Kinesis, "shard-2/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None);
        }

        Assert.Equal(3, prompt.Pulls);
    }

    [Fact]
    public async Task A_flood_of_strangers_keeps_one_snapshot_a_second_and_every_grant_and_pulls_no_frame_for_the_rest()
    {
        // The fault suite's soak (19 strangers and one grant a second) wrote and fsynced a JPEG per record: the SD card
        // wears, the ring of 200 holds ten seconds, and the writer's queue kept frames alive long enough to grow the heap.
        using var writer = CreateWriter(_directory);
        AccessOptions policy = TestPolicies.AliceAllowed();
        policy.Cooldown = TimeSpan.FromMilliseconds(500); // alice is granted each time she comes
        using var executor = new DecisionExecutor(new AccessPolicy(policy), new RecordingDoor(), _status, new GrantLedger(_directory), _time,
            NullLogger<DecisionExecutor>.Instance, snapshots: writer);
        var frames = new StalledFrames(stall: false);
        var handler = new FaceSearchRecordHandler(executor, _time, NullLogger<FaceSearchRecordHandler>.Instance, frames, writer);

        for (int i = 0; i < 60; i++)
        {
            byte[] record = i % 20 == 0 ? FaceRecords.Match("alice", 97, _time.GetUtcNow()) : FaceRecords.Unknown(_time.GetUtcNow());
            await handler.HandleAsync(record, RecognitionSources.Kinesis, "shard-1/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None);
            _time.Advance(TimeSpan.FromMilliseconds(50));
        }

        List<Decision> events = [.. _status.Events];
        Assert.Equal(60, events.Count);
        // Every grant has its snapshot; of the strangers, one a second (the first after each whole second).
        Assert.Equal([0, 20, 40], events.Select((e, i) => (e, i)).Where(x => x.e.Kind == DecisionKind.Granted && x.e.SnapshotId is not null).Select(x => x.i));
        int[] kept = [.. events.Select((e, i) => (e, i)).Where(x => x.e.Kind == DecisionKind.UnknownFace && x.e.SnapshotId is not null).Select(x => x.i)];
        Assert.Equal([1, 21, 41], kept);
        Assert.Equal(54, writer.Throttled);
        Assert.Equal(6, frames.Pulls); // only the kept snapshots asked the camera for a frame

        // Off: every decision keeps its snapshot.
        using var every = new SnapshotWriter(new SnapshotOptions { MinInterval = TimeSpan.Zero }, _directory, _time, NullLogger<SnapshotWriter>.Instance);
        Assert.All(Enumerable.Range(0, 5), i => Assert.NotNull(every.Submit(_time.GetUtcNow(), "unknown_face", null, Evidence((byte)i))));
    }

    [Theory]
    [InlineData("-00:00:01")]
    [InlineData("01:00:01")]
    public void A_snapshot_interval_out_of_range_is_refused_naming_the_key(string interval)
    {
        var options = new SnapshotOptions { MinInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) };

        Microsoft.Extensions.Options.ValidateOptionsResult result = new SnapshotOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Snapshots:MinInterval", result.FailureMessage, StringComparison.Ordinal);
    }

    /// <summary>A frame source whose pulls wait until released, as behind a camera slower than the records.</summary>
    private sealed class StalledFrames(bool stall = true) : IJpegFrameSource
    {
        private readonly TaskCompletionSource<JpegFrame?> _frame = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Pulls { get; private set; }

        public Task<JpegFrame?> TryGetFrameAsync(JpegFrame? after, TimeSpan timeout, CancellationToken cancellationToken)
        {
            Pulls++;
            return stall ? _frame.Task : Task.FromResult<JpegFrame?>(null);
        }

        public void Release() => _frame.TrySetResult(null);
    }

    [Fact]
    public async Task Without_a_running_frame_tap_a_stream_processor_decision_has_no_snapshot()
    {
        using var writer = CreateWriter(_directory);
        using var executor = CreateExecutor(writer);
        using var tap = new FrameTap(_time); // no pipeline attached
        var handler = new FaceSearchRecordHandler(executor, _time, NullLogger<FaceSearchRecordHandler>.Instance, tap, writer);

        await handler.HandleAsync(FaceRecords.Match("alice", 97, _time.GetUtcNow()), RecognitionSources.Kinesis, "shard-1/1", CancellationToken.None);

        Decision audited = Assert.Single(_status.Events);
        Assert.Equal(DecisionKind.Granted, audited.Kind);
        Assert.Null(audited.SnapshotId);
        Assert.Null(JsonNode.Parse(StatusPayloads.Event(audited))!["snapshot_id"]);
    }

    [Fact]
    public async Task Ignored_decisions_keep_no_snapshot_and_disabled_snapshots_keep_none()
    {
        using var writer = CreateWriter(_directory);
        using var executor = CreateExecutor(writer);
        FaceObservation alice = Frame(FaceRecords.Match("alice", 97, _time.GetUtcNow()))[0];
        Assert.NotNull((await executor.HandleFrameAsync([alice], Evidence(1), CancellationToken.None))[0].SnapshotId);

        // The same face again: a duplicate, ignored.
        Decision duplicate = (await executor.HandleFrameAsync([alice], Evidence(2), CancellationToken.None))[0];
        Assert.Equal(DecisionReasons.Duplicate, duplicate.Reason);
        Assert.Null(duplicate.SnapshotId);

        using var off = new SnapshotWriter(new SnapshotOptions { Enabled = false }, _directory, _time, NullLogger<SnapshotWriter>.Instance);
        using var executorOff = CreateExecutor(off);
        Decision unknown = (await executorOff.HandleFrameAsync(Frame(FaceRecords.Unknown(_time.GetUtcNow())), Evidence(3), CancellationToken.None))[0];
        Assert.Equal(DecisionKind.UnknownFace, unknown.Kind);
        Assert.Null(unknown.SnapshotId);
    }

    [Fact]
    public async Task A_read_only_snapshot_directory_drops_snapshots_logs_once_and_never_changes_a_decision()
    {
        using var readOnly = TmpfsDirectory.TryCreate();
        Assert.True(readOnly is not null, "needs root to mount a read-only tmpfs");
        var logger = new EventIdLogger();
        using var writer = new SnapshotWriter(new SnapshotOptions(), readOnly.Path, _time, logger);
        var written = new ConcurrentQueue<SnapshotWritten>();
        var two = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        writer.Written += (_, w) =>
        {
            written.Enqueue(w);
            if (written.Count == 2)
            {
                two.SetResult();
            }
        };
        await writer.StartAsync(CancellationToken.None);
        var door = new RecordingDoor();
        using var executor = CreateExecutor(writer, door);

        Decision granted = (await executor.HandleFrameAsync(Frame(FaceRecords.Match("alice", 97, _time.GetUtcNow())), Evidence(1), CancellationToken.None))[0];
        Decision unknown = (await executor.HandleFrameAsync(Frame(FaceRecords.Unknown(_time.GetUtcNow())), Evidence(2), CancellationToken.None))[0];
        await two.Task;

        Assert.Equal((DecisionKind.Granted, DecisionReasons.Allowed), (granted.Kind, granted.Reason));
        Assert.Equal(DecisionKind.UnknownFace, unknown.Kind);
        Assert.Equal(1, door.Unlocks);
        Assert.All(written, w => Assert.False(w.Stored));
        Assert.Equal(2, writer.Dropped);
        Assert.Equal(1, logger.Count(1350));
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_blocked_writer_never_delays_or_changes_a_decision_and_drops_what_does_not_fit_its_queue()
    {
        // Never started: the writer takes nothing, the extreme of a writer stuck on a slow disk.
        using var writer = CreateWriter(_directory);
        var door = new RecordingDoor();
        using var executor = CreateExecutor(writer, door);
        var pending = new TaskCompletionSource<byte[]?>(); // a frame tap pull that never finishes
        List<Decision> decided = [];
        for (int i = 0; i < SnapshotWriter.QueueCapacity + 3; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(11)); // past alice's cooldown
            IReadOnlyList<FaceObservation> faces = Frame(i % 2 == 0 ? FaceRecords.Match("alice", 97, _time.GetUtcNow()) : FaceRecords.Unknown(_time.GetUtcNow()));
            Task<IReadOnlyList<Decision>> decision = executor.HandleFrameAsync(faces, new SnapshotEvidence(SnapshotOrigins.FrameTap, pending.Task), CancellationToken.None);
            Assert.True(decision.IsCompletedSuccessfully, "the decision waited for the snapshot writer");
            decided.Add(Assert.Single(await decision));
        }

        Assert.Equal(Enumerable.Range(0, SnapshotWriter.QueueCapacity + 3).Select(i => i % 2 == 0 ? DecisionKind.Granted : DecisionKind.UnknownFace), decided.Select(d => d.Kind));
        Assert.Equal(6, door.Unlocks);
        Assert.All(decided.Take(SnapshotWriter.QueueCapacity), d => Assert.NotNull(d.SnapshotId));
        Assert.All(decided.Skip(SnapshotWriter.QueueCapacity), d => Assert.Null(d.SnapshotId));
        Assert.Equal(3, writer.Dropped);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    internal static byte[] Jpeg(int length, byte fill)
    {
        byte[] data = new byte[length];
        Array.Fill(data, fill);
        (data[0], data[1], data[^2], data[^1]) = (0xFF, 0xD8, 0xFF, 0xD9);
        return data;
    }

    private static SnapshotEvidence Evidence(byte fill) => SnapshotEvidence.FromBytes(SnapshotOrigins.ImageApi, Jpeg(500, fill));

    private static Task<SnapshotWritten> NextWritten(SnapshotWriter writer)
    {
        var next = new TaskCompletionSource<SnapshotWritten>(TaskCreationOptions.RunContinuationsAsynchronously);
        writer.Written += (_, w) => next.TrySetResult(w);
        return next.Task;
    }

    private SnapshotWriter CreateWriter(string stateDirectory) =>
        new(new SnapshotOptions(), stateDirectory, _time, NullLogger<SnapshotWriter>.Instance);

    private DecisionExecutor CreateExecutor(SnapshotWriter writer, RecordingDoor? door = null) =>
        new(new AccessPolicy(TestPolicies.AliceAllowed()), door ?? new RecordingDoor(), _status, new GrantLedger(_directory), _time,
            NullLogger<DecisionExecutor>.Instance, snapshots: writer);

    private IReadOnlyList<FaceObservation> Frame(byte[] record) =>
        FaceSearchRecordParser.Parse(record, RecognitionSources.Kinesis, _time.GetUtcNow()).Frame!.Faces;

    private sealed class EventIdLogger : ILogger<SnapshotWriter>
    {
        private readonly ConcurrentQueue<int> _ids = new();

        public int Count(int id) => _ids.Count(i => i == id);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _ids.Enqueue(eventId.Id);
    }
}

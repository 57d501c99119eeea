using Amazon.Runtime;
using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Aws;
using KvsEdge.Common;
using KvsEdge.Recognition;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Consumer;

public sealed class KinesisFaceMatchSourceTests : IAsyncDisposable
{
    private const string Shard0 = "shardId-000000000000";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    private readonly ScriptedKinesis _kinesis = new();
    private readonly SignallingTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly RecordingDoor _door = new();
    private readonly RecordingStatus _status = new();
    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("kvsedge-consumer-").FullName;
    private readonly List<(KinesisFaceMatchSource Source, KinesisClient Client, DecisionExecutor Executor)> _started = [];

    [Fact]
    public async Task First_run_starts_at_latest_checkpoints_after_acting_and_a_restart_resumes_after_it()
    {
        _kinesis.AddShard(Shard0);
        _kinesis.Put(Shard0, FaceRecords.Match("alice", 97, _time.GetUtcNow())); // before we ever ran: never read
        var source = await StartAsync();

        JsonCall iterator = new(await _kinesis.NextCallAsync("GetShardIterator"));
        Assert.Equal("LATEST", iterator.Type);
        await _kinesis.NextCallAsync("GetRecords");

        string sequence = _kinesis.Put(Shard0, FaceRecords.Match("alice", 97, _time.GetUtcNow()));
        Task unlocked = _door.NextUnlockAsync();
        await AdvancePollAsync();
        await unlocked;
        Assert.Equal(1, _door.Unlocks);
        Decision granted = await _status.NextEventAsync();
        Assert.Equal(DecisionKind.Granted, granted.Kind);
        Assert.Equal("alice", granted.Person);

        // The checkpoint is on disk once the next poll starts (it is written before the reader waits).
        await _time.WaitForTimerAsync(d => d == Poll);
        var checkpoints = new ShardCheckpointStore(_stateDirectory, "door-events");
        Assert.Equal(sequence, checkpoints.Get(Shard0));

        await StopAsync(source);
        var restarted = await StartAsync();
        iterator = new(await _kinesis.NextCallAsync("GetShardIterator"));
        Assert.Equal("AFTER_SEQUENCE_NUMBER", iterator.Type);
        Assert.Equal(sequence, iterator.StartingSequenceNumber);
        await _kinesis.NextCallAsync("GetRecords");
        Assert.Equal(1, _door.Unlocks);
        await StopAsync(restarted);
    }

    [Fact]
    public async Task A_checkpoint_the_shard_rejects_falls_back_to_the_newest_records_only()
    {
        _kinesis.AddShard(Shard0);
        _kinesis.Put(Shard0, FaceRecords.Match("alice", 97, _time.GetUtcNow())); // older than our (foreign) checkpoint's stream
        var checkpoints = new ShardCheckpointStore(_stateDirectory, "door-events");
        checkpoints.Save(Shard0, "49590338271490256608559692538361571095921575989136588898");
        await StartAsync();

        Assert.Equal("AFTER_SEQUENCE_NUMBER", new JsonCall(await _kinesis.NextCallAsync("GetShardIterator")).Type);
        Assert.Equal("LATEST", new JsonCall(await _kinesis.NextCallAsync("GetShardIterator")).Type);
        await _kinesis.NextCallAsync("GetRecords");
        Assert.Null(checkpoints.Get(Shard0));

        string fresh = _kinesis.Put(Shard0, FaceRecords.Match("alice", 97, _time.GetUtcNow()));
        Task unlocked = _door.NextUnlockAsync();
        await AdvancePollAsync();
        await unlocked;
        Assert.Equal(1, _door.Unlocks);
        await _time.WaitForTimerAsync(d => d == Poll);
        Assert.Equal(fresh, checkpoints.Get(Shard0));
    }

    [Fact]
    public async Task Throttling_backs_off_on_the_clock_then_reads_on()
    {
        _kinesis.AddShard(Shard0);
        await StartAsync();
        await _kinesis.NextCallAsync("GetRecords");

        _kinesis.Fail("GetRecords", "ProvisionedThroughputExceededException");
        await AdvancePollAsync(); // this poll is throttled
        // Backoff starts at RetryMinDelay (500 ms) with jitter: between 250 and 500 ms.
        TimeSpan backoff = await _time.WaitForTimerAsync(d => d >= TimeSpan.FromMilliseconds(250) && d <= TimeSpan.FromMilliseconds(500));
        int callsBefore = _kinesis.Calls.Count;
        _kinesis.Put(Shard0, FaceRecords.Match("alice", 97, _time.GetUtcNow()));
        _time.Advance(backoff - TimeSpan.FromMilliseconds(1));
        Assert.Equal(callsBefore, _kinesis.Calls.Count); // still waiting

        Task unlocked = _door.NextUnlockAsync();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await unlocked;
        Assert.Equal(1, _door.Unlocks);
    }

    [Fact]
    public async Task An_expired_iterator_resumes_right_after_the_last_handled_record()
    {
        _kinesis.AddShard(Shard0);
        await StartAsync();
        await _kinesis.NextCallAsync("GetShardIterator");
        await _kinesis.NextCallAsync("GetRecords");
        string handled = _kinesis.Put(Shard0, FaceRecords.Unknown(_time.GetUtcNow()));
        await AdvancePollAsync();
        Assert.Equal(DecisionKind.UnknownFace, (await _status.NextEventAsync()).Kind);

        _kinesis.Fail("GetRecords", "ExpiredIteratorException");
        await AdvancePollAsync();
        JsonCall renewed = new(await _kinesis.NextCallAsync("GetShardIterator"));
        Assert.Equal("AFTER_SEQUENCE_NUMBER", renewed.Type);
        Assert.Equal(handled, renewed.StartingSequenceNumber);
        Assert.Equal(0, _door.Unlocks);
    }

    [Fact]
    public async Task A_closed_shard_is_read_to_its_end_then_its_child_from_the_trim_horizon()
    {
        const string child = "shardId-000000000001";
        _kinesis.AddShard(Shard0);
        await StartAsync();
        await _kinesis.NextCallAsync("GetRecords");

        // Reshard: the parent closes after one more record; the child already holds one.
        _kinesis.Put(Shard0, FaceRecords.Unknown(_time.GetUtcNow()));
        _kinesis.AddShard(child, parent: Shard0);
        _kinesis.Put(child, FaceRecords.Match("alice", 96, _time.GetUtcNow()));
        _kinesis.Close(Shard0);
        Task unlocked = _door.NextUnlockAsync();
        await AdvancePollAsync();

        Assert.Equal(DecisionKind.UnknownFace, (await _status.NextEventAsync()).Kind);
        JsonCall childIterator = new(await _kinesis.NextCallAsync("GetShardIterator"));
        Assert.Equal(child, childIterator.ShardId);
        Assert.Equal("TRIM_HORIZON", childIterator.Type);
        await unlocked;
        Assert.Equal(ShardCheckpointStore.ShardEnd, new ShardCheckpointStore(_stateDirectory, "door-events").Get(Shard0));
    }

    [Fact]
    public async Task A_malformed_record_is_audited_and_skipped_and_the_next_one_still_opens_the_door()
    {
        _kinesis.AddShard(Shard0);
        await StartAsync();
        await _kinesis.NextCallAsync("GetRecords");
        _kinesis.Put(Shard0, "{\"InputInformation\": 42"u8.ToArray());
        _kinesis.Put(Shard0, [0xff, 0xfe, 0x00]);
        string good = _kinesis.Put(Shard0, FaceRecords.Match("alice", 99, _time.GetUtcNow()));
        Task unlocked = _door.NextUnlockAsync();
        await AdvancePollAsync();

        await unlocked;
        Decision first = await _status.NextEventAsync();
        Decision second = await _status.NextEventAsync();
        Assert.All([first, second], d => Assert.Equal((DecisionKind.Ignored, DecisionReasons.Malformed), (d.Kind, d.Reason)));
        Assert.Contains(Shard0, first.Detail, StringComparison.Ordinal);
        Assert.Equal(DecisionKind.Granted, (await _status.NextEventAsync()).Kind);
        await _time.WaitForTimerAsync(d => d == Poll);
        Assert.Equal(good, new ShardCheckpointStore(_stateDirectory, "door-events").Get(Shard0));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var started in _started.ToList())
        {
            await StopAsync(started.Source);
        }

        Directory.Delete(_stateDirectory, recursive: true);
    }

    private async Task<KinesisFaceMatchSource> StartAsync()
    {
        var client = new KinesisClient(
            new AwsClientOptions { Region = "us-east-1", ServiceUrl = new Uri("http://kinesis.test"), Credentials = new BasicAWSCredentials("AKIDTEST", "secret") },
            _kinesis);
        var recognition = Options.Create(new RecognitionOptions
        {
            Kinesis = new KinesisSourceOptions { StreamName = "door-events", PollInterval = Poll, ShardDiscoveryInterval = TimeSpan.FromHours(1) },
        });
        var device = Options.Create(new DeviceOptions { Id = "test", StateDirectory = _stateDirectory });
        var policy = new AccessPolicy(TestPolicies.AliceAllowed());
        var executor = new DecisionExecutor(policy, _door, _status, new GrantLedger(_stateDirectory), _time, NullLogger<DecisionExecutor>.Instance);
        executor.RestoreLedger(TimeSpan.FromMinutes(1));
        var handler = new FaceSearchRecordHandler(executor, _time, NullLogger<FaceSearchRecordHandler>.Instance);
        var source = new KinesisFaceMatchSource(client, recognition, device, handler, new RecognitionStatusReporter(_status, _time), _time, NullLogger<KinesisFaceMatchSource>.Instance);
        _started.Add((source, client, executor));
        await source.StartAsync(CancellationToken.None);
        return source;
    }

    private async Task StopAsync(KinesisFaceMatchSource source)
    {
        int index = _started.FindIndex(s => ReferenceEquals(s.Source, source));
        var (_, client, executor) = _started[index];
        _started.RemoveAt(index);
        await source.StopAsync(CancellationToken.None);
        source.Dispose();
        client.Dispose();
        executor.Dispose();
    }

    /// <summary>Lets the reader's poll interval pass once it is waiting on it, and waits for the poll it allows.</summary>
    private async Task AdvancePollAsync()
    {
        await _time.WaitForTimerAsync(d => d == Poll);
        Task<System.Text.Json.Nodes.JsonObject> poll = _kinesis.NextCallAsync("GetRecords");
        _time.Advance(Poll);
        await poll;
    }

    private readonly record struct JsonCall(System.Text.Json.Nodes.JsonObject Body)
    {
        public string? Type => (string?)Body["ShardIteratorType"];

        public string? StartingSequenceNumber => (string?)Body[nameof(StartingSequenceNumber)];

        public string? ShardId => (string?)Body[nameof(ShardId)];
    }
}

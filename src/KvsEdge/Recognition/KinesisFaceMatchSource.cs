using System.Globalization;
using KvsEdge.Aws;
using KvsEdge.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Recognition;

/// <summary>
/// Reads the Rekognition stream processor's Kinesis data stream: one reader per open shard, parents before
/// children, each resuming after its checkpoint. A shard's checkpoint moves only after the records before it were
/// decided, acted on and audited.
/// </summary>
public sealed partial class KinesisFaceMatchSource : BackgroundService
{
    private readonly KinesisClient _client;
    private readonly KinesisSourceOptions _options;
    private readonly string _streamName;
    private readonly ShardCheckpointStore _checkpoints;
    private readonly FaceSearchRecordHandler _handler;
    private readonly RecognitionStatusReporter _reporter;
    private readonly TimeProvider _time;
    private readonly ILogger<KinesisFaceMatchSource> _logger;
    private readonly FaultPoint _faultPoint;

    public KinesisFaceMatchSource(
        KinesisClient client,
        IOptions<RecognitionOptions> options,
        IOptions<DeviceOptions> device,
        FaceSearchRecordHandler handler,
        RecognitionStatusReporter reporter,
        TimeProvider time,
        ILogger<KinesisFaceMatchSource> logger,
        FaultPoint? faultPoint = null)
    {
        _faultPoint = faultPoint ?? FaultPoint.None;
        _client = client;
        _options = options.Value.Kinesis;
        _streamName = _options.StreamName ?? throw new InvalidOperationException("Recognition:Kinesis:StreamName is required.");
        _checkpoints = new ShardCheckpointStore(device.Value.StateDirectory, _streamName);
        _handler = handler;
        _reporter = reporter;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _reporter.Report(RecognitionSources.Kinesis, "starting");
        var readers = new Dictionary<string, Task<bool>>(StringComparer.Ordinal);
        var finished = new HashSet<string>(StringComparer.Ordinal);
        var backoff = new Backoff(_options.RetryMinDelay, _options.RetryMaxDelay);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                IReadOnlyList<Shard> shards;
                try
                {
                    shards = await _client.ListAllShardsAsync(_streamName, stoppingToken).ConfigureAwait(false);
                    backoff.Reset();
                }
                catch (Exception ex) when (IsTransient(ex, stoppingToken) || ex is AwsResourceNotFoundException)
                {
                    string state = ex is AwsResourceNotFoundException ? "waiting" : "error";
                    Log.ShardListingFailed(_logger, _streamName, ex.Message);
                    _reporter.Report(RecognitionSources.Kinesis, state, ex.Message);
                    await Task.Delay(backoff.Next(), _time, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                StartReaders(shards, readers, finished, stoppingToken);
                if (readers.Count == 0)
                {
                    _reporter.Report(RecognitionSources.Kinesis, "running");
                }

                // Wake up for the next discovery round, or as soon as a reader ends (a closed shard has children).
                Task discovery = Task.Delay(_options.ShardDiscoveryInterval, _time, stoppingToken);
                await Task.WhenAny(readers.Values.Cast<Task>().Append(discovery)).ConfigureAwait(false);
                foreach (var (shardId, reader) in readers.Where(r => r.Value.IsCompleted).ToList())
                {
                    readers.Remove(shardId);
                    if (reader.IsCompletedSuccessfully && reader.Result)
                    {
                        finished.Add(shardId);
                        _reporter.ShardClosed(shardId);
                        Log.ShardFinished(_logger, shardId);
                    }
                    else if (reader.Exception is { } failure)
                    {
                        // Unexpected: the reader handles transient errors itself. Discovery restarts it from its checkpoint.
                        Log.ShardReaderFailed(_logger, shardId, failure.GetBaseException());
                        _reporter.Report(RecognitionSources.Kinesis, "error", failure.GetBaseException().Message);
                        await Task.Delay(backoff.Next(), _time, stoppingToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            await Task.WhenAll(readers.Values.Select(r => r.ContinueWith(static _ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            _reporter.Report(RecognitionSources.Kinesis, "stopped");
        }
    }

    private void StartReaders(IReadOnlyList<Shard> shards, Dictionary<string, Task<bool>> readers, HashSet<string> finished, CancellationToken stoppingToken)
    {
        var listed = shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
        foreach (Shard shard in shards)
        {
            if (readers.ContainsKey(shard.ShardId) || finished.Contains(shard.ShardId))
            {
                continue;
            }

            string? checkpoint = _checkpoints.Get(shard.ShardId);
            if (checkpoint == ShardCheckpointStore.ShardEnd)
            {
                finished.Add(shard.ShardId);
                continue;
            }

            string?[] parents = [shard.ParentShardId, shard.AdjacentParentShardId];
            // Records of a parent precede its children's: read the parents to their end first.
            if (parents.Any(p => p is not null && !finished.Contains(p)
                && (readers.ContainsKey(p) || (listed.Contains(p) && _checkpoints.Get(p) is not null))))
            {
                continue;
            }

            bool parentRead = parents.Any(p => p is not null && (finished.Contains(p) || _checkpoints.Get(p) == ShardCheckpointStore.ShardEnd));
            ShardPosition position;
            if (checkpoint is not null)
            {
                position = ShardPosition.After(checkpoint);
            }
            else if (parentRead)
            {
                position = ShardPosition.TrimHorizon; // a child of a shard we read: start at its beginning, lose nothing
            }
            else if (shard.SequenceNumberRange?.EndingSequenceNumber is not null)
            {
                finished.Add(shard.ShardId); // closed before we ever read it: only old records there
                continue;
            }
            else
            {
                position = ShardPosition.Latest; // first run: only what happens from now on may open the door
            }

            Log.ShardReaderStarting(_logger, shard.ShardId, position.Type, position.AfterSequenceNumber);
            readers[shard.ShardId] = Task.Run(() => ReadShardAsync(shard.ShardId, position, stoppingToken), stoppingToken);
        }
    }

    /// <summary>Reads one shard until it is closed (returns true) or the service stops.</summary>
    private async Task<bool> ReadShardAsync(string shardId, ShardPosition start, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(_options.RetryMinDelay, _options.RetryMaxDelay);
        string? lastSequence = start.AfterSequenceNumber;
        string? savedSequence = lastSequence;
        string? iterator = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long started = _time.GetTimestamp();
            GetRecordsResult result;
            try
            {
                iterator ??= await GetIteratorAsync(shardId, lastSequence is null ? start : ShardPosition.After(lastSequence), cancellationToken).ConfigureAwait(false);
                result = await _client.GetRecordsAsync(iterator, _options.MaxRecordsPerCall, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsInvalidArgumentException ex) when (iterator is null && lastSequence is not null)
            {
                // The checkpoint does not belong to this shard (a stream deleted and created again under the same
                // name). Only newer records may open the door, so start at the tip rather than fail for ever.
                Log.CheckpointRejected(_logger, shardId, lastSequence, ex.Message);
                _checkpoints.Delete(shardId);
                lastSequence = null;
                savedSequence = null;
                start = ShardPosition.Latest;
                continue;
            }
            catch (AwsExpiredIteratorException)
            {
                // Iterators live 5 minutes; a long stall outlived it. Resume right after the last record handled.
                Log.IteratorExpired(_logger, shardId);
                iterator = null;
                continue;
            }
            catch (Exception ex) when (IsTransient(ex, cancellationToken))
            {
                TimeSpan delay = backoff.Next();
                if (ex is AwsThrottlingException)
                {
                    Log.Throttled(_logger, shardId, delay);
                }
                else
                {
                    Log.ShardReadFailed(_logger, shardId, ex.Message, delay);
                    _reporter.Report(RecognitionSources.Kinesis, "error", ex.Message);
                }

                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            backoff.Reset();
            DateTimeOffset? lastFrame = null;
            foreach (KinesisRecord record in result.Records)
            {
                string context = string.Create(CultureInfo.InvariantCulture, $"{shardId}/{record.SequenceNumber}");
                RecordOutcome outcome = await _handler.HandleAsync(record.Data, RecognitionSources.Kinesis, context, cancellationToken).ConfigureAwait(false);
                lastSequence = record.SequenceNumber;
                lastFrame = outcome.FrameTime ?? lastFrame;
                if (outcome.Grants > 0)
                {
                    _faultPoint.Reached(FaultPoint.BeforeCheckpoint);
                    SaveCheckpoint(shardId, lastSequence); // a grant is checkpointed at once, not at the end of the batch
                    savedSequence = lastSequence;
                }
            }

            if (lastSequence is not null && lastSequence != savedSequence)
            {
                SaveCheckpoint(shardId, lastSequence);
                savedSequence = lastSequence;
            }

            _reporter.ShardProgress(RecognitionSources.Kinesis, shardId, result.MillisBehindLatest, lastFrame);
            if (result.NextShardIterator is null)
            {
                SaveCheckpoint(shardId, ShardCheckpointStore.ShardEnd);
                return true;
            }

            iterator = result.NextShardIterator;
            bool backlog = result.Records.Count > 0 && result.MillisBehindLatest > 0;
            if (!backlog)
            {
                // Keep within AWS's 5 calls/s per shard: the interval runs from the start of the previous call.
                TimeSpan wait = _options.PollInterval - _time.GetElapsedTime(started);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// A checkpoint that cannot be written (read-only or full state directory) must not stop reading: the grant ledger
    /// and the policy's age limit keep a redelivery after a restart from unlocking, and re-reading the shard from an
    /// old checkpoint again and again would only repeat the same failure.
    /// </summary>
    private void SaveCheckpoint(string shardId, string checkpoint)
    {
        try
        {
            _checkpoints.Save(shardId, checkpoint);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CheckpointSaveFailed(_logger, shardId, _checkpoints.Directory, ex.Message);
        }
    }

    private Task<string> GetIteratorAsync(string shardId, ShardPosition position, CancellationToken cancellationToken) =>
        _client.GetShardIteratorAsync(_streamName, shardId, position.Type, position.AfterSequenceNumber, cancellationToken);

    /// <summary>Worth trying again: throttling, 5xx, network trouble, an HTTP timeout (not our own shutdown). Shared by the image-API source.</summary>
    internal static bool IsTransient(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested, // an HTTP timeout, not our shutdown
        AwsThrottlingException => true,
        AwsServiceException aws => (int)aws.StatusCode >= 500,
        HttpRequestException => true,
        IOException => true,
        _ => false,
    };

    private readonly record struct ShardPosition(ShardIteratorType Type, string? AfterSequenceNumber)
    {
        public static ShardPosition Latest => new(ShardIteratorType.Latest, null);

        public static ShardPosition TrimHorizon => new(ShardIteratorType.TrimHorizon, null);

        public static ShardPosition After(string sequenceNumber) => new(ShardIteratorType.AfterSequenceNumber, sequenceNumber);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1110, EventName = "ShardListingFailed", Level = LogLevel.Warning,
            Message = "Cannot list the shards of stream {StreamName}: {Error}")]
        public static partial void ShardListingFailed(ILogger logger, string streamName, string error);

        [LoggerMessage(EventId = 1111, EventName = "ShardReaderStarting", Level = LogLevel.Information,
            Message = "Reading shard {ShardId} from {IteratorType} {SequenceNumber}")]
        public static partial void ShardReaderStarting(ILogger logger, string shardId, ShardIteratorType iteratorType, string? sequenceNumber);

        [LoggerMessage(EventId = 1112, EventName = "ShardFinished", Level = LogLevel.Information,
            Message = "Shard {ShardId} is closed and read to its end")]
        public static partial void ShardFinished(ILogger logger, string shardId);

        [LoggerMessage(EventId = 1113, EventName = "ShardReaderFailed", Level = LogLevel.Error,
            Message = "Reader of shard {ShardId} failed; it restarts from its checkpoint")]
        public static partial void ShardReaderFailed(ILogger logger, string shardId, Exception exception);

        [LoggerMessage(EventId = 1114, EventName = "IteratorExpired", Level = LogLevel.Information,
            Message = "Shard iterator of {ShardId} expired; resuming after the last handled record")]
        public static partial void IteratorExpired(ILogger logger, string shardId);

        [LoggerMessage(EventId = 1115, EventName = "Throttled", Level = LogLevel.Warning,
            Message = "GetRecords on {ShardId} was throttled; retrying in {Delay}")]
        public static partial void Throttled(ILogger logger, string shardId, TimeSpan delay);

        [LoggerMessage(EventId = 1118, EventName = "CheckpointSaveFailed", Level = LogLevel.Error,
            Message = "Cannot save the checkpoint of shard {ShardId} in {Directory}: {Error}; reading goes on, a restart resumes from the last saved one")]
        public static partial void CheckpointSaveFailed(ILogger logger, string shardId, string directory, string error);

        [LoggerMessage(EventId = 1117, EventName = "CheckpointRejected", Level = LogLevel.Warning,
            Message = "Checkpoint {SequenceNumber} of shard {ShardId} was rejected ({Error}); reading from the newest record")]
        public static partial void CheckpointRejected(ILogger logger, string shardId, string sequenceNumber, string error);

        [LoggerMessage(EventId = 1116, EventName = "ShardReadFailed", Level = LogLevel.Warning,
            Message = "GetRecords on {ShardId} failed ({Error}); retrying in {Delay}")]
        public static partial void ShardReadFailed(ILogger logger, string shardId, string error, TimeSpan delay);
    }
}

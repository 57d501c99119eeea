namespace KvsEdge.Aws;

/// <summary>The few Kinesis Data Streams operations KvsEdge uses, over the JSON 1.1 API.</summary>
public sealed class KinesisClient : IDisposable
{
    /// <summary>Between DescribeStreamSummary polls; AWS takes seconds to create a stream, so faster buys nothing.</summary>
    internal static readonly TimeSpan ActivePollInterval = TimeSpan.FromSeconds(1);

    private static readonly KinesisJsonContext Json = KinesisJsonContext.Default;

    private readonly AwsJsonServiceClient _client;

    /// <param name="options">Region, endpoint override, credentials and timeout.</param>
    /// <param name="innerHandler">
    /// Transport under the SigV4 signer (tests, proxies). Owned and disposed by this client. Must not follow redirects.
    /// </param>
    /// <exception cref="AwsConfigurationException">No region or no credentials could be found.</exception>
    public KinesisClient(AwsClientOptions options, HttpMessageHandler? innerHandler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = new AwsJsonServiceClient(options, AwsJsonService.Kinesis, innerHandler);
    }

    public Uri ServiceUrl => _client.ServiceUrl;

    public string Region => _client.Region;

    /// <summary>One page of shards. With <paramref name="nextToken"/> only the token is sent, as the API demands.</summary>
    public Task<ListShardsResult> ListShardsAsync(string streamName, string? nextToken, CancellationToken cancellationToken)
    {
        ListShardsRequest request;
        if (nextToken is null)
        {
            ArgumentException.ThrowIfNullOrEmpty(streamName);
            request = new ListShardsRequest { StreamName = streamName };
        }
        else
        {
            request = new ListShardsRequest { NextToken = nextToken };
        }

        return _client.SendAsync("ListShards", request, Json.ListShardsRequest, Json.ListShardsResult, cancellationToken);
    }

    /// <summary>Every shard of the stream, open and closed, following NextToken to the last page.</summary>
    public async Task<IReadOnlyList<Shard>> ListAllShardsAsync(string streamName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        var shards = new List<Shard>();
        string? nextToken = null;
        do
        {
            var page = await ListShardsAsync(streamName, nextToken, cancellationToken).ConfigureAwait(false);
            shards.AddRange(page.Shards);
            nextToken = string.IsNullOrEmpty(page.NextToken) ? null : page.NextToken;
        }
        while (nextToken is not null);

        return shards;
    }

    public async Task<StreamSummary> DescribeStreamSummaryAsync(string streamName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        var response = await _client.SendAsync(
            "DescribeStreamSummary",
            new StreamNameRequest(streamName),
            Json.StreamNameRequest,
            Json.DescribeStreamSummaryResponse,
            cancellationToken).ConfigureAwait(false);
        return response.StreamDescriptionSummary;
    }

    /// <param name="startingSequenceNumber">Required for AtSequenceNumber and AfterSequenceNumber, ignored otherwise.</param>
    public async Task<string> GetShardIteratorAsync(
        string streamName,
        string shardId,
        ShardIteratorType type,
        string? startingSequenceNumber,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        ArgumentException.ThrowIfNullOrEmpty(shardId);
        var needsSequence = type is ShardIteratorType.AtSequenceNumber or ShardIteratorType.AfterSequenceNumber;
        if (needsSequence)
        {
            ArgumentException.ThrowIfNullOrEmpty(startingSequenceNumber);
        }

        var request = new GetShardIteratorRequest
        {
            StreamName = streamName,
            ShardId = shardId,
            ShardIteratorType = ToWire(type),
            StartingSequenceNumber = needsSequence ? startingSequenceNumber : null,
        };
        var response = await _client.SendAsync(
            "GetShardIterator", request, Json.GetShardIteratorRequest, Json.GetShardIteratorResponse, cancellationToken)
            .ConfigureAwait(false);
        return response.ShardIterator;
    }

    /// <param name="limit">1 to 10,000 records; null lets the service decide (up to 10,000 or 10 MiB).</param>
    /// <exception cref="AwsExpiredIteratorException">The iterator is older than 5 minutes.</exception>
    /// <exception cref="AwsThrottlingException">More than 5 reads/s or 2 MiB/s on the shard.</exception>
    public Task<GetRecordsResult> GetRecordsAsync(string shardIterator, int? limit, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(shardIterator);
        if (limit is { } value)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(limit));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 10_000, nameof(limit));
        }

        return _client.SendAsync(
            "GetRecords",
            new GetRecordsRequest { ShardIterator = shardIterator, Limit = limit },
            Json.GetRecordsRequest,
            Json.GetRecordsResult,
            cancellationToken);
    }

    /// <summary>Starts creating the stream; it is usable once <see cref="WaitForActiveAsync"/> returns.</summary>
    public Task CreateStreamAsync(string streamName, int shardCount, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        return _client.SendAsync(
            "CreateStream", new CreateStreamRequest(streamName, shardCount), Json.CreateStreamRequest, cancellationToken);
    }

    public Task DeleteStreamAsync(string streamName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        return _client.SendAsync("DeleteStream", new StreamNameRequest(streamName), Json.StreamNameRequest, cancellationToken);
    }

    public Task<PutRecordResult> PutRecordAsync(
        string streamName,
        ReadOnlyMemory<byte> data,
        string partitionKey,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        ArgumentException.ThrowIfNullOrEmpty(partitionKey);
        return _client.SendAsync(
            "PutRecord",
            new PutRecordRequest { StreamName = streamName, Data = data, PartitionKey = partitionKey },
            Json.PutRecordRequest,
            Json.PutRecordResult,
            cancellationToken);
    }

    /// <summary>Polls DescribeStreamSummary until the stream is ACTIVE.</summary>
    /// <exception cref="TimeoutException">Still not ACTIVE after <paramref name="timeout"/>.</exception>
    /// <exception cref="AwsResourceNotFoundException">The stream does not exist (or was deleted meanwhile).</exception>
    public async Task<StreamSummary> WaitForActiveAsync(
        string streamName,
        TimeProvider timeProvider,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);

        var deadline = timeProvider.GetUtcNow() + timeout;
        while (true)
        {
            var summary = await DescribeStreamSummaryAsync(streamName, cancellationToken).ConfigureAwait(false);
            if (summary.IsActive)
            {
                return summary;
            }

            var remaining = deadline - timeProvider.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException(
                    $"Kinesis stream {streamName} is still {summary.StreamStatus} after {timeout.TotalSeconds:0.#} s.");
            }

            var delay = remaining < ActivePollInterval ? remaining : ActivePollInterval;
            await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static string ToWire(ShardIteratorType type) => type switch
    {
        ShardIteratorType.Latest => "LATEST",
        ShardIteratorType.TrimHorizon => "TRIM_HORIZON",
        ShardIteratorType.AtSequenceNumber => "AT_SEQUENCE_NUMBER",
        ShardIteratorType.AfterSequenceNumber => "AFTER_SEQUENCE_NUMBER",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown shard iterator type."),
    };

    public void Dispose() => _client.Dispose();
}

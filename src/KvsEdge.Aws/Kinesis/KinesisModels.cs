using System.Text.Json.Serialization;

namespace KvsEdge.Aws;

public enum ShardIteratorType
{
    /// <summary>Just after the most recent record: only records put from now on.</summary>
    Latest,

    /// <summary>The oldest record still retained.</summary>
    TrimHorizon,

    AtSequenceNumber,

    AfterSequenceNumber,
}

public sealed record SequenceNumberRange
{
    public required string StartingSequenceNumber { get; init; }

    /// <summary>Set only once the shard is closed (after a split or merge).</summary>
    public string? EndingSequenceNumber { get; init; }
}

public sealed record Shard
{
    public required string ShardId { get; init; }

    public string? ParentShardId { get; init; }

    public string? AdjacentParentShardId { get; init; }

    public required SequenceNumberRange SequenceNumberRange { get; init; }
}

public sealed record ListShardsResult
{
    // Source-generated JSON sets every init property, null when absent: the setters keep lists non-null.
    public IReadOnlyList<Shard> Shards { get => _shards; init => _shards = value ?? []; }

    private readonly IReadOnlyList<Shard> _shards = [];

    /// <summary>Null on the last page.</summary>
    public string? NextToken { get; init; }
}

public sealed record StreamSummary
{
    public required string StreamName { get; init; }

    [JsonPropertyName("StreamARN")]
    public required string StreamArn { get; init; }

    /// <summary>CREATING, DELETING, ACTIVE or UPDATING (a string so a new status never breaks parsing).</summary>
    public required string StreamStatus { get; init; }

    public int OpenShardCount { get; init; }

    [JsonIgnore]
    public bool IsActive => string.Equals(StreamStatus, "ACTIVE", StringComparison.Ordinal);
}

public sealed record KinesisRecord
{
    /// <summary>Up to 128 digits: compare as strings of equal length or as BigInteger, never as long.</summary>
    public required string SequenceNumber { get; init; }

    public required string PartitionKey { get; init; }

    /// <summary>The record payload (base64 on the wire, decoded here).</summary>
    public required byte[] Data { get; init; }

    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset? ApproximateArrivalTimestamp { get; init; }
}

public sealed record ChildShard
{
    public required string ShardId { get; init; }

    public IReadOnlyList<string> ParentShards { get => _parentShards; init => _parentShards = value ?? []; }

    private readonly IReadOnlyList<string> _parentShards = [];
}

public sealed record GetRecordsResult
{
    public IReadOnlyList<KinesisRecord> Records { get => _records; init => _records = value ?? []; }

    private readonly IReadOnlyList<KinesisRecord> _records = [];

    /// <summary>Null once a closed shard has been read to its end; then <see cref="ChildShards"/> name its children.</summary>
    public string? NextShardIterator { get; init; }

    /// <summary>How far this read is behind the tip of the stream; 0 means caught up.</summary>
    public long? MillisBehindLatest { get; init; }

    public IReadOnlyList<ChildShard> ChildShards { get => _childShards; init => _childShards = value ?? []; }

    private readonly IReadOnlyList<ChildShard> _childShards = [];
}

public sealed record PutRecordResult
{
    public required string ShardId { get; init; }

    public required string SequenceNumber { get; init; }
}

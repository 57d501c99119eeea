using System.Text.Json.Serialization;

namespace KvsEdge.Aws;

// Request and envelope shapes exactly as the Kinesis_20131202 JSON 1.1 API names them.

internal sealed record ListShardsRequest
{
    public string? StreamName { get; init; }

    public string? NextToken { get; init; }

    public int? MaxResults { get; init; }
}

internal sealed record StreamNameRequest(string StreamName);

internal sealed record DescribeStreamSummaryResponse(StreamSummary StreamDescriptionSummary);

internal sealed record GetShardIteratorRequest
{
    public required string StreamName { get; init; }

    public required string ShardId { get; init; }

    public required string ShardIteratorType { get; init; }

    public string? StartingSequenceNumber { get; init; }
}

internal sealed record GetShardIteratorResponse(string ShardIterator);

internal sealed record GetRecordsRequest
{
    public required string ShardIterator { get; init; }

    public int? Limit { get; init; }
}

internal sealed record CreateStreamRequest(string StreamName, int ShardCount);

internal sealed record PutRecordRequest
{
    public required string StreamName { get; init; }

    /// <summary>Serialized as base64, as the API requires.</summary>
    public required ReadOnlyMemory<byte> Data { get; init; }

    public required string PartitionKey { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ListShardsRequest))]
[JsonSerializable(typeof(ListShardsResult))]
[JsonSerializable(typeof(StreamNameRequest))]
[JsonSerializable(typeof(DescribeStreamSummaryResponse))]
[JsonSerializable(typeof(GetShardIteratorRequest))]
[JsonSerializable(typeof(GetShardIteratorResponse))]
[JsonSerializable(typeof(GetRecordsRequest))]
[JsonSerializable(typeof(GetRecordsResult))]
[JsonSerializable(typeof(CreateStreamRequest))]
[JsonSerializable(typeof(PutRecordRequest))]
[JsonSerializable(typeof(PutRecordResult))]
internal sealed partial class KinesisJsonContext : JsonSerializerContext;

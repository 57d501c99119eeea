using System.Text;
using KvsEdge.Aws;
using KvsEdge.IntegrationTests.Infrastructure;

namespace KvsEdge.IntegrationTests.Aws;

[Collection("kinesalite")]
[Trait("Category", "Integration")]
public sealed class KinesisClientKinesaliteTests(KinesaliteFixture kinesalite)
{
    private static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public async Task Created_stream_is_active_with_the_requested_shards()
    {
        var stream = await kinesalite.CreateStreamAsync(shards: 3);
        using var client = kinesalite.CreateClient();

        var summary = await client.DescribeStreamSummaryAsync(stream, Ct);
        var page = await client.ListShardsAsync(stream, null, Ct);
        var all = await client.ListAllShardsAsync(stream, Ct);

        Assert.Equal(stream, summary.StreamName);
        Assert.True(summary.IsActive);
        Assert.Equal(3, summary.OpenShardCount);
        Assert.EndsWith(":stream/" + stream, summary.StreamArn, StringComparison.Ordinal);
        Assert.Null(page.NextToken);
        Assert.Equal(["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"], all.Select(s => s.ShardId));
        Assert.All(all, s =>
        {
            Assert.Null(s.ParentShardId);
            Assert.False(string.IsNullOrEmpty(s.SequenceNumberRange.StartingSequenceNumber));
            Assert.Null(s.SequenceNumberRange.EndingSequenceNumber);
        });
    }

    [Fact]
    public async Task Records_put_are_read_back_from_trim_horizon_and_after_a_sequence_number()
    {
        var stream = await kinesalite.CreateStreamAsync();
        using var client = kinesalite.CreateClient();
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        byte[][] payloads = [Encoding.UTF8.GetBytes("""{"n":1}"""), [0x00, 0xFF, 0x80], Encoding.UTF8.GetBytes("third")];
        var puts = new List<PutRecordResult>();
        foreach (var payload in payloads)
        {
            puts.Add(await client.PutRecordAsync(stream, payload, "door-" + puts.Count, Ct));
        }

        Assert.All(puts, p => Assert.Equal("shardId-000000000000", p.ShardId));

        var fromStart = await ReadOnceAsync(client, stream, ShardIteratorType.TrimHorizon, null);
        Assert.Equal(puts.Select(p => p.SequenceNumber), fromStart.Records.Select(r => r.SequenceNumber));
        Assert.Equal(payloads, fromStart.Records.Select(r => r.Data));
        Assert.Equal(["door-0", "door-1", "door-2"], fromStart.Records.Select(r => r.PartitionKey));
        Assert.All(fromStart.Records, r => Assert.InRange(r.ApproximateArrivalTimestamp!.Value, before, DateTimeOffset.UtcNow.AddSeconds(5)));
        Assert.Equal(0L, fromStart.MillisBehindLatest);
        Assert.NotNull(fromStart.NextShardIterator);

        var afterFirst = await ReadOnceAsync(client, stream, ShardIteratorType.AfterSequenceNumber, puts[0].SequenceNumber);
        Assert.Equal(puts.Skip(1).Select(p => p.SequenceNumber), afterFirst.Records.Select(r => r.SequenceNumber));

        var atSecond = await ReadOnceAsync(client, stream, ShardIteratorType.AtSequenceNumber, puts[1].SequenceNumber);
        Assert.Equal(puts.Skip(1).Select(p => p.SequenceNumber), atSecond.Records.Select(r => r.SequenceNumber));
    }

    [Fact]
    public async Task Latest_sees_only_records_put_after_the_iterator()
    {
        var stream = await kinesalite.CreateStreamAsync();
        using var client = kinesalite.CreateClient();
        await client.PutRecordAsync(stream, "old"u8.ToArray(), "pk", Ct);

        var iterator = await client.GetShardIteratorAsync(stream, "shardId-000000000000", ShardIteratorType.Latest, null, Ct);
        var empty = await client.GetRecordsAsync(iterator, null, Ct);
        var put = await client.PutRecordAsync(stream, "new"u8.ToArray(), "pk", Ct);
        var next = await client.GetRecordsAsync(empty.NextShardIterator!, null, Ct);

        Assert.Empty(empty.Records);
        Assert.Equal(0L, empty.MillisBehindLatest);
        var record = Assert.Single(next.Records);
        Assert.Equal(put.SequenceNumber, record.SequenceNumber);
        Assert.Equal("new"u8.ToArray(), record.Data);
        Assert.Equal(0L, next.MillisBehindLatest);
    }

    [Fact]
    public async Task GetRecords_pages_by_limit_following_the_next_iterator()
    {
        var stream = await kinesalite.CreateStreamAsync();
        using var client = kinesalite.CreateClient();
        var sequenceNumbers = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sequenceNumbers.Add((await client.PutRecordAsync(stream, new[] { (byte)i }, "pk", Ct)).SequenceNumber);
        }

        var iterator = await client.GetShardIteratorAsync(stream, "shardId-000000000000", ShardIteratorType.TrimHorizon, null, Ct);
        var pageSizes = new List<int>();
        var read = new List<string>();
        GetRecordsResult page;
        do
        {
            page = await client.GetRecordsAsync(iterator, 2, Ct);
            pageSizes.Add(page.Records.Count);
            read.AddRange(page.Records.Select(r => r.SequenceNumber));
            iterator = page.NextShardIterator!;
        }
        while (page.Records.Count > 0);

        Assert.Equal([2, 2, 1, 0], pageSizes);
        Assert.Equal(sequenceNumbers, read);
        Assert.NotNull(page.NextShardIterator); // an open shard never ends
    }

    [Fact]
    public async Task Unknown_stream_is_resource_not_found()
    {
        using var client = kinesalite.CreateClient();
        var missing = "kvsedge-missing-" + Guid.NewGuid().ToString("N");

        var describe = await Assert.ThrowsAsync<AwsResourceNotFoundException>(() => client.DescribeStreamSummaryAsync(missing, Ct));
        await Assert.ThrowsAsync<AwsResourceNotFoundException>(() => client.ListShardsAsync(missing, null, Ct));
        await Assert.ThrowsAsync<AwsResourceNotFoundException>(() =>
            client.GetShardIteratorAsync(missing, "shardId-000000000000", ShardIteratorType.Latest, null, Ct));
        await Assert.ThrowsAsync<AwsResourceNotFoundException>(() => client.PutRecordAsync(missing, new byte[] { 1 }, "pk", Ct));

        Assert.Equal("ResourceNotFoundException", describe.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, describe.StatusCode);
        Assert.False(string.IsNullOrEmpty(describe.RequestId));
        Assert.Contains(missing, describe.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Garbage_iterator_is_an_invalid_argument()
    {
        using var client = kinesalite.CreateClient();

        // kinesalite (like Kinesis) answers InvalidArgumentException "Invalid ShardIterator." for an undecodable iterator.
        var ex = await Assert.ThrowsAsync<AwsInvalidArgumentException>(() => client.GetRecordsAsync("not-a-shard-iterator", null, Ct));

        Assert.Equal("InvalidArgumentException", ex.ErrorCode);
    }

    [Fact]
    public async Task Creating_an_existing_stream_is_resource_in_use()
    {
        var stream = await kinesalite.CreateStreamAsync();
        using var client = kinesalite.CreateClient();

        var ex = await Assert.ThrowsAsync<AwsResourceInUseException>(() => client.CreateStreamAsync(stream, 1, Ct));

        Assert.Equal("ResourceInUseException", ex.ErrorCode);
    }

    [Fact]
    public async Task Deleted_stream_is_deleting_or_gone()
    {
        var stream = await kinesalite.CreateStreamAsync();
        using var client = kinesalite.CreateClient();

        await client.DeleteStreamAsync(stream, Ct);

        try
        {
            var summary = await client.DescribeStreamSummaryAsync(stream, Ct);
            Assert.Equal("DELETING", summary.StreamStatus);
        }
        catch (AwsResourceNotFoundException)
        {
            // Already gone: kinesalite was started with deleteStreamMs 0.
        }
    }

    private static async Task<GetRecordsResult> ReadOnceAsync(
        KinesisClient client, string stream, ShardIteratorType type, string? sequenceNumber)
    {
        var iterator = await client.GetShardIteratorAsync(stream, "shardId-000000000000", type, sequenceNumber, Ct);
        return await client.GetRecordsAsync(iterator, null, Ct);
    }
}

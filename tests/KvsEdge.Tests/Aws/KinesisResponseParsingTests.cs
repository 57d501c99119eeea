using System.Text;
using KvsEdge.Aws;

namespace KvsEdge.Tests.Aws;

public sealed class KinesisResponseParsingTests
{
    [Fact]
    public async Task GetRecords_decodes_base64_data_and_epoch_second_timestamps()
    {
        var payload = """{"FaceSearchResponse":[]}"""u8.ToArray();
        var handler = new RecordingHandler().RespondJson($$"""
            {
              "Records": [
                {"SequenceNumber":"49680542127078868919947155284860865636060128760140136450","PartitionKey":"pk-1",
                 "Data":"{{Convert.ToBase64String(payload)}}","ApproximateArrivalTimestamp":1795581309.147},
                {"SequenceNumber":"49680542127078868919947155284860865636060128760140136451","PartitionKey":"pk-2",
                 "Data":"AAH/","ApproximateArrivalTimestamp":1700000000}
              ],
              "NextShardIterator":"next-it",
              "MillisBehindLatest":1234
            }
            """);
        using var client = AwsTestClients.Kinesis(handler);

        var result = await client.GetRecordsAsync("it", null, CancellationToken.None);

        Assert.Equal(2, result.Records.Count);
        var first = result.Records[0];
        Assert.Equal("49680542127078868919947155284860865636060128760140136450", first.SequenceNumber);
        Assert.Equal("pk-1", first.PartitionKey);
        Assert.Equal(payload, first.Data);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_795_581_309_147), first.ApproximateArrivalTimestamp);
        Assert.Equal(TimeSpan.Zero, first.ApproximateArrivalTimestamp!.Value.Offset);
        Assert.Equal(new byte[] { 0x00, 0x01, 0xFF }, result.Records[1].Data);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), result.Records[1].ApproximateArrivalTimestamp);
        Assert.Equal("next-it", result.NextShardIterator);
        Assert.Equal(1234L, result.MillisBehindLatest);
        Assert.Empty(result.ChildShards);
    }

    [Fact]
    public async Task A_closed_shard_has_no_next_iterator_and_names_its_children()
    {
        var handler = new RecordingHandler().RespondJson("""
            {"Records":[],"MillisBehindLatest":0,
             "ChildShards":[
               {"ShardId":"shardId-000000000002","ParentShards":["shardId-000000000000"],"HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"1"}},
               {"ShardId":"shardId-000000000003","ParentShards":["shardId-000000000000","shardId-000000000001"]}
             ]}
            """);
        using var client = AwsTestClients.Kinesis(handler);

        var result = await client.GetRecordsAsync("it", null, CancellationToken.None);

        Assert.Null(result.NextShardIterator);
        Assert.Empty(result.Records);
        Assert.Equal(["shardId-000000000002", "shardId-000000000003"], result.ChildShards.Select(c => c.ShardId));
        Assert.Equal(["shardId-000000000000", "shardId-000000000001"], result.ChildShards[1].ParentShards);
    }

    [Fact]
    public async Task A_record_without_timestamp_or_lag_parses_to_nulls()
    {
        var handler = new RecordingHandler().RespondJson("""{"Records":[{"SequenceNumber":"1","PartitionKey":"p","Data":""}],"NextShardIterator":"n"}""");
        using var client = AwsTestClients.Kinesis(handler);

        var result = await client.GetRecordsAsync("it", null, CancellationToken.None);

        var record = Assert.Single(result.Records);
        Assert.Empty(record.Data);
        Assert.Null(record.ApproximateArrivalTimestamp);
        Assert.Null(result.MillisBehindLatest);
    }

    [Fact]
    public async Task DescribeStreamSummary_returns_the_summary()
    {
        var handler = new RecordingHandler().RespondJson("""
            {"StreamDescriptionSummary":{"RetentionPeriodHours":24,"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s1",
             "StreamName":"s1","StreamStatus":"CREATING","StreamCreationTimestamp":1795581307,"OpenShardCount":2,"ConsumerCount":0}}
            """);
        using var client = AwsTestClients.Kinesis(handler);

        var summary = await client.DescribeStreamSummaryAsync("s1", CancellationToken.None);

        Assert.Equal("s1", summary.StreamName);
        Assert.Equal("arn:aws:kinesis:us-east-1:000000000000:stream/s1", summary.StreamArn);
        Assert.Equal("CREATING", summary.StreamStatus);
        Assert.False(summary.IsActive);
        Assert.Equal(2, summary.OpenShardCount);
    }

    [Fact]
    public async Task A_success_response_that_is_not_json_is_a_service_error()
    {
        var handler = new RecordingHandler().Respond(() => new HttpResponseMessage(System.Net.HttpStatusCode.OK)
        {
            Content = new StringContent("<html/>", Encoding.UTF8, "text/html"),
        });
        using var client = AwsTestClients.Kinesis(handler);

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => client.ListShardsAsync("s", null, CancellationToken.None));

        Assert.Contains("ListShards", ex.Message, StringComparison.Ordinal);
    }
}

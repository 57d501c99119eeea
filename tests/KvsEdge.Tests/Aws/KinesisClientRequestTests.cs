using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using KvsEdge.Aws;

namespace KvsEdge.Tests.Aws;

public sealed partial class KinesisClientRequestTests
{
    [GeneratedRegex(
        @"^AWS4-HMAC-SHA256 Credential=(?<akid>[A-Z0-9]+)/(?<date>\d{8})/(?<region>[a-z0-9-]+)/kinesis/aws4_request, SignedHeaders=(?<signed>[a-z0-9;-]+), Signature=[0-9a-f]{64}$")]
    private static partial Regex AuthorizationPattern();

    [Fact]
    public async Task Requests_are_signed_json_posts_to_the_root_with_the_kinesis_target()
    {
        var handler = new RecordingHandler().RespondJson("""{"StreamDescriptionSummary":{"StreamName":"s","StreamARN":"arn:s","StreamStatus":"ACTIVE","OpenShardCount":1}}""");
        using var client = AwsTestClients.Kinesis(handler, region: "eu-west-1");

        await client.DescribeStreamSummaryAsync("s", CancellationToken.None);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/", request.Uri.AbsolutePath);
        Assert.Equal("kinesis.test.local", request.Uri.Host);
        Assert.Equal("Kinesis_20131202.DescribeStreamSummary", request.Headers["X-Amz-Target"]);
        Assert.Equal("application/x-amz-json-1.1", request.ContentType);

        var amzDate = request.Headers["X-Amz-Date"];
        Assert.True(DateTime.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.None, out _), amzDate);

        var match = AuthorizationPattern().Match(request.Headers["Authorization"]);
        Assert.True(match.Success, request.Headers["Authorization"]);
        Assert.Equal(AwsTestClients.AccessKeyId, match.Groups["akid"].Value);
        Assert.Equal(amzDate[..8], match.Groups["date"].Value);
        Assert.Equal("eu-west-1", match.Groups["region"].Value);
        var signed = match.Groups["signed"].Value.Split(';');
        Assert.Contains("host", signed);
        Assert.Contains("x-amz-date", signed);
        Assert.Contains("x-amz-target", signed);
        Assert.DoesNotContain("x-amz-security-token", signed);
        Assert.False(request.Headers.ContainsKey("X-Amz-Security-Token"));
        Assert.DoesNotContain(AwsTestClients.SecretKey, request.Headers["Authorization"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_credentials_add_a_signed_security_token()
    {
        var handler = new RecordingHandler();
        using var client = AwsTestClients.Kinesis(
            handler,
            credentials: new SessionAWSCredentials(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey, AwsTestClients.SessionToken));

        await client.DeleteStreamAsync("s", CancellationToken.None);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(AwsTestClients.SessionToken, request.Headers["X-Amz-Security-Token"]);
        var match = AuthorizationPattern().Match(request.Headers["Authorization"]);
        Assert.True(match.Success, request.Headers["Authorization"]);
        Assert.Contains("x-amz-security-token", match.Groups["signed"].Value.Split(';'));
    }

    [Fact]
    public async Task ListShards_sends_the_stream_name_first_and_only_the_token_afterwards()
    {
        var handler = new RecordingHandler()
            .RespondJson("""{"Shards":[{"ShardId":"shardId-000000000000","SequenceNumberRange":{"StartingSequenceNumber":"1"}}],"NextToken":"page-2"}""")
            .RespondJson("""{"Shards":[{"ShardId":"shardId-000000000001","ParentShardId":"shardId-000000000000","AdjacentParentShardId":"shardId-000000000002","SequenceNumberRange":{"StartingSequenceNumber":"5","EndingSequenceNumber":"9"}}]}""");
        using var client = AwsTestClients.Kinesis(handler);

        var shards = await client.ListAllShardsAsync("door-events", CancellationToken.None);

        Assert.Equal(["shardId-000000000000", "shardId-000000000001"], shards.Select(s => s.ShardId));
        Assert.Null(shards[0].SequenceNumberRange.EndingSequenceNumber);
        Assert.Equal("shardId-000000000000", shards[1].ParentShardId);
        Assert.Equal("shardId-000000000002", shards[1].AdjacentParentShardId);
        Assert.Equal("9", shards[1].SequenceNumberRange.EndingSequenceNumber);

        Assert.Equal(2, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal("Kinesis_20131202.ListShards", r.Headers["X-Amz-Target"]));
        AssertJsonProperties(handler.Requests[0].Json, ("StreamName", "door-events"));
        AssertJsonProperties(handler.Requests[1].Json, ("NextToken", "page-2"));
    }

    [Theory]
    [InlineData(ShardIteratorType.Latest, "LATEST")]
    [InlineData(ShardIteratorType.TrimHorizon, "TRIM_HORIZON")]
    public async Task GetShardIterator_without_a_sequence_number(ShardIteratorType type, string wire)
    {
        var handler = new RecordingHandler().RespondJson("""{"ShardIterator":"it-1"}""");
        using var client = AwsTestClients.Kinesis(handler);

        var iterator = await client.GetShardIteratorAsync("s", "shardId-000000000000", type, "ignored", CancellationToken.None);

        Assert.Equal("it-1", iterator);
        AssertJsonProperties(
            Assert.Single(handler.Requests).Json,
            ("StreamName", "s"), ("ShardId", "shardId-000000000000"), ("ShardIteratorType", wire));
    }

    [Theory]
    [InlineData(ShardIteratorType.AtSequenceNumber, "AT_SEQUENCE_NUMBER")]
    [InlineData(ShardIteratorType.AfterSequenceNumber, "AFTER_SEQUENCE_NUMBER")]
    public async Task GetShardIterator_with_a_sequence_number(ShardIteratorType type, string wire)
    {
        var handler = new RecordingHandler().RespondJson("""{"ShardIterator":"it-2"}""");
        using var client = AwsTestClients.Kinesis(handler);

        await client.GetShardIteratorAsync("s", "shardId-000000000001", type, "4968054212707886891994715528486086563606012876014013645", CancellationToken.None);

        AssertJsonProperties(
            Assert.Single(handler.Requests).Json,
            ("StreamName", "s"), ("ShardId", "shardId-000000000001"), ("ShardIteratorType", wire),
            ("StartingSequenceNumber", "4968054212707886891994715528486086563606012876014013645"));
    }

    [Fact]
    public async Task GetShardIterator_after_a_sequence_number_requires_one()
    {
        using var client = AwsTestClients.Kinesis(new RecordingHandler());

        await Assert.ThrowsAsync<ArgumentNullException>(() =>
            client.GetShardIteratorAsync("s", "shardId-000000000000", ShardIteratorType.AfterSequenceNumber, null, CancellationToken.None));
    }

    [Fact]
    public async Task GetRecords_sends_the_iterator_and_a_numeric_limit()
    {
        var handler = new RecordingHandler().RespondJson("""{"Records":[],"NextShardIterator":"it-2","MillisBehindLatest":0}""");
        using var client = AwsTestClients.Kinesis(handler);

        await client.GetRecordsAsync("it-1", 25, CancellationToken.None);

        var json = Assert.Single(handler.Requests).Json;
        AssertJsonProperties(json, ("ShardIterator", "it-1"), ("Limit", 25));
    }

    [Fact]
    public async Task GetRecords_omits_the_limit_when_none_is_given()
    {
        var handler = new RecordingHandler().RespondJson("""{"Records":[],"NextShardIterator":"it-2"}""");
        using var client = AwsTestClients.Kinesis(handler);

        await client.GetRecordsAsync("it-1", null, CancellationToken.None);

        AssertJsonProperties(Assert.Single(handler.Requests).Json, ("ShardIterator", "it-1"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public async Task GetRecords_rejects_a_limit_the_service_would_refuse(int limit)
    {
        var handler = new RecordingHandler();
        using var client = AwsTestClients.Kinesis(handler);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetRecordsAsync("it", limit, CancellationToken.None));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task CreateStream_sends_name_and_numeric_shard_count_and_accepts_an_empty_body()
    {
        var handler = new RecordingHandler().Respond(() => new HttpResponseMessage(System.Net.HttpStatusCode.OK));
        using var client = AwsTestClients.Kinesis(handler);

        await client.CreateStreamAsync("s", 3, CancellationToken.None);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("Kinesis_20131202.CreateStream", request.Headers["X-Amz-Target"]);
        AssertJsonProperties(request.Json, ("StreamName", "s"), ("ShardCount", 3));
    }

    [Fact]
    public async Task DeleteStream_sends_the_name()
    {
        var handler = new RecordingHandler();
        using var client = AwsTestClients.Kinesis(handler);

        await client.DeleteStreamAsync("s", CancellationToken.None);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("Kinesis_20131202.DeleteStream", request.Headers["X-Amz-Target"]);
        AssertJsonProperties(request.Json, ("StreamName", "s"));
    }

    [Fact]
    public async Task PutRecord_sends_data_as_base64_and_returns_shard_and_sequence()
    {
        var handler = new RecordingHandler().RespondJson("""{"ShardId":"shardId-000000000000","SequenceNumber":"42","EncryptionType":"NONE"}""");
        using var client = AwsTestClients.Kinesis(handler);
        byte[] data = [0x00, 0xFF, 0x10, 0x80, (byte)'h', (byte)'i'];

        var result = await client.PutRecordAsync("s", data, "door-1", CancellationToken.None);

        Assert.Equal("shardId-000000000000", result.ShardId);
        Assert.Equal("42", result.SequenceNumber);
        var request = Assert.Single(handler.Requests);
        Assert.Equal("Kinesis_20131202.PutRecord", request.Headers["X-Amz-Target"]);
        AssertJsonProperties(request.Json, ("StreamName", "s"), ("Data", Convert.ToBase64String(data)), ("PartitionKey", "door-1"));
    }

    [Fact]
    public void Default_endpoint_is_the_regional_kinesis_endpoint()
    {
        using var client = new KinesisClient(
            new AwsClientOptions { Region = "eu-central-1", Credentials = new BasicAWSCredentials("AKID", "secret") },
            new RecordingHandler());

        Assert.Equal(new Uri("https://kinesis.eu-central-1.amazonaws.com/"), client.ServiceUrl);
        Assert.Equal("eu-central-1", client.Region);
    }

    /// <summary>Exactly these properties, with these JSON types (string vs number) and values.</summary>
    private static void AssertJsonProperties(JsonElement json, params (string Name, object Value)[] expected)
    {
        Assert.Equal(expected.Select(e => e.Name).Order(), json.EnumerateObject().Select(p => p.Name).Order());
        foreach (var (name, value) in expected)
        {
            var actual = json.GetProperty(name);
            switch (value)
            {
                case string s:
                    Assert.Equal(JsonValueKind.String, actual.ValueKind);
                    Assert.Equal(s, actual.GetString());
                    break;
                case int i:
                    Assert.Equal(JsonValueKind.Number, actual.ValueKind);
                    Assert.Equal(i, actual.GetInt32());
                    break;
                default:
                    throw new InvalidOperationException($"Unsupported expected type for {name}.");
            }
        }
    }
}

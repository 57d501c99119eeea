using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace KvsEdge.Tests.Consumer;

/// <summary>
/// An in-memory Kinesis data stream answering the JSON 1.1 wire protocol behind the real KinesisClient (and its
/// signing handler), with faults a test can queue: throttling and expired iterators that kinesalite never returns.
/// </summary>
public sealed class ScriptedKinesis : HttpMessageHandler
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ShardState> _shards = new(StringComparer.Ordinal);
    private readonly Queue<(string Operation, string ErrorType)> _faults = new();
    private readonly Channel<JsonObject> _calls = Channel.CreateUnbounded<JsonObject>();
    private long _sequence = 1000;

    public List<JsonObject> Calls { get; } = [];

    public void AddShard(string shardId, string? parent = null)
    {
        lock (_gate)
        {
            _shards[shardId] = new ShardState(shardId, parent);
        }
    }

    /// <summary>Appends a record and returns its sequence number.</summary>
    public string Put(string shardId, byte[] data)
    {
        lock (_gate)
        {
            string sequence = (++_sequence).ToString("D20", CultureInfo.InvariantCulture);
            _shards[shardId].Records.Add((sequence, data));
            return sequence;
        }
    }

    /// <summary>Closes a shard: once its records are read, GetRecords returns no NextShardIterator.</summary>
    public void Close(string shardId)
    {
        lock (_gate)
        {
            _shards[shardId].Closed = true;
        }
    }

    /// <summary>The next call of <paramref name="operation"/> fails with this AWS error type.</summary>
    public void Fail(string operation, string errorType)
    {
        lock (_gate)
        {
            _faults.Enqueue((operation, errorType));
        }
    }

    /// <summary>Waits for the next call of <paramref name="operation"/> (already answered when it returns).</summary>
    public async Task<JsonObject> NextCallAsync(string operation, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            JsonObject call = await _calls.Reader.ReadAsync(cts.Token);
            if ((string?)call["__op"] == operation)
            {
                return call;
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string target = request.Headers.GetValues("X-Amz-Target").Single();
        string operation = target["Kinesis_20131202.".Length..];
        var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!.AsObject();
        HttpResponseMessage response = Answer(operation, body);
        body["__op"] = operation;
        lock (_gate)
        {
            Calls.Add(body);
        }

        _calls.Writer.TryWrite(body);
        return response;
    }

    private HttpResponseMessage Answer(string operation, JsonObject body)
    {
        lock (_gate)
        {
            if (_faults.Count > 0 && _faults.Peek().Operation == operation)
            {
                string type = _faults.Dequeue().ErrorType;
                return Json(HttpStatusCode.BadRequest, new JsonObject { ["__type"] = type, ["message"] = "scripted fault" });
            }

            return operation switch
            {
                "ListShards" => ListShards(),
                "GetShardIterator" => GetShardIterator(body),
                "GetRecords" => GetRecords(body),
                _ => Json(HttpStatusCode.BadRequest, new JsonObject { ["__type"] = "UnknownOperationException" }),
            };
        }
    }

    private HttpResponseMessage ListShards()
    {
        var shards = new JsonArray();
        foreach (ShardState shard in _shards.Values)
        {
            var range = new JsonObject { ["StartingSequenceNumber"] = "0" };
            if (shard.Closed)
            {
                range["EndingSequenceNumber"] = "99999999999999999999";
            }

            var item = new JsonObject
            {
                ["ShardId"] = shard.Id,
                ["HashKeyRange"] = new JsonObject { ["StartingHashKey"] = "0", ["EndingHashKey"] = "1" },
                ["SequenceNumberRange"] = range,
            };
            if (shard.Parent is not null)
            {
                item["ParentShardId"] = shard.Parent;
            }

            shards.Add(item);
        }

        return Json(HttpStatusCode.OK, new JsonObject { ["Shards"] = shards });
    }

    private HttpResponseMessage GetShardIterator(JsonObject body)
    {
        ShardState shard = _shards[(string)body["ShardId"]!];
        int position = (string)body["ShardIteratorType"]! switch
        {
            "LATEST" => shard.Records.Count,
            "TRIM_HORIZON" => 0,
            "AFTER_SEQUENCE_NUMBER" => shard.Records.FindIndex(r => r.Sequence == (string)body["StartingSequenceNumber"]!) + 1,
            var other => throw new InvalidOperationException($"Unexpected iterator type {other}"),
        };
        if (position == 0 && (string)body["ShardIteratorType"]! == "AFTER_SEQUENCE_NUMBER")
        {
            // As Kinesis answers a sequence number that is not in the shard.
            return Json(HttpStatusCode.BadRequest, new JsonObject { ["__type"] = "InvalidArgumentException", ["message"] = "Invalid StartingSequenceNumber." });
        }
        return Json(HttpStatusCode.OK, new JsonObject { ["ShardIterator"] = Iterator(shard.Id, position) });
    }

    private HttpResponseMessage GetRecords(JsonObject body)
    {
        string[] parts = ((string)body["ShardIterator"]!).Split(':');
        ShardState shard = _shards[parts[0]];
        int position = int.Parse(parts[1], CultureInfo.InvariantCulture);
        int limit = (int?)body["Limit"] ?? 10000;
        var records = new JsonArray();
        int next = position;
        for (; next < shard.Records.Count && records.Count < limit; next++)
        {
            records.Add(new JsonObject
            {
                ["SequenceNumber"] = shard.Records[next].Sequence,
                ["PartitionKey"] = "door",
                ["Data"] = Convert.ToBase64String(shard.Records[next].Data),
                ["ApproximateArrivalTimestamp"] = 1764064800.123,
            });
        }

        var result = new JsonObject
        {
            ["Records"] = records,
            ["MillisBehindLatest"] = next < shard.Records.Count ? 5000 : 0,
        };
        if (!(shard.Closed && next >= shard.Records.Count))
        {
            result["NextShardIterator"] = Iterator(shard.Id, next);
        }
        else
        {
            result["ChildShards"] = new JsonArray(_shards.Values.Where(s => s.Parent == shard.Id)
                .Select(s => (JsonNode)new JsonObject { ["ShardId"] = s.Id, ["ParentShards"] = new JsonArray(shard.Id) }).ToArray());
        }

        return Json(HttpStatusCode.OK, result);
    }

    private static string Iterator(string shardId, int position) => $"{shardId}:{position.ToString(CultureInfo.InvariantCulture)}";

    private static HttpResponseMessage Json(HttpStatusCode status, JsonObject body) => new(status)
    {
        Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/x-amz-json-1.1"),
    };

    private sealed class ShardState(string id, string? parent)
    {
        public string Id { get; } = id;

        public string? Parent { get; } = parent;

        public List<(string Sequence, byte[] Data)> Records { get; } = [];

        public bool Closed { get; set; }
    }
}

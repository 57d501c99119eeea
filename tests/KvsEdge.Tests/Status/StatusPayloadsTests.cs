using System.Text.Json;
using KvsEdge.Access;
using KvsEdge.Door;
using KvsEdge.Recognition;
using KvsEdge.Status;

namespace KvsEdge.Tests.Status;

public class StatusPayloadsTests
{
    private static readonly string[] EventFields =
    [
        "type", "reason", "detail", "person", "similarity", "face_id", "stream_arn", "fragment_number",
        "producer_timestamp", "frame_time", "source", "received_at", "decided_at", "snapshot_id", "distance",
    ];

    private static FaceObservation Observation() => new(
        RecognitionSources.Kinesis,
        "rec-1",
        0,
        FrameTime: new DateTimeOffset(2026, 11, 25, 10, 0, 0, 456, TimeSpan.Zero),
        ReceivedAt: new DateTimeOffset(2026, 11, 25, 11, 0, 1, 7, TimeSpan.FromHours(1)),
        StreamArn: "arn:aws:kinesisvideo:eu-west-1:123456789012:stream/door/1",
        FragmentNumber: "91343852333181432392682062622220590765191907586",
        ProducerTimestamp: 1795600800.123,
        Candidates: [new FaceCandidate("alice", "face-1", 99.5)]);

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Theory]
    [InlineData(DecisionKind.Granted, DecisionReasons.Allowed, "access_granted")]
    [InlineData(DecisionKind.Denied, DecisionReasons.NotAllowed, "access_denied")]
    [InlineData(DecisionKind.UnknownFace, DecisionReasons.UnknownFace, "unknown_face")]
    [InlineData(DecisionKind.Ignored, DecisionReasons.Stale, "ignored")]
    public void Event_has_the_contract_fields_for_every_kind(DecisionKind kind, string reason, string type)
    {
        var decision = new Decision(
            kind,
            reason,
            new DateTimeOffset(2026, 11, 25, 10, 0, 1, 123, TimeSpan.Zero),
            Observation(),
            Person: "alice",
            Similarity: 99.5,
            FaceId: "face-1",
            Detail: "door 1");

        JsonElement json = Parse(StatusPayloads.Event(decision));

        Assert.Equal(EventFields.Order(StringComparer.Ordinal), json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(type, json.GetProperty("type").GetString());
        Assert.Equal(reason, json.GetProperty("reason").GetString());
        Assert.Equal("door 1", json.GetProperty("detail").GetString());
        Assert.Equal("alice", json.GetProperty("person").GetString());
        Assert.Equal(99.5, json.GetProperty("similarity").GetDouble());
        Assert.Equal("face-1", json.GetProperty("face_id").GetString());
        Assert.Equal("arn:aws:kinesisvideo:eu-west-1:123456789012:stream/door/1", json.GetProperty("stream_arn").GetString());
        Assert.Equal(JsonValueKind.String, json.GetProperty("fragment_number").ValueKind);
        Assert.Equal("91343852333181432392682062622220590765191907586", json.GetProperty("fragment_number").GetString());
        Assert.Equal("2026-11-25T10:00:00.123Z", json.GetProperty("producer_timestamp").GetString());
        Assert.Equal("2026-11-25T10:00:00.456Z", json.GetProperty("frame_time").GetString());
        Assert.Equal("kinesis", json.GetProperty("source").GetString());
        Assert.Equal("2026-11-25T10:00:01.007Z", json.GetProperty("received_at").GetString());
        Assert.Equal("2026-11-25T10:00:01.123Z", json.GetProperty("decided_at").GetString());
    }

    [Fact]
    public void Event_without_an_observation_keeps_every_key_with_nulls()
    {
        var decision = new Decision(DecisionKind.Ignored, DecisionReasons.Malformed, new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), null, Detail: "bad json");

        JsonElement json = Parse(StatusPayloads.Event(decision));

        Assert.Equal(EventFields.Length, json.EnumerateObject().Count());
        Assert.Equal("ignored", json.GetProperty("type").GetString());
        Assert.Equal("malformed", json.GetProperty("reason").GetString());
        Assert.Equal("2026-11-25T10:00:00.000Z", json.GetProperty("decided_at").GetString());
        foreach (string field in new[] { "person", "similarity", "face_id", "stream_arn", "fragment_number", "producer_timestamp", "frame_time", "source", "received_at", "snapshot_id", "distance" })
        {
            Assert.Equal(JsonValueKind.Null, json.GetProperty(field).ValueKind);
        }
    }

    [Fact]
    public void Recognition_payload_uses_snake_case_and_iso_times()
    {
        var status = new RecognitionStatus(RecognitionSources.ImageApi, "running", 1500, new DateTimeOffset(2026, 11, 25, 10, 0, 0, 5, TimeSpan.Zero), null);

        JsonElement json = Parse(StatusPayloads.Recognition(status));

        Assert.Equal("image-api", json.GetProperty("source").GetString());
        Assert.Equal("running", json.GetProperty("state").GetString());
        Assert.Equal(1500, json.GetProperty("lag_ms").GetInt64());
        Assert.Equal("2026-11-25T10:00:00.005Z", json.GetProperty("last_record_at").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("last_error").ValueKind);
        Assert.Equal("ok", json.GetProperty("ledger").GetString());
        Assert.Equal("unavailable", Parse(StatusPayloads.Recognition(status with { Ledger = RecognitionStatus.LedgerUnavailable })).GetProperty("ledger").GetString());
    }

    [Fact]
    public void Door_payloads_are_locked_unlocked_and_fault()
    {
        Assert.Equal("locked", StatusPayloads.Door(DoorState.Locked));
        Assert.Equal("unlocked", StatusPayloads.Door(DoorState.Unlocked));
        Assert.Equal("fault", StatusPayloads.Door(DoorState.Fault));
    }
}

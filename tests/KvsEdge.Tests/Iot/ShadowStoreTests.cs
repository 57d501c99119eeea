using System.Text;
using System.Text.Json.Nodes;
using KvsEdge.TestSupport.IotCoreDouble;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Iot;

/// <summary>
/// The shadow double against the AWS IoT developer guide's documents: "Device Shadow service documents" (request,
/// /accepted, /delta, /documents, versions, clientToken, null deleting a key) and "Device Shadow error messages".
/// </summary>
public sealed class ShadowStoreTests
{
    private const string Thing = "door-lobby";
    private const string Name = "config";
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private readonly ShadowStore _store = new(new FakeTimeProvider(Now));

    private IReadOnlyList<ShadowMessage> Update(string json) => _store.Update(Thing, Name, Encoding.UTF8.GetBytes(json));

    private static JsonObject Doc(IReadOnlyList<ShadowMessage> messages, string suffix) =>
        JsonNode.Parse(messages.Single(m => m.Suffix == suffix).Json)!.AsObject();

    [Fact]
    public void An_update_of_desired_is_accepted_with_version_metadata_and_token_and_publishes_delta_and_documents()
    {
        var messages = Update("""{"state":{"desired":{"color":"red","power":"on"}},"clientToken":"abc"}""");
        Assert.Equal(["update/accepted", "update/delta", "update/documents"], messages.Select(m => m.Suffix));
        JsonObject accepted = Doc(messages, "update/accepted");
        Assert.Equal(1, accepted["version"]!.GetValue<long>());
        Assert.Equal("abc", accepted["clientToken"]!.GetValue<string>());
        Assert.Equal(Now.ToUnixTimeSeconds(), accepted["timestamp"]!.GetValue<long>());
        Assert.Equal(Now.ToUnixTimeSeconds(), accepted["metadata"]!["desired"]!["color"]!["timestamp"]!.GetValue<long>());
        JsonObject delta = Doc(messages, "update/delta");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"color":"red","power":"on"}"""), delta["state"]));
        Assert.Equal(1, delta["version"]!.GetValue<long>());
        JsonObject documents = Doc(messages, "update/documents");
        Assert.Null(documents["previous"]);
        Assert.Equal(1, documents["current"]!["version"]!.GetValue<long>());
    }

    [Fact]
    public void Delta_holds_only_desired_values_that_differ_from_reported_and_a_matching_report_clears_it()
    {
        Update("""{"state":{"reported":{"color":"red","power":"on"}}}""");
        var messages = Update("""{"state":{"desired":{"color":"green","power":"on"}}}""");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"color":"green"}"""), Doc(messages, "update/delta")["state"]));

        messages = Update("""{"state":{"reported":{"color":"green"}}}""");
        Assert.DoesNotContain(messages, m => m.Suffix == "update/delta");
        JsonObject document = _store.Read(Thing, Name)!;
        Assert.Null(document["state"]!["delta"]);
        Assert.Equal(3, document["version"]!.GetValue<long>());
        JsonObject documents = Doc(messages, "update/documents");
        Assert.Equal("red", documents["previous"]!["state"]!["reported"]!["color"]!.GetValue<string>());
        Assert.Equal("green", documents["current"]!["state"]!["reported"]!["color"]!.GetValue<string>());
    }

    [Fact]
    public void Null_deletes_a_key_objects_merge_and_arrays_are_replaced_whole()
    {
        Update("""{"state":{"desired":{"People":{"alice":{"MinSimilarity":90},"bob":{}},"Days":["Mon","Tue"]}}}""");
        Update("""{"state":{"desired":{"People":{"bob":null,"carol":{}},"Days":["Wed"]}}}""");
        JsonNode desired = _store.Read(Thing, Name)!["state"]!["desired"]!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"People":{"alice":{"MinSimilarity":90},"carol":{}},"Days":["Wed"]}"""), desired));

        // `desired: null` removes all of desired.
        Update("""{"state":{"desired":null}}""");
        Assert.Null(_store.Read(Thing, Name)!["state"]!["desired"]);
    }

    [Fact]
    public void A_version_that_is_not_the_current_one_is_a_409_version_conflict()
    {
        Update("""{"state":{"desired":{"a":1}}}""");
        var messages = Update("""{"state":{"desired":{"a":2}},"version":7,"clientToken":"t"}""");
        JsonObject rejected = Doc(messages, "update/rejected");
        Assert.Equal(409, rejected["code"]!.GetValue<int>());
        Assert.Equal("Version conflict", rejected["message"]!.GetValue<string>());
        Assert.Equal("t", rejected["clientToken"]!.GetValue<string>());
        Assert.Single(messages);

        Assert.Equal("update/accepted", Update("""{"state":{"desired":{"a":2}},"version":1}""")[0].Suffix);
        Assert.Equal(2, _store.VersionOf(Thing, Name));
    }

    [Theory]
    [InlineData("{not json", "Invalid JSON")]
    [InlineData("""{"clientToken":"x"}""", "Missing required node: state")]
    [InlineData("""{"state":[1]}""", "State node must be an object")]
    [InlineData("""{"state":{"desired":"red"}}""", "Desired node must be an object")]
    [InlineData("""{"state":{"reported":7}}""", "Reported node must be an object")]
    [InlineData("""{"state":{"delta":{"a":1}}}""", "State contains an invalid node")]
    [InlineData("""{"state":{"desired":{}},"version":"one"}""", "Invalid version")]
    [InlineData("""{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}}""", "JSON contains too many levels of nesting; maximum is 6")]
    public void Malformed_requests_are_400_with_the_documented_message(string request, string message)
    {
        JsonObject rejected = Doc(Update(request), "update/rejected");
        Assert.Equal(400, rejected["code"]!.GetValue<int>());
        Assert.Equal(message, rejected["message"]!.GetValue<string>());
        Assert.Null(_store.Read(Thing, Name));
    }

    [Fact]
    public void Six_levels_are_accepted_and_a_client_token_over_64_bytes_is_refused()
    {
        Assert.Equal("update/accepted", Update("""{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":1}}}}}}}}""")[0].Suffix);
        JsonObject rejected = Doc(Update("""{"state":{"desired":{"a":1}},"clientToken":""" + "\"" + new string('t', 65) + "\"}"), "update/rejected");
        Assert.Equal("Invalid clientToken", rejected["message"]!.GetValue<string>());
    }

    [Fact]
    public void Desired_and_reported_together_over_8_KB_are_413_and_change_nothing()
    {
        string half = new('x', 4100);
        Assert.Equal("update/accepted", Update("""{"state":{"desired":{"a":""" + "\"" + half + "\"}}}")[0].Suffix);
        JsonObject rejected = Doc(Update("""{"state":{"reported":{"a":""" + "\"" + half + "\"}},\"clientToken\":\"big\"}"), "update/rejected");
        Assert.Equal(413, rejected["code"]!.GetValue<int>());
        Assert.Equal("The payload exceeds the maximum size allowed", rejected["message"]!.GetValue<string>());
        Assert.Equal("big", rejected["clientToken"]!.GetValue<string>());
        Assert.Equal(1, _store.VersionOf(Thing, Name));
    }

    [Fact]
    public void Get_and_delete_answer_as_documented_and_delete_keeps_the_version()
    {
        JsonObject missing = Doc(_store.Get(Thing, Name, Encoding.UTF8.GetBytes("""{"clientToken":"g0"}""")), "get/rejected");
        Assert.Equal(404, missing["code"]!.GetValue<int>());
        Assert.Equal("g0", missing["clientToken"]!.GetValue<string>());

        Update("""{"state":{"desired":{"a":1},"reported":{"a":0}}}""");
        JsonObject got = Doc(_store.Get(Thing, Name, Encoding.UTF8.GetBytes("""{"clientToken":"g1"}""")), "get/accepted");
        Assert.Equal("g1", got["clientToken"]!.GetValue<string>());
        Assert.Equal(1, got["state"]!["delta"]!["a"]!.GetValue<int>());
        Assert.Equal(1, got["version"]!.GetValue<long>());

        Assert.Equal(409, Doc(_store.Delete(Thing, Name, Encoding.UTF8.GetBytes("""{"version":5}""")), "delete/rejected")["code"]!.GetValue<int>());
        JsonObject deleted = Doc(_store.Delete(Thing, Name, Encoding.UTF8.GetBytes("""{"clientToken":"d"}""")), "delete/accepted");
        Assert.Equal(1, deleted["version"]!.GetValue<long>());
        Assert.Equal("d", deleted["clientToken"]!.GetValue<string>());
        Assert.Equal("get/rejected", _store.Get(Thing, Name, []).Single().Suffix);

        Assert.Equal(2, Doc(Update("""{"state":{"desired":{"a":2}}}"""), "update/accepted")["version"]!.GetValue<long>());
    }

    [Fact]
    public void Named_and_classic_shadows_of_a_thing_are_separate()
    {
        Update("""{"state":{"desired":{"a":1}}}""");
        Assert.Null(_store.Read(Thing, ShadowStore.Classic));
        Assert.Null(_store.Read(Thing, "status"));
        Assert.Null(_store.Read("other-thing", Name));
    }
}

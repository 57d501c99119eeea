using System.Text;
using System.Text.Json.Nodes;
using KvsEdge.Fleet;

namespace KvsEdge.Tests.Fleet;

public sealed class FleetAccessDocumentTests
{
    private static FleetAccessDocument Parse(string json) => FleetAccessDocument.Parse(Encoding.UTF8.GetBytes(json), "access.json");

    private static IReadOnlyList<string> Refused(string json) => Assert.Throws<FleetConfigException>(() => Parse(json)).Failures;

    [Fact]
    public void A_valid_access_section_becomes_the_desired_state_as_written()
    {
        var document = Parse("""{"Access":{"People":{"alice":{"MinSimilarity":95}},"Cooldown":"00:00:20"},"Door":{"PulseDuration":"00:00:02"}}""");

        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"Access":{"People":{"alice":{"MinSimilarity":95}},"Cooldown":"00:00:20"},"Door":{"PulseDuration":"00:00:02"}}"""),
            document.Desired));
    }

    /// <summary>Safety rule 9: a fleet config may change who enters, never which GPIO line is driven or how.</summary>
    [Theory]
    [InlineData("""{"Access":{"People":{"alice":{}}},"Door":{"Relay":{"Pin":5}}}""", "Door:Relay:Pin")]
    [InlineData("""{"Access":{"People":{"alice":{}}},"Door":{"Relay":{"ActiveLow":true}}}""", "Door:Relay:ActiveLow")]
    [InlineData("""{"Access":{"People":{"alice":{}}},"Door":{"Driver":"libgpiod"}}""", "Door:Driver")]
    [InlineData("""{"Access":{"People":{"alice":{}}},"Door":{"MaxPulseDuration":"00:01:00"}}""", "Door:MaxPulseDuration")]
    [InlineData("""{"Access":{"People":{"alice":{}}},"Mqtt":{"Host":"evil"}}""", "Mqtt:Host")]
    public void Hardware_and_other_sections_are_refused_naming_the_key(string json, string key)
    {
        var failures = Refused(json);

        Assert.Contains(failures, f => f.StartsWith(key + ":", StringComparison.Ordinal));
    }

    [Fact]
    public void Invalid_access_settings_are_refused_by_the_device_validators_naming_the_key()
    {
        var failures = Refused("""{"Access":{"People":{"alice":{"MinSimilarity":150}},"Cooldown":"banana"}}""");

        Assert.Contains(failures, f => f.Contains("Access:People:alice:MinSimilarity", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Access:Cooldown", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"Access":{"People":{"alice":{}}},"Door":{"PulseDuration":"00:05:00"}}""")]
    [InlineData("""{"Access":{"People":{"alice":{}}},"Door":{"PulseDuration":"soon"}}""")]
    public void A_pulse_beyond_the_bound_or_unreadable_is_refused(string json) =>
        Assert.Contains(Refused(json), f => f.StartsWith(FleetAccessDocument.PulseDurationKey, StringComparison.Ordinal));

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"Door":{"PulseDuration":"00:00:02"}}""")]
    public void Not_an_access_document_is_refused(string json) => Assert.Throws<FleetConfigException>(() => Parse(json));

    [Fact]
    public void A_document_over_the_shadow_budget_is_refused()
    {
        var people = string.Join(",", Enumerable.Range(0, 400).Select(i => $"\"person{i:D4}\":{{\"MinSimilarity\":95}}"));

        Assert.Contains(Refused("{\"Access\":{\"People\":{" + people + "}}}"), f => f.Contains("bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void The_patch_deletes_what_the_new_file_no_longer_holds_and_replaces_lists_whole()
    {
        var current = JsonNode.Parse("""{"Access":{"People":{"alice":{"MinSimilarity":90},"bob":{"Schedule":[{"Days":["Mon"]}]}},"Cooldown":"00:00:10"},"Door":{"PulseDuration":"00:00:03"}}""")!.AsObject();
        var next = JsonNode.Parse("""{"Access":{"People":{"alice":{"MinSimilarity":95,"Schedule":[{"Days":["Tue"]}]}}}}""")!.AsObject();

        var patch = FleetAccessDocument.Patch(current, next);

        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"Access":{"People":{"alice":{"MinSimilarity":95,"Schedule":[{"Days":["Tue"]}]},"bob":null},"Cooldown":null},"Door":null}"""),
            patch), patch.ToJsonString());
        Assert.True(JsonNode.DeepEquals(next, FleetAccessDocument.Patch(null, next)));
    }
}

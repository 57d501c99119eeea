using System.Text.Json;
using KvsEdge.Aws.Iot;

namespace KvsEdge.Tests.Aws.Iot;

public sealed class IotDevicePolicyTests
{
    private const string ThingArn = "arn:aws:iot:eu-west-1:123456789012:thing/front-door";
    private const string Prefix = "arn:aws:iot:eu-west-1:123456789012:";
    private const string Thing = "${iot:Connection.Thing.ThingName}";
    private const string OwnTopics = "$aws/things/" + Thing + "/";

    /// <summary>Every statement, action and resource of the document, checked one by one against what a door may do.</summary>
    [Fact]
    public void Every_action_and_resource_is_confined_to_the_connecting_thing()
    {
        using var document = JsonDocument.Parse(IotDevicePolicy.ForThingArn(ThingArn));
        var statements = document.RootElement.GetProperty("Statement").EnumerateArray().ToList();
        Assert.Equal("2012-10-17", document.RootElement.GetProperty("Version").GetString());
        Assert.Equal(4, statements.Count);

        var actions = new List<string>();
        foreach (var statement in statements)
        {
            Assert.Equal("Allow", statement.GetProperty("Effect").GetString());
            Assert.False(statement.TryGetProperty("NotAction", out _));
            Assert.False(statement.TryGetProperty("NotResource", out _));
            // One action per statement, named in full: no "iot:*", no "*", no list to hide one in.
            var action = statement.GetProperty("Action");
            Assert.Equal(JsonValueKind.String, action.ValueKind);
            var name = action.GetString()!;
            Assert.Contains(name, new[] { "iot:Connect", "iot:Publish", "iot:Subscribe", "iot:Receive" });
            actions.Add(name);

            var resources = statement.GetProperty("Resource") is { ValueKind: JsonValueKind.Array } list
                ? list.EnumerateArray().Select(r => r.GetString()!).ToList()
                : [statement.GetProperty("Resource").GetString()!];
            Assert.NotEmpty(resources);
            foreach (var resource in resources)
            {
                AssertConfined(name, resource);
            }

            if (name == "iot:Connect")
            {
                Assert.Equal([Prefix + "client/" + Thing], resources);
                Assert.Equal("true", statement.GetProperty("Condition").GetProperty("Bool").GetProperty("iot:Connection.Thing.IsAttached").GetString());
            }
        }

        Assert.Equal(["iot:Connect", "iot:Publish", "iot:Receive", "iot:Subscribe"], actions.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_door_can_reach_its_config_and_status_shadows_and_its_jobs()
    {
        var policy = IotDevicePolicy.ForThingArn(ThingArn);
        using var document = JsonDocument.Parse(policy);
        var byAction = document.RootElement.GetProperty("Statement").EnumerateArray()
            .Where(s => s.GetProperty("Resource").ValueKind == JsonValueKind.Array)
            .ToDictionary(s => s.GetProperty("Action").GetString()!, s => s.GetProperty("Resource").EnumerateArray().Select(r => r.GetString()!).ToHashSet());

        Assert.Contains(Prefix + "topic/" + OwnTopics + "shadow/name/config/update", byAction["iot:Publish"]);
        Assert.Contains(Prefix + "topic/" + OwnTopics + "shadow/name/status/update", byAction["iot:Publish"]);
        Assert.Contains(Prefix + "topic/" + OwnTopics + "jobs/*/update", byAction["iot:Publish"]);
        Assert.Contains(Prefix + "topicfilter/" + OwnTopics + "shadow/name/config/update/delta", byAction["iot:Subscribe"]);
        Assert.Contains(Prefix + "topicfilter/" + OwnTopics + "jobs/notify-next", byAction["iot:Subscribe"]);
        Assert.Contains(Prefix + "topic/" + OwnTopics + "shadow/name/config/update/delta", byAction["iot:Receive"]);
        // The classic (unnamed) shadow is not the door's: only the named ones.
        Assert.DoesNotContain(byAction.Values.SelectMany(r => r), r => r.Contains("/shadow/update", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("arn:aws:iot:eu-west-1:123456789012:thinggroup/doors")]
    [InlineData("arn:aws:iot:eu-west-1:*:thing/front-door")]
    [InlineData("arn:aws:iam::123456789012:thing/front-door")]
    [InlineData("front-door")]
    public void Anything_but_a_thing_arn_is_refused(string arn) =>
        Assert.Throws<ArgumentException>(() => IotDevicePolicy.ForThingArn(arn));

    private static void AssertConfined(string action, string resource)
    {
        Assert.StartsWith(Prefix, resource, StringComparison.Ordinal);
        var rest = resource[Prefix.Length..];
        if (action == "iot:Connect")
        {
            Assert.Equal("client/" + Thing, rest);
            return;
        }

        var kind = action == "iot:Subscribe" ? "topicfilter/" : "topic/";
        Assert.StartsWith(kind + OwnTopics, rest, StringComparison.Ordinal);
        var topic = rest[(kind + OwnTopics).Length..];
        Assert.True(
            topic.StartsWith("shadow/name/config/", StringComparison.Ordinal)
                || topic.StartsWith("shadow/name/status/", StringComparison.Ordinal)
                || topic.StartsWith("jobs/", StringComparison.Ordinal),
            $"{action} on '{resource}' is outside the thing's config/status shadows and jobs.");
        Assert.DoesNotContain('#', topic);
        Assert.DoesNotContain('+', topic);
        Assert.DoesNotContain('?', topic);
        // A '*' only stands for a job id: one whole segment right after jobs/.
        var segments = topic.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (segments[i].Contains('*', StringComparison.Ordinal))
            {
                Assert.True(segments[i] == "*" && i == 1 && segments[0] == "jobs", $"'{resource}' has a wildcard outside the job id.");
            }
        }
    }
}

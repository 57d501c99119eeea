using System.Text;
using System.Text.Json;

namespace KvsEdge.Aws.Iot;

/// <summary>
/// The least-privilege AWS IoT policy of a KvsEdge door, one document for the whole fleet thanks to the policy variable
/// <c>${iot:Connection.Thing.ThingName}</c>: connect only as a client id equal to its own thing name (and only with a
/// certificate attached to that thing); publish, subscribe and receive only on its own named shadows (<c>config</c>,
/// <c>status</c>) and its own jobs topics, each topic listed. No wildcard action, no <c>#</c>, and a <c>*</c> only where
/// a job id stands, inside the thing's own jobs topics. Pure: builds JSON, calls nothing.
/// </summary>
public static class IotDevicePolicy
{
    public const string ThingVariable = "${iot:Connection.Thing.ThingName}";

    public const string DefaultPolicyName = "kvsedge-door";

    /// <summary>The named shadows a door uses: desired access settings, reported status.</summary>
    public static readonly IReadOnlyList<string> ShadowNames = ["config", "status"];

    /// <summary>The thing's topic prefix, with the policy variable standing for its name.</summary>
    public const string ThingTopicPrefix = "$aws/things/" + ThingVariable + "/";

    /// <summary>Topics (relative to <see cref="ThingTopicPrefix"/>) the door publishes to: shadow and Jobs API requests.</summary>
    public static IReadOnlyList<string> PublishTopics { get; } =
    [
        .. ShadowNames.SelectMany(s => new[] { $"shadow/name/{s}/get", $"shadow/name/{s}/update" }),
        "jobs/get",
        "jobs/start-next",
        "jobs/$next/get",
        "jobs/*/get",
        "jobs/*/update",
    ];

    /// <summary>Topics (relative to <see cref="ThingTopicPrefix"/>) the door subscribes to and receives: the answers.</summary>
    public static IReadOnlyList<string> ReplyTopics { get; } =
    [
        .. ShadowNames.SelectMany(s => new[]
        {
            $"shadow/name/{s}/get/accepted", $"shadow/name/{s}/get/rejected",
            $"shadow/name/{s}/update/accepted", $"shadow/name/{s}/update/rejected",
            $"shadow/name/{s}/update/delta",
        }),
        "jobs/notify-next",
        "jobs/get/accepted",
        "jobs/get/rejected",
        "jobs/start-next/accepted",
        "jobs/start-next/rejected",
        "jobs/$next/get/accepted",
        "jobs/$next/get/rejected",
        "jobs/*/get/accepted",
        "jobs/*/get/rejected",
        "jobs/*/update/accepted",
        "jobs/*/update/rejected",
    ];

    /// <summary>The policy document for the account and region of <paramref name="thingArn"/>.</summary>
    /// <param name="thingArn"><c>arn:&lt;partition&gt;:iot:&lt;region&gt;:&lt;account&gt;:thing/&lt;name&gt;</c>, as CreateThing returns it.</param>
    /// <exception cref="ArgumentException">Not a thing ARN.</exception>
    public static string ForThingArn(string thingArn)
    {
        var prefix = ResourcePrefix(thingArn);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("Version", "2012-10-17");
            writer.WriteStartArray("Statement");

            writer.WriteStartObject();
            writer.WriteString("Sid", "ConnectAsItsOwnThingOnly");
            writer.WriteString("Effect", "Allow");
            writer.WriteString("Action", "iot:Connect");
            writer.WriteString("Resource", prefix + "client/" + ThingVariable);
            // The client id must be the name of a thing this certificate is attached to.
            writer.WriteStartObject("Condition");
            writer.WriteStartObject("Bool");
            writer.WriteString("iot:Connection.Thing.IsAttached", "true");
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();

            Statement(writer, "PublishOwnShadowAndJobRequests", "iot:Publish", PublishTopics.Select(t => prefix + "topic/" + ThingTopicPrefix + t));
            Statement(writer, "SubscribeOwnShadowAndJobReplies", "iot:Subscribe", ReplyTopics.Select(t => prefix + "topicfilter/" + ThingTopicPrefix + t));
            Statement(writer, "ReceiveOwnShadowAndJobReplies", "iot:Receive", ReplyTopics.Select(t => prefix + "topic/" + ThingTopicPrefix + t));

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary><c>arn:&lt;partition&gt;:iot:&lt;region&gt;:&lt;account&gt;:</c> from a thing ARN.</summary>
    public static string ResourcePrefix(string thingArn)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(thingArn);
        var parts = thingArn.Split(':', 6);
        var valid = parts.Length == 6 && parts[0] == "arn" && parts[1].Length > 0 && parts[2] == "iot" && parts[3].Length > 0
            && parts[4].Length == 12 && parts[4].All(char.IsAsciiDigit) && parts[5].StartsWith("thing/", StringComparison.Ordinal)
            && thingArn.IndexOfAny(['*', '?', ' ']) < 0;
        return valid
            ? $"arn:{parts[1]}:iot:{parts[3]}:{parts[4]}:"
            : throw new ArgumentException($"'{thingArn}' is not an IoT thing ARN (arn:<partition>:iot:<region>:<account>:thing/<name>).", nameof(thingArn));
    }

    private static void Statement(Utf8JsonWriter writer, string sid, string action, IEnumerable<string> resources)
    {
        writer.WriteStartObject();
        writer.WriteString("Sid", sid);
        writer.WriteString("Effect", "Allow");
        writer.WriteString("Action", action);
        writer.WriteStartArray("Resource");
        foreach (var resource in resources)
        {
            writer.WriteStringValue(resource);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}

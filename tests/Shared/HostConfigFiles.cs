using System.Text.Json.Nodes;

namespace KvsEdge.TestSupport;

/// <summary>Configuration files for host start-up tests: a valid base with a test's JSON merged over it.</summary>
public static class HostConfigFiles
{
    /// <summary>A valid base (simulated door, a stream name, <paramref name="stateDirectory"/>) with <paramref name="json"/> over it.</summary>
    public static string Merge(string stateDirectory, string json)
    {
        JsonObject baseNode = JsonNode.Parse($$"""
            { "Device": { "Id": "test", "StateDirectory": {{System.Text.Json.JsonSerializer.Serialize(stateDirectory)}} },
              "Door": { "Driver": "simulated" },
              "Recognition": { "Source": "kinesis", "Kinesis": { "StreamName": "door-events" } },
              "Aws": { "Region": "us-east-1" } }
            """)!.AsObject();
        MergeInto(baseNode, JsonNode.Parse(json)!.AsObject());
        return baseNode.ToJsonString();
    }

    /// <summary>Writes <paramref name="json"/> to a new file in <paramref name="directory"/> and returns its path.</summary>
    public static string Write(string directory, string json)
    {
        string file = Path.Combine(directory, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(file, json);
        return file;
    }

    /// <summary>Merges <paramref name="source"/> into <paramref name="target"/>, object by object; other values replace.</summary>
    public static void MergeInto(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source.ToList())
        {
            if (value is JsonObject child && target[key] is JsonObject existing)
            {
                MergeInto(existing, child);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }
}

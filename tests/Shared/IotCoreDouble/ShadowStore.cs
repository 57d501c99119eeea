using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KvsEdge.TestSupport.IotCoreDouble;

/// <summary>One message the shadow service publishes: the topic suffix after the shadow prefix, and its JSON.</summary>
public sealed record ShadowMessage(string Suffix, string Json);

/// <summary>
/// The Device Shadow service's document logic, written from the AWS IoT developer guide ("Device Shadow service
/// documents", "Device Shadow error messages"): get, update and delete of classic and named shadows; per-key merge
/// where `null` deletes a key and arrays are replaced whole; `version` optimistic locking (409); `clientToken` echoed
/// (at most 64 bytes); per-leaf metadata timestamps; `/delta` with the desired values that differ from reported;
/// `/documents` with previous and current; 8 KB for desired + reported; at most 6 levels of nesting.
/// Pure (no MQTT): <see cref="ShadowService"/> puts it on the broker; unit tests call it directly.
/// </summary>
public sealed class ShadowStore(TimeProvider time)
{
    /// <summary>"The maximum size of a shadow state document" (desired + reported) in bytes.</summary>
    public const int MaxStateBytes = 8 * 1024;

    /// <summary>"JSON contains too many levels of nesting; maximum is 6".</summary>
    public const int MaxDepth = 6;

    public const int MaxClientTokenBytes = 64;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Thing, string Shadow), Shadow> _shadows = [];

    /// <summary>The classic (unnamed) shadow's key in this store.</summary>
    public const string Classic = "";

    /// <summary>The current document as `/get/accepted` would carry it, or null when none exists.</summary>
    public JsonObject? Read(string thing, string shadow)
    {
        lock (_gate)
        {
            return _shadows.TryGetValue((thing, shadow), out Shadow? s) && s.Exists ? s.Document(includeDelta: true, Now) : null;
        }
    }

    /// <summary>The version the shadow has (0 when it never existed).</summary>
    public long VersionOf(string thing, string shadow)
    {
        lock (_gate)
        {
            return _shadows.TryGetValue((thing, shadow), out Shadow? s) ? s.Version : 0;
        }
    }

    public IReadOnlyList<ShadowMessage> Get(string thing, string shadow, ReadOnlySpan<byte> payload)
    {
        string? token = null;
        if (payload.Length > 0)
        {
            if (!TryParseObject(payload, out JsonObject? request) || !TryClientToken(request!, out token))
            {
                return [Rejected("get", 400, token is null && request is not null ? "Invalid clientToken" : "Invalid JSON", null)];
            }
        }

        lock (_gate)
        {
            if (!_shadows.TryGetValue((thing, shadow), out Shadow? s) || !s.Exists)
            {
                return [Rejected("get", 404, shadow == Classic ? "No shadow exists with name: '" + thing + "'" : "No shadow exists with name: '" + shadow + "'", token)];
            }

            JsonObject document = s.Document(includeDelta: true, Now);
            AddToken(document, token);
            return [new("get/accepted", document.ToJsonString())];
        }
    }

    public IReadOnlyList<ShadowMessage> Delete(string thing, string shadow, ReadOnlySpan<byte> payload)
    {
        string? token = null;
        long? expected = null;
        if (payload.Length > 0)
        {
            if (!TryParseObject(payload, out JsonObject? request))
            {
                return [Rejected("delete", 400, "Invalid JSON", null)];
            }

            if (!TryClientToken(request!, out token))
            {
                return [Rejected("delete", 400, "Invalid clientToken", null)];
            }

            if (!TryVersion(request!, out expected))
            {
                return [Rejected("delete", 400, "Invalid version", token)];
            }
        }

        lock (_gate)
        {
            if (!_shadows.TryGetValue((thing, shadow), out Shadow? s) || !s.Exists)
            {
                return [Rejected("delete", 404, "No shadow exists with name: '" + (shadow == Classic ? thing : shadow) + "'", token)];
            }

            if (expected is { } v && v != s.Version)
            {
                return [Rejected("delete", 409, "Version conflict", token)];
            }

            // The version is not reset: a later update continues from it.
            s.Exists = false;
            s.Desired = null;
            s.Reported = null;
            s.DesiredMeta = null;
            s.ReportedMeta = null;
            var accepted = new JsonObject { ["version"] = s.Version, ["timestamp"] = Now };
            AddToken(accepted, token);
            return [new("delete/accepted", accepted.ToJsonString())];
        }
    }

    public IReadOnlyList<ShadowMessage> Update(string thing, string shadow, ReadOnlySpan<byte> payload)
    {
        if (!TryParseObject(payload, out JsonObject? request))
        {
            return [Rejected("update", 400, "Invalid JSON", null)];
        }

        if (!TryClientToken(request!, out string? token))
        {
            return [Rejected("update", 400, "Invalid clientToken", null)];
        }

        if (!TryVersion(request!, out long? expected))
        {
            return [Rejected("update", 400, "Invalid version", token)];
        }

        if (!request!.TryGetPropertyValue("state", out JsonNode? stateNode) || stateNode is null)
        {
            return [Rejected("update", 400, "Missing required node: state", token)];
        }

        if (stateNode is not JsonObject state)
        {
            return [Rejected("update", 400, "State node must be an object", token)];
        }

        foreach ((string key, JsonNode? _) in state)
        {
            if (key is not ("desired" or "reported"))
            {
                return [Rejected("update", 400, "State contains an invalid node", token)];
            }
        }

        bool hasDesired = state.TryGetPropertyValue("desired", out JsonNode? desired);
        bool hasReported = state.TryGetPropertyValue("reported", out JsonNode? reported);
        if (hasDesired && desired is not null and not JsonObject)
        {
            return [Rejected("update", 400, "Desired node must be an object", token)];
        }

        if (hasReported && reported is not null and not JsonObject)
        {
            return [Rejected("update", 400, "Reported node must be an object", token)];
        }

        if (Depth(desired) > MaxDepth || Depth(reported) > MaxDepth)
        {
            return [Rejected("update", 400, "JSON contains too many levels of nesting; maximum is 6", token)];
        }

        long now = Now;
        lock (_gate)
        {
            if (!_shadows.TryGetValue((thing, shadow), out Shadow? s))
            {
                s = new Shadow();
                _shadows[(thing, shadow)] = s;
            }

            if (expected is { } v && v != s.Version)
            {
                return [Rejected("update", 409, "Version conflict", token)];
            }

            JsonObject? previous = s.Exists ? s.Document(includeDelta: false, now) : null;
            JsonObject? newDesired = s.Desired?.DeepClone().AsObject();
            JsonObject? newReported = s.Reported?.DeepClone().AsObject();
            JsonObject? newDesiredMeta = s.DesiredMeta?.DeepClone().AsObject();
            JsonObject? newReportedMeta = s.ReportedMeta?.DeepClone().AsObject();
            if (hasDesired)
            {
                (newDesired, newDesiredMeta) = desired is null ? (null, null) : Merge(newDesired, newDesiredMeta, (JsonObject)desired, now);
            }

            if (hasReported)
            {
                (newReported, newReportedMeta) = reported is null ? (null, null) : Merge(newReported, newReportedMeta, (JsonObject)reported, now);
            }

            int size = Encoding.UTF8.GetByteCount(newDesired?.ToJsonString() ?? string.Empty) + Encoding.UTF8.GetByteCount(newReported?.ToJsonString() ?? string.Empty);
            if (size > MaxStateBytes)
            {
                return [Rejected("update", 413, "The payload exceeds the maximum size allowed", token)];
            }

            s.Desired = newDesired;
            s.Reported = newReported;
            s.DesiredMeta = newDesiredMeta;
            s.ReportedMeta = newReportedMeta;
            s.Exists = true;
            s.Version++;

            var messages = new List<ShadowMessage>();
            var acceptedState = new JsonObject();
            var acceptedMeta = new JsonObject();
            if (hasDesired)
            {
                acceptedState["desired"] = desired?.DeepClone();
                acceptedMeta["desired"] = desired is null ? null : MetadataFor((JsonObject)desired, now);
            }

            if (hasReported)
            {
                acceptedState["reported"] = reported?.DeepClone();
                acceptedMeta["reported"] = reported is null ? null : MetadataFor((JsonObject)reported, now);
            }

            var accepted = new JsonObject { ["state"] = acceptedState, ["metadata"] = acceptedMeta, ["version"] = s.Version, ["timestamp"] = now };
            AddToken(accepted, token);
            messages.Add(new("update/accepted", accepted.ToJsonString()));

            // A delta goes out when the desired state changed and still differs from the reported state.
            if (hasDesired && Delta(s.Desired, s.Reported) is { Count: > 0 } delta)
            {
                var deltaDocument = new JsonObject
                {
                    ["version"] = s.Version,
                    ["timestamp"] = now,
                    ["state"] = delta,
                    ["metadata"] = DeltaMetadata(delta, s.DesiredMeta),
                };
                AddToken(deltaDocument, token);
                messages.Add(new("update/delta", deltaDocument.ToJsonString()));
            }

            var documents = new JsonObject
            {
                ["previous"] = previous,
                ["current"] = s.Document(includeDelta: false, now),
                ["timestamp"] = now,
            };
            AddToken(documents, token);
            messages.Add(new("update/documents", documents.ToJsonString()));
            return messages;
        }
    }

    private long Now => time.GetUtcNow().ToUnixTimeSeconds();

    private ShadowMessage Rejected(string operation, int code, string message, string? token)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message, ["timestamp"] = Now };
        AddToken(error, token);
        return new(operation + "/rejected", error.ToJsonString());
    }

    private static void AddToken(JsonObject document, string? token)
    {
        if (token is not null)
        {
            document["clientToken"] = token;
        }
    }

    private static bool TryParseObject(ReadOnlySpan<byte> payload, out JsonObject? value)
    {
        value = null;
        try
        {
            value = JsonNode.Parse(payload) as JsonObject;
            return value is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool TryClientToken(JsonObject request, out string? token)
    {
        token = null;
        if (!request.TryGetPropertyValue("clientToken", out JsonNode? node) || node is null)
        {
            return true;
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            return false;
        }

        token = node.GetValue<string>();
        if (Encoding.UTF8.GetByteCount(token) > MaxClientTokenBytes)
        {
            token = null;
            return false;
        }

        return true;
    }

    private static bool TryVersion(JsonObject request, out long? version)
    {
        version = null;
        if (!request.TryGetPropertyValue("version", out JsonNode? node) || node is null)
        {
            return true;
        }

        if (node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue(out long v) && v >= 0)
        {
            version = v;
            return true;
        }

        return false;
    }

    /// <summary>Levels below the desired or reported node: `{"a":1}` is 1, `{"a":{"b":1}}` is 2; arrays count as a level.</summary>
    internal static int Depth(JsonNode? node) => node switch
    {
        JsonObject o => o.Count == 0 ? 1 : 1 + o.Max(p => p.Value is JsonObject or JsonArray ? Depth(p.Value) : 0),
        JsonArray a => a.Count == 0 ? 1 : 1 + a.Max(e => e is JsonObject or JsonArray ? Depth(e) : 0),
        _ => 0,
    };

    private static (JsonObject? Value, JsonObject? Metadata) Merge(JsonObject? target, JsonObject? metadata, JsonObject patch, long now)
    {
        target ??= [];
        metadata ??= [];
        foreach ((string key, JsonNode? value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
                metadata.Remove(key);
            }
            else if (value is JsonObject child)
            {
                JsonObject? existing = target[key] as JsonObject;
                JsonObject? existingMeta = metadata[key] as JsonObject;
                (JsonObject? merged, JsonObject? mergedMeta) = Merge(existing?.DeepClone().AsObject(), existingMeta?.DeepClone().AsObject(), child, now);
                target[key] = merged;
                metadata[key] = mergedMeta;
            }
            else
            {
                target[key] = value.DeepClone();
                metadata[key] = Leaf(value, now);
            }
        }

        return (target.Count == 0 ? null : target, metadata.Count == 0 ? null : metadata);
    }

    private static JsonNode Leaf(JsonNode value, long now) => value is JsonArray array
        ? new JsonArray([.. array.Select(e => e is JsonObject o ? MetadataFor(o, now) : (JsonNode)new JsonObject { ["timestamp"] = now })])
        : new JsonObject { ["timestamp"] = now };

    private static JsonObject MetadataFor(JsonObject value, long now)
    {
        var meta = new JsonObject();
        foreach ((string key, JsonNode? child) in value)
        {
            meta[key] = child switch
            {
                null => new JsonObject { ["timestamp"] = now },
                JsonObject o => MetadataFor(o, now),
                _ => Leaf(child, now),
            };
        }

        return meta;
    }

    /// <summary>The desired values that differ from reported (objects compared key by key, arrays and values whole).</summary>
    internal static JsonObject? Delta(JsonObject? desired, JsonObject? reported)
    {
        if (desired is null)
        {
            return null;
        }

        var delta = new JsonObject();
        foreach ((string key, JsonNode? value) in desired)
        {
            JsonNode? other = reported?[key];
            if (value is JsonObject d && other is JsonObject r)
            {
                if (Delta(d, r) is { Count: > 0 } inner)
                {
                    delta[key] = inner;
                }
            }
            else if (!JsonNode.DeepEquals(value, other))
            {
                delta[key] = value?.DeepClone();
            }
        }

        return delta;
    }

    private static JsonObject DeltaMetadata(JsonObject delta, JsonObject? desiredMeta)
    {
        var meta = new JsonObject();
        foreach ((string key, JsonNode? value) in delta)
        {
            JsonNode? m = desiredMeta?[key];
            meta[key] = value is JsonObject inner && m is JsonObject innerMeta ? DeltaMetadata(inner, innerMeta) : m?.DeepClone();
        }

        return meta;
    }

    private sealed class Shadow
    {
        public bool Exists { get; set; }

        public long Version { get; set; }

        public JsonObject? Desired { get; set; }

        public JsonObject? Reported { get; set; }

        public JsonObject? DesiredMeta { get; set; }

        public JsonObject? ReportedMeta { get; set; }

        public JsonObject Document(bool includeDelta, long now)
        {
            var state = new JsonObject();
            var metadata = new JsonObject();
            if (Desired is not null)
            {
                state["desired"] = Desired.DeepClone();
                metadata["desired"] = DesiredMeta?.DeepClone();
            }

            if (Reported is not null)
            {
                state["reported"] = Reported.DeepClone();
                metadata["reported"] = ReportedMeta?.DeepClone();
            }

            if (includeDelta && Delta(Desired, Reported) is { Count: > 0 } delta)
            {
                state["delta"] = delta;
            }

            return new JsonObject { ["state"] = state, ["metadata"] = metadata, ["version"] = Version, ["timestamp"] = now };
        }
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace KvsEdge.TestSupport;

/// <summary>
/// In-memory collections, faces and stream processors behind a <see cref="RekognitionWireListener"/> (whose wire checks
/// stay as strict as ever), answering with the documented response shapes and error bodies, so that idempotent set-up
/// code can be run twice against it. IndexFaces answers by image content: a test photo carries a marker
/// (<see cref="Photo"/>) saying how many faces it shows or why its face is unusable.
/// </summary>
public sealed class RekognitionWireState
{
    public const string AccountId = "123456789012";

    private const string FacesMarker = "kvsedge-test-faces=";
    private const string ReasonMarker = "kvsedge-test-unindexed=";

    private readonly Lock _gate = new();
    private readonly string _region;
    private readonly Dictionary<string, List<JsonObject>> _collections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _processors = new(StringComparer.Ordinal);

    public RekognitionWireState(RekognitionWireListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        _region = listener.Region;
        listener
            .Handle("CreateCollection", CreateCollection)
            .Handle("DescribeCollection", DescribeCollection)
            .Handle("DeleteCollection", DeleteCollection)
            .Handle("IndexFaces", IndexFaces)
            .Handle("ListFaces", ListFaces)
            .Handle("DeleteFaces", DeleteFaces)
            .Handle("CreateStreamProcessor", CreateStreamProcessor)
            .Handle("DescribeStreamProcessor", DescribeStreamProcessor)
            .Handle("StartStreamProcessor", StartStreamProcessor)
            .Handle("StopStreamProcessor", StopStreamProcessor)
            .Handle("DeleteStreamProcessor", DeleteStreamProcessor)
            .Handle("ListStreamProcessors", ListStreamProcessors);
    }

    /// <summary>When true, a stopped processor reports STOPPING to the first DescribeStreamProcessor, as AWS does for a while.</summary>
    public bool StopTakesADescribe { get; set; }

    public IReadOnlyList<string> Collections
    {
        get
        {
            lock (_gate)
            {
                return [.. _collections.Keys];
            }
        }
    }

    /// <summary>The ExternalImageIds stored in <paramref name="collectionId"/>, one per face.</summary>
    public IReadOnlyList<string> ExternalImageIds(string collectionId)
    {
        lock (_gate)
        {
            return _collections.TryGetValue(collectionId, out var faces)
                ? [.. faces.Select(f => (string?)f["ExternalImageId"] ?? string.Empty)]
                : [];
        }
    }

    /// <summary>A copy of a processor as DescribeStreamProcessor would answer, or null.</summary>
    public JsonObject? Processor(string name)
    {
        lock (_gate)
        {
            return _processors.TryGetValue(name, out var processor) ? (JsonObject)processor.DeepClone() : null;
        }
    }

    /// <summary>Puts a processor in place as if someone else had created it (conflict tests).</summary>
    public void SeedProcessor(string name, string videoArn, string dataArn, string roleArn, string collectionId, double threshold)
    {
        lock (_gate)
        {
            _processors[name] = NewProcessor(name, videoArn, dataArn, roleArn, collectionId, threshold);
        }
    }

    /// <summary>
    /// Bytes that pass a JPEG (or PNG) magic check and tell this fake what IndexFaces finds: <paramref name="faces"/> faces,
    /// or one face left unindexed for <paramref name="unindexedReason"/> (SMALL_BOUNDING_BOX, LOW_SHARPNESS, …).
    /// </summary>
    public static byte[] Photo(int faces = 1, string? unindexedReason = null, bool png = false, int padTo = 0)
    {
        byte[] magic = png ? [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] : [0xFF, 0xD8, 0xFF, 0xE0];
        var marker = unindexedReason is null
            ? FacesMarker + faces.ToString(CultureInfo.InvariantCulture)
            : ReasonMarker + unindexedReason;
        var body = Encoding.ASCII.GetBytes(" " + marker + " ");
        var bytes = new byte[Math.Max(magic.Length + body.Length, padTo)];
        magic.CopyTo(bytes, 0);
        body.CopyTo(bytes, magic.Length);
        return bytes;
    }

    private WireResponse CreateCollection(JsonObject body)
    {
        var id = (string)body["CollectionId"]!;
        lock (_gate)
        {
            if (!_collections.TryAdd(id, []))
            {
                return RekognitionWireResponses.ResourceAlreadyExists($"The collection id: {id} already exists");
            }
        }

        return RekognitionWireResponses.Ok(new JsonObject
        {
            ["StatusCode"] = 200,
            ["CollectionArn"] = CollectionArn(id),
            ["FaceModelVersion"] = "7.0",
        });
    }

    private WireResponse DescribeCollection(JsonObject body) => WithCollection(body, (id, faces) => RekognitionWireResponses.Ok(new JsonObject
    {
        ["FaceCount"] = faces.Count,
        ["FaceModelVersion"] = "7.0",
        ["CollectionARN"] = CollectionArn(id),
        ["CreationTimestamp"] = 1795581309.147,
        ["UserCount"] = 0,
    }));

    private WireResponse DeleteCollection(JsonObject body)
    {
        var id = (string)body["CollectionId"]!;
        lock (_gate)
        {
            if (!_collections.Remove(id))
            {
                return NoCollection(id);
            }
        }

        return RekognitionWireResponses.Ok(new JsonObject { ["StatusCode"] = 200 });
    }

    private WireResponse IndexFaces(JsonObject body) => WithCollection(body, (_, faces) =>
    {
        if (body["Image"]?["Bytes"] is not JsonValue encoded)
        {
            return RekognitionWireResponses.InvalidParameter("This fake indexes Image.Bytes only.");
        }

        var text = Encoding.ASCII.GetString(Convert.FromBase64String((string)encoded!));
        var maxFaces = body["MaxFaces"] is JsonValue max ? max.GetValue<int>() : 100;
        var externalId = (string?)body["ExternalImageId"];
        var records = new JsonArray();
        var unindexed = new JsonArray();
        if (Marker(text, ReasonMarker) is { } reason)
        {
            unindexed.Add(RekognitionWireResponses.UnindexedFace(reason));
        }
        else
        {
            var count = int.Parse(Marker(text, FacesMarker) ?? "1", CultureInfo.InvariantCulture);
            if (count == 0)
            {
                return RekognitionWireResponses.NoFacesInImage();
            }

            var imageId = Guid.NewGuid().ToString();
            for (var i = 0; i < count; i++)
            {
                if (i < maxFaces)
                {
                    var face = RekognitionWireResponses.Face(Guid.NewGuid().ToString(), externalId, imageId: imageId);
                    faces.Add((JsonObject)face.DeepClone());
                    records.Add(RekognitionWireResponses.FaceRecord(face));
                }
                else
                {
                    unindexed.Add(RekognitionWireResponses.UnindexedFace("EXCEEDS_MAX_FACES"));
                }
            }
        }

        return RekognitionWireResponses.IndexFaces(records, unindexed);
    });

    private WireResponse ListFaces(JsonObject body) => WithCollection(body, (_, faces) =>
    {
        // Pages of two, so callers must follow NextToken.
        var start = body["NextToken"] is JsonValue token ? int.Parse((string)token!, CultureInfo.InvariantCulture) : 0;
        var page = faces.Skip(start).Take(2).Select(f => (JsonNode?)f.DeepClone()).ToArray();
        var next = start + page.Length < faces.Count ? (start + page.Length).ToString(CultureInfo.InvariantCulture) : null;
        return RekognitionWireResponses.ListFaces(new JsonArray(page), next);
    });

    private WireResponse DeleteFaces(JsonObject body) => WithCollection(body, (_, faces) =>
    {
        var deleted = new JsonArray();
        foreach (var id in body["FaceIds"]!.AsArray().Select(n => (string)n!))
        {
            if (faces.RemoveAll(f => (string?)f["FaceId"] == id) > 0)
            {
                deleted.Add(id);
            }
        }

        return RekognitionWireResponses.Ok(new JsonObject { ["DeletedFaces"] = deleted, ["UnsuccessfulFaceDeletions"] = new JsonArray() });
    });

    private WireResponse CreateStreamProcessor(JsonObject body)
    {
        var name = (string)body["Name"]!;
        var processor = NewProcessor(
            name,
            (string)body["Input"]!["KinesisVideoStream"]!["Arn"]!,
            (string)body["Output"]!["KinesisDataStream"]!["Arn"]!,
            (string)body["RoleArn"]!,
            (string)body["Settings"]!["FaceSearch"]!["CollectionId"]!,
            // The service raises thresholds under 80 to 80 (and uses 80 when none is given).
            Math.Max(body["Settings"]!["FaceSearch"]!["FaceMatchThreshold"] is JsonValue t ? t.GetValue<double>() : 80, 80));
        lock (_gate)
        {
            if (!_processors.TryAdd(name, processor))
            {
                return RekognitionWireResponses.ResourceInUse($"Stream processor {name} already exists.");
            }
        }

        return RekognitionWireResponses.Ok(new JsonObject { ["StreamProcessorArn"] = processor["StreamProcessorArn"]!.DeepClone() });
    }

    private WireResponse DescribeStreamProcessor(JsonObject body) => WithProcessor(body, processor =>
    {
        var answer = (JsonObject)processor.DeepClone();
        if ((string?)processor["Status"] == "STOPPING")
        {
            processor["Status"] = "STOPPED";
        }

        return RekognitionWireResponses.Ok(answer);
    });

    private WireResponse StartStreamProcessor(JsonObject body) => WithProcessor(body, processor =>
    {
        if ((string?)processor["Status"] is not ("STOPPED" or "FAILED"))
        {
            return RekognitionWireResponses.ResourceInUse($"Stream processor is {(string?)processor["Status"]}.");
        }

        processor["Status"] = "RUNNING";
        return RekognitionWireResponses.Ok(new JsonObject());
    });

    private WireResponse StopStreamProcessor(JsonObject body) => WithProcessor(body, processor =>
    {
        if ((string?)processor["Status"] is not ("RUNNING" or "STARTING"))
        {
            return RekognitionWireResponses.ResourceInUse($"Stream processor is {(string?)processor["Status"]}.");
        }

        processor["Status"] = StopTakesADescribe ? "STOPPING" : "STOPPED";
        return RekognitionWireResponses.Ok(new JsonObject());
    });

    private WireResponse DeleteStreamProcessor(JsonObject body)
    {
        var name = (string)body["Name"]!;
        lock (_gate)
        {
            if (!_processors.TryGetValue(name, out var processor))
            {
                return NoProcessor(name);
            }

            if ((string?)processor["Status"] is "RUNNING" or "STARTING" or "STOPPING")
            {
                return RekognitionWireResponses.ResourceInUse($"Stream processor {name} is {(string?)processor["Status"]}: stop it first.");
            }

            _processors.Remove(name);
        }

        return RekognitionWireResponses.Ok(new JsonObject());
    }

    private WireResponse ListStreamProcessors(JsonObject body)
    {
        lock (_gate)
        {
            return RekognitionWireResponses.ListStreamProcessors(
                null, [.. _processors.Values.Select(p => ((string)p["Name"]!, (string)p["Status"]!))]);
        }
    }

    private WireResponse WithCollection(JsonObject body, Func<string, List<JsonObject>, WireResponse> respond)
    {
        var id = (string)body["CollectionId"]!;
        lock (_gate)
        {
            return _collections.TryGetValue(id, out var faces) ? respond(id, faces) : NoCollection(id);
        }
    }

    private WireResponse WithProcessor(JsonObject body, Func<JsonObject, WireResponse> respond)
    {
        var name = (string)body["Name"]!;
        lock (_gate)
        {
            return _processors.TryGetValue(name, out var processor) ? respond(processor) : NoProcessor(name);
        }
    }

    private JsonObject NewProcessor(string name, string videoArn, string dataArn, string roleArn, string collectionId, double threshold) =>
        RekognitionWireResponses.StreamProcessor(name, "STOPPED", videoArn, dataArn, roleArn, collectionId, threshold, _region);

    private string CollectionArn(string id) => $"aws:rekognition:{_region}:{AccountId}:collection/{id}";

    private static WireResponse NoCollection(string id) => RekognitionWireResponses.ResourceNotFound($"The collection id: {id} does not exist");

    private static WireResponse NoProcessor(string name) =>
        RekognitionWireResponses.ResourceNotFound($"Stream processor {name} does not exist.");

    private static string? Marker(string text, string marker)
    {
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var start = at + marker.Length;
        var end = text.IndexOf(' ', start);
        return text[start..(end < 0 ? text.Length : end)];
    }
}

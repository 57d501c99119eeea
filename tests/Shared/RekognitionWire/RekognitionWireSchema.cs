using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KvsEdge.TestSupport;

/// <summary>
/// The request shapes of the Rekognition operations KvsEdge calls, transcribed from the API reference
/// (docs.aws.amazon.com/rekognition/latest/APIReference): field names, required flags, JSON types, lengths, patterns
/// and enum values. Checking a body yields a list of problems; an empty list means the body is valid.
/// </summary>
public abstract class WireShape
{
    public abstract void Check(JsonNode? node, string path, List<string> problems);

    public static WireShape Str(int min = 1, int max = int.MaxValue, string? pattern = null) => new StringShape(min, max, pattern);

    public static WireShape Enum(params string[] values) => new EnumShape(values);

    public static WireShape Whole(long min = long.MinValue, long max = long.MaxValue) => new NumberShape(integer: true, min, max);

    public static WireShape Real(double min = double.MinValue, double max = double.MaxValue) => new NumberShape(integer: false, min, max);

    public static WireShape Bool() => new BoolShape();

    /// <summary>A base64 blob whose decoded length is within bounds.</summary>
    public static WireShape Blob(int minBytes, int maxBytes) => new BlobShape(minBytes, maxBytes);

    public static WireShape List(WireShape item, int min = 0, int max = int.MaxValue) => new ListShape(item, min, max);

    public static WireShape Map(WireShape value) => new MapShape(value);

    public static ObjectShape Obj() => new();

    private sealed class StringShape(int min, int max, string? pattern) : WireShape
    {
        private readonly Regex? _pattern = pattern is null ? null : new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant);

        public override void Check(JsonNode? node, string path, List<string> problems)
        {
            if (node is not JsonValue value || !value.TryGetValue(out string? text))
            {
                problems.Add($"{path} must be a string, got {Describe(node)}");
                return;
            }

            if (text.Length < min || text.Length > max)
            {
                problems.Add($"{path} length {text.Length} is outside {min}..{max}");
            }

            if (_pattern is not null && !_pattern.IsMatch(text))
            {
                problems.Add($"{path} '{text}' does not match {pattern}");
            }
        }
    }

    private sealed class EnumShape(string[] values) : WireShape
    {
        public override void Check(JsonNode? node, string path, List<string> problems)
        {
            if (node is not JsonValue value || !value.TryGetValue(out string? text))
            {
                problems.Add($"{path} must be a string, got {Describe(node)}");
                return;
            }

            if (Array.IndexOf(values, text) < 0)
            {
                problems.Add($"{path} '{text}' is not one of {string.Join("|", values)}");
            }
        }
    }

    private sealed class NumberShape(bool integer, double min, double max) : WireShape
    {
        public override void Check(JsonNode? node, string path, List<string> problems)
        {
            if (node is not JsonValue value || value.GetValueKind() != System.Text.Json.JsonValueKind.Number)
            {
                problems.Add($"{path} must be a number, got {Describe(node)}");
                return;
            }

            var number = value.GetValue<double>();
            if (integer && Math.Floor(number) != number)
            {
                problems.Add($"{path} must be an integer, got {number}");
            }

            if (number < min || number > max)
            {
                problems.Add($"{path} {number} is outside {min}..{max}");
            }
        }
    }

    private sealed class BoolShape : WireShape
    {
        public override void Check(JsonNode? node, string path, List<string> problems)
        {
            var kind = node?.GetValueKind();
            if (kind is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
            {
                problems.Add($"{path} must be a boolean, got {Describe(node)}");
            }
        }
    }

    private sealed class BlobShape(int minBytes, int maxBytes) : WireShape
    {
        public override void Check(JsonNode? node, string path, List<string> problems)
        {
            if (node is not JsonValue value || !value.TryGetValue(out string? text))
            {
                problems.Add($"{path} must be a base64 string, got {Describe(node)}");
                return;
            }

            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                problems.Add($"{path} is not valid base64");
                return;
            }

            if (bytes.Length < minBytes || bytes.Length > maxBytes)
            {
                problems.Add($"{path} decodes to {bytes.Length} bytes, outside {minBytes}..{maxBytes}");
            }
        }
    }

    private sealed class ListShape(WireShape item, int min, int max) : WireShape
    {
        public override void Check(JsonNode? node, string path, List<string> problems)
        {
            if (node is not JsonArray array)
            {
                problems.Add($"{path} must be an array, got {Describe(node)}");
                return;
            }

            if (array.Count < min || array.Count > max)
            {
                problems.Add($"{path} has {array.Count} items, outside {min}..{max}");
            }

            for (var i = 0; i < array.Count; i++)
            {
                item.Check(array[i], $"{path}[{i}]", problems);
            }
        }
    }

    private sealed class MapShape(WireShape value) : WireShape
    {
        public override void Check(JsonNode? node, string path, List<string> problems)
        {
            if (node is not JsonObject map)
            {
                problems.Add($"{path} must be an object, got {Describe(node)}");
                return;
            }

            foreach (var (key, item) in map)
            {
                value.Check(item, $"{path}.{key}", problems);
            }
        }
    }

    internal static string Describe(JsonNode? node) => node is null ? "null" : node.GetValueKind().ToString();
}

/// <summary>A JSON structure: unknown members and missing required members are problems.</summary>
public sealed class ObjectShape : WireShape
{
    private readonly Dictionary<string, (WireShape Shape, bool Required)> _members = new(StringComparer.Ordinal);

    public ObjectShape Required(string name, WireShape shape)
    {
        _members.Add(name, (shape, true));
        return this;
    }

    public ObjectShape Optional(string name, WireShape shape)
    {
        _members.Add(name, (shape, false));
        return this;
    }

    public override void Check(JsonNode? node, string path, List<string> problems)
    {
        if (node is not JsonObject obj)
        {
            problems.Add($"{path} must be an object, got {Describe(node)}");
            return;
        }

        foreach (var (name, (shape, required)) in _members)
        {
            if (obj.TryGetPropertyValue(name, out var member))
            {
                shape.Check(member, $"{path}.{name}", problems);
            }
            else if (required)
            {
                problems.Add($"{path}.{name} is required");
            }
        }

        foreach (var (name, _) in obj)
        {
            if (!_members.ContainsKey(name))
            {
                problems.Add($"{path}.{name} is not a member of the API shape");
            }
        }
    }
}

/// <summary>Request shapes per RekognitionService operation.</summary>
public static class RekognitionWireSchema
{
    private const string CollectionIdPattern = @"[a-zA-Z0-9_.\-]+";
    private const string ExternalImageIdPattern = @"[a-zA-Z0-9_.\-:]+";
    private const string FaceIdPattern = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private const string StreamProcessorNamePattern = @"[a-zA-Z0-9_.\-]+";
    private const string KinesisVideoArnPattern = @"(^arn:([a-z\d-]+):kinesisvideo:([a-z\d-]+):\d{12}:.+$)";
    private const string KinesisDataArnPattern = @"(^arn:([a-z\d-]+):kinesis:([a-z\d-]+):\d{12}:.+$)";
    private const string RoleArnPattern = @"arn:aws:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+";

    private static readonly string[] Qualities = ["NONE", "AUTO", "LOW", "MEDIUM", "HIGH"];

    private static readonly string[] Attributes =
    [
        "DEFAULT", "ALL", "AGE_RANGE", "BEARD", "EMOTIONS", "EYE_DIRECTION", "EYEGLASSES", "EYES_OPEN", "GENDER",
        "MOUTH_OPEN", "MUSTACHE", "FACE_OCCLUDED", "SMILE", "SUNGLASSES",
    ];

    private static WireShape CollectionId => WireShape.Str(1, 255, CollectionIdPattern);

    private static WireShape PaginationToken => WireShape.Str(0, 255);

    private static WireShape StreamProcessorName => WireShape.Str(1, 128, StreamProcessorNamePattern);

    private static ObjectShape ImageShape => WireShape.Obj()
        .Optional("Bytes", WireShape.Blob(1, 5 * 1024 * 1024))
        .Optional("S3Object", WireShape.Obj()
            .Optional("Bucket", WireShape.Str(3, 255, @"[0-9A-Za-z\.\-_]*"))
            .Optional("Name", WireShape.Str(1, 1024))
            .Optional("Version", WireShape.Str(1, 1024)));

    private static ObjectShape BoundingBox => WireShape.Obj()
        .Optional("Width", WireShape.Real()).Optional("Height", WireShape.Real())
        .Optional("Left", WireShape.Real()).Optional("Top", WireShape.Real());

    public static IReadOnlyDictionary<string, ObjectShape> Requests { get; } = new Dictionary<string, ObjectShape>(StringComparer.Ordinal)
    {
        ["CreateCollection"] = WireShape.Obj()
            .Required("CollectionId", CollectionId)
            .Optional("Tags", WireShape.Map(WireShape.Str(0, 256))),
        ["DescribeCollection"] = WireShape.Obj().Required("CollectionId", CollectionId),
        ["DeleteCollection"] = WireShape.Obj().Required("CollectionId", CollectionId),
        ["IndexFaces"] = WireShape.Obj()
            .Required("CollectionId", CollectionId)
            .Required("Image", ImageShape)
            .Optional("ExternalImageId", WireShape.Str(1, 255, ExternalImageIdPattern))
            .Optional("DetectionAttributes", WireShape.List(WireShape.Enum(Attributes)))
            .Optional("MaxFaces", WireShape.Whole(1))
            .Optional("QualityFilter", WireShape.Enum(Qualities)),
        ["ListFaces"] = WireShape.Obj()
            .Required("CollectionId", CollectionId)
            .Optional("NextToken", PaginationToken)
            .Optional("MaxResults", WireShape.Whole(0, 4096))
            .Optional("UserId", WireShape.Str(1, 128, @"[a-zA-Z0-9_.\-:]+"))
            .Optional("FaceIds", WireShape.List(WireShape.Str(pattern: FaceIdPattern), 1, 4096)),
        ["DeleteFaces"] = WireShape.Obj()
            .Required("CollectionId", CollectionId)
            .Required("FaceIds", WireShape.List(WireShape.Str(pattern: FaceIdPattern), 1, 4096)),
        ["SearchFacesByImage"] = WireShape.Obj()
            .Required("CollectionId", CollectionId)
            .Required("Image", ImageShape)
            .Optional("MaxFaces", WireShape.Whole(1, 4096))
            .Optional("FaceMatchThreshold", WireShape.Real(0, 100))
            .Optional("QualityFilter", WireShape.Enum(Qualities)),
        ["CreateStreamProcessor"] = WireShape.Obj()
            .Required("Input", WireShape.Obj()
                .Optional("KinesisVideoStream", WireShape.Obj().Optional("Arn", WireShape.Str(pattern: KinesisVideoArnPattern))))
            .Required("Output", WireShape.Obj()
                .Optional("KinesisDataStream", WireShape.Obj().Optional("Arn", WireShape.Str(pattern: KinesisDataArnPattern)))
                .Optional("S3Destination", WireShape.Obj()
                    .Optional("Bucket", WireShape.Str(3, 255))
                    .Optional("KeyPrefix", WireShape.Str(0, 1024))))
            .Required("Name", StreamProcessorName)
            .Required("Settings", WireShape.Obj()
                .Optional("FaceSearch", WireShape.Obj()
                    .Optional("CollectionId", CollectionId)
                    .Optional("FaceMatchThreshold", WireShape.Real(0, 100)))
                .Optional("ConnectedHome", WireShape.Obj()
                    .Required("Labels", WireShape.List(WireShape.Str(), 1, 128))
                    .Optional("MinConfidence", WireShape.Real(0, 100))))
            .Required("RoleArn", WireShape.Str(pattern: RoleArnPattern))
            .Optional("Tags", WireShape.Map(WireShape.Str(0, 256)))
            .Optional("NotificationChannel", WireShape.Obj().Required("SNSTopicArn", WireShape.Str()))
            .Optional("KmsKeyId", WireShape.Str(1, 2048))
            .Optional("RegionsOfInterest", WireShape.List(WireShape.Obj().Optional("BoundingBox", BoundingBox), 0, 10))
            .Optional("DataSharingPreference", WireShape.Obj().Required("OptIn", WireShape.Bool())),
        ["StartStreamProcessor"] = WireShape.Obj()
            .Required("Name", StreamProcessorName)
            .Optional("StartSelector", WireShape.Obj()
                .Optional("KVSStreamStartSelector", WireShape.Obj()
                    .Optional("ProducerTimestamp", WireShape.Whole(0))
                    .Optional("FragmentNumber", WireShape.Str(1, 128))))
            .Optional("StopSelector", WireShape.Obj().Optional("MaxDurationInSeconds", WireShape.Whole(1, 120))),
        ["StopStreamProcessor"] = WireShape.Obj().Required("Name", StreamProcessorName),
        ["DescribeStreamProcessor"] = WireShape.Obj().Required("Name", StreamProcessorName),
        ["DeleteStreamProcessor"] = WireShape.Obj().Required("Name", StreamProcessorName),
        ["ListStreamProcessors"] = WireShape.Obj()
            .Optional("NextToken", PaginationToken)
            .Optional("MaxResults", WireShape.Whole(1)),
    };

    /// <summary>Problems beyond what a shape can say: Image must carry exactly one of Bytes or S3Object.</summary>
    public static void CheckExtra(string operation, JsonObject body, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(problems);
        if (operation is "IndexFaces" or "SearchFacesByImage" && body["Image"] is JsonObject image)
        {
            var sources = (image.ContainsKey("Bytes") ? 1 : 0) + (image.ContainsKey("S3Object") ? 1 : 0);
            if (sources != 1)
            {
                problems.Add("$.Image must have exactly one of Bytes or S3Object");
            }

            if (image["S3Object"] is JsonObject s3 && (!s3.ContainsKey("Bucket") || !s3.ContainsKey("Name")))
            {
                problems.Add("$.Image.S3Object needs Bucket and Name");
            }
        }
    }
}

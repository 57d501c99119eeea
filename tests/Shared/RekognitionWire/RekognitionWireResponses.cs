using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KvsEdge.TestSupport;

/// <summary>Response bodies in the shapes the Rekognition API reference documents.</summary>
public static class RekognitionWireResponses
{
    public const string NoFacesMessage = "There are no faces in the image. Should be at least 1.";

    public static WireResponse Ok(string json) => new(200, json);

    public static WireResponse Ok(JsonNode json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return new(200, json.ToJsonString());
    }

    /// <summary>An AWS JSON 1.1 error: <c>{"__type":"...","Message":"..."}</c>, as Rekognition spells it.</summary>
    public static WireResponse Error(string type, string message, int status = 400) =>
        new(status, new JsonObject { ["__type"] = type, ["Message"] = message }.ToJsonString());

    public static WireResponse NoFacesInImage() => Error("InvalidParameterException", NoFacesMessage);

    public static WireResponse InvalidParameter(string message = "Request has invalid parameters") =>
        Error("InvalidParameterException", message);

    public static WireResponse ResourceAlreadyExists(string message = "The collection id: door already exists") =>
        Error("ResourceAlreadyExistsException", message);

    public static WireResponse ResourceNotFound(string message = "The collection id: door does not exist") =>
        Error("ResourceNotFoundException", message);

    public static WireResponse ResourceInUse(string message = "The resource is in use") => Error("ResourceInUseException", message);

    public static WireResponse ImageTooLarge() =>
        Error("ImageTooLargeException", "Image size is too large for the operation.");

    public static WireResponse InvalidImageFormat() =>
        Error("InvalidImageFormatException", "Request has invalid image format");

    public static WireResponse Throttling() => Error("ThrottlingException", "Rate exceeded");

    public static WireResponse ProvisionedThroughputExceeded() =>
        Error("ProvisionedThroughputExceededException", "Provisioned rate exceeded");

    public static WireResponse AccessDenied() =>
        Error("AccessDeniedException", "User is not authorized to perform: rekognition:SearchFacesByImage");

    public static JsonObject BoundingBox(double width = 0.2, double height = 0.3, double left = 0.4, double top = 0.1) =>
        new() { ["Width"] = width, ["Height"] = height, ["Left"] = left, ["Top"] = top };

    public static JsonObject Face(string faceId, string? externalImageId = null, double confidence = 99.99, string? imageId = null)
    {
        var face = new JsonObject
        {
            ["FaceId"] = faceId,
            ["BoundingBox"] = BoundingBox(),
            ["ImageId"] = imageId ?? Guid.NewGuid().ToString(),
            ["Confidence"] = confidence,
        };
        if (externalImageId is not null)
        {
            face["ExternalImageId"] = externalImageId;
        }

        return face;
    }

    /// <summary>The DEFAULT attribute set of a FaceDetail.</summary>
    public static JsonObject FaceDetail(double confidence = 99.9) => new()
    {
        ["BoundingBox"] = BoundingBox(),
        ["Confidence"] = confidence,
        ["Pose"] = new JsonObject { ["Roll"] = -1.5, ["Yaw"] = 3.25, ["Pitch"] = 0.5 },
        ["Quality"] = new JsonObject { ["Brightness"] = 80.5, ["Sharpness"] = 92.1 },
        ["Landmarks"] = new JsonArray(
            new JsonObject { ["Type"] = "eyeLeft", ["X"] = 0.45, ["Y"] = 0.2 },
            new JsonObject { ["Type"] = "eyeRight", ["X"] = 0.55, ["Y"] = 0.2 }),
        ["Emotions"] = new JsonArray(new JsonObject { ["Type"] = "CALM", ["Confidence"] = 90.0 }),
    };

    public static WireResponse CreateCollection(string collectionId, string region = "eu-west-1") => Ok(new JsonObject
    {
        ["StatusCode"] = 200,
        ["CollectionArn"] = $"aws:rekognition:{region}:123456789012:collection/{collectionId}",
        ["FaceModelVersion"] = "7.0",
    });

    public static WireResponse DescribeCollection(string collectionId, long faceCount, double creationEpochSeconds) => Ok(new JsonObject
    {
        ["FaceCount"] = faceCount,
        ["FaceModelVersion"] = "7.0",
        ["CollectionARN"] = $"arn:aws:rekognition:eu-west-1:123456789012:collection/{collectionId}",
        ["CreationTimestamp"] = creationEpochSeconds,
        ["UserCount"] = 0,
    });

    public static WireResponse IndexFaces(JsonArray faceRecords, JsonArray? unindexedFaces = null) => Ok(new JsonObject
    {
        ["FaceRecords"] = faceRecords,
        ["FaceModelVersion"] = "7.0",
        ["UnindexedFaces"] = unindexedFaces ?? [],
    });

    public static JsonObject FaceRecord(JsonObject face) => new() { ["Face"] = face, ["FaceDetail"] = FaceDetail() };

    public static JsonObject UnindexedFace(params string[] reasons) => new()
    {
        ["Reasons"] = new JsonArray([.. reasons.Select(r => (JsonNode?)JsonValue.Create(r))]),
        ["FaceDetail"] = FaceDetail(55.5),
    };

    public static WireResponse ListFaces(JsonArray faces, string? nextToken)
    {
        var body = new JsonObject { ["Faces"] = faces, ["FaceModelVersion"] = "7.0" };
        if (nextToken is not null)
        {
            body["NextToken"] = nextToken;
        }

        return Ok(body);
    }

    public static WireResponse SearchFacesByImage(JsonArray faceMatches, double searchedFaceConfidence = 99.98) => Ok(new JsonObject
    {
        ["SearchedFaceBoundingBox"] = BoundingBox(),
        ["SearchedFaceConfidence"] = searchedFaceConfidence,
        ["FaceMatches"] = faceMatches,
        ["FaceModelVersion"] = "7.0",
    });

    public static JsonObject FaceMatch(double similarity, JsonObject face) => new() { ["Similarity"] = similarity, ["Face"] = face };

    /// <summary>A face-search stream processor as DescribeStreamProcessor describes it.</summary>
    public static JsonObject StreamProcessor(
        string name,
        string status,
        string videoArn,
        string dataArn,
        string roleArn,
        string collectionId,
        double threshold,
        string region,
        string? statusMessage = null) => new()
    {
        ["Name"] = name,
        ["StreamProcessorArn"] = $"arn:aws:rekognition:{region}:123456789012:streamprocessor/{name}",
        ["Status"] = status,
        ["StatusMessage"] = statusMessage,
        ["CreationTimestamp"] = 1795581309.147,
        ["LastUpdateTimestamp"] = 1795581400.5,
        ["Input"] = new JsonObject { ["KinesisVideoStream"] = new JsonObject { ["Arn"] = videoArn } },
        ["Output"] = new JsonObject { ["KinesisDataStream"] = new JsonObject { ["Arn"] = dataArn } },
        ["RoleArn"] = roleArn,
        ["Settings"] = new JsonObject
        {
            ["FaceSearch"] = new JsonObject { ["CollectionId"] = collectionId, ["FaceMatchThreshold"] = threshold },
        },
    };

    public static WireResponse ListStreamProcessors(string? nextToken, params (string Name, string Status)[] processors)
    {
        var body = new JsonObject
        {
            ["StreamProcessors"] = new JsonArray(
                [.. processors.Select(p => (JsonNode?)new JsonObject { ["Name"] = p.Name, ["Status"] = p.Status })]),
        };
        if (nextToken is not null)
        {
            body["NextToken"] = nextToken;
        }

        return Ok(body);
    }

    /// <summary>Reads a JSON number the test sent, culture-independent, for assertions.</summary>
    public static double Number(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            ? value.GetValue<double>()
            : throw new FormatException($"Not a number: {node?.ToJsonString() ?? "null"}");

    internal static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

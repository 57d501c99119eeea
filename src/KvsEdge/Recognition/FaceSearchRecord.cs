using System.Text.Json.Serialization;

namespace KvsEdge.Recognition;

// Wire shape of one Rekognition stream-processor face-search record (Kinesis Data Streams payload).
// Every member is nullable on purpose: the parser checks presence itself so that its error names the
// exact missing field instead of failing inside the serializer with a generic message.

/// <summary>One face-search record as Rekognition writes it to the data stream.</summary>
internal sealed class FaceSearchRecord
{
    public FaceSearchInputInformation? InputInformation { get; set; }

    public FaceSearchStreamProcessorInformation? StreamProcessorInformation { get; set; }

    public List<FaceSearchResponseEntry?>? FaceSearchResponse { get; set; }
}

internal sealed class FaceSearchInputInformation
{
    public FaceSearchKinesisVideo? KinesisVideo { get; set; }
}

internal sealed class FaceSearchKinesisVideo
{
    public string? StreamArn { get; set; }

    /// <summary>Up to 128 digits: a string on the wire, and kept one (it does not fit any numeric type).</summary>
    public string? FragmentNumber { get; set; }

    /// <summary>Epoch seconds with a fraction (not milliseconds).</summary>
    public double? ServerTimestamp { get; set; }

    /// <summary>Epoch seconds with a fraction (not milliseconds).</summary>
    public double? ProducerTimestamp { get; set; }

    public double? FrameOffsetInSeconds { get; set; }
}

internal sealed class FaceSearchStreamProcessorInformation
{
    public string? Status { get; set; }
}

internal sealed class FaceSearchResponseEntry
{
    public FaceSearchDetectedFace? DetectedFace { get; set; }

    public List<FaceSearchMatchedFace?>? MatchedFaces { get; set; }
}

internal sealed class FaceSearchDetectedFace
{
    public FaceSearchBoundingBox? BoundingBox { get; set; }

    public double? Confidence { get; set; }

    public List<FaceSearchLandmark?>? Landmarks { get; set; }

    public FaceSearchPose? Pose { get; set; }

    public FaceSearchQuality? Quality { get; set; }
}

/// <summary>Ratios of the frame size; may lie slightly outside 0-1 when a face touches the frame edge.</summary>
internal sealed class FaceSearchBoundingBox
{
    public double? Height { get; set; }

    public double? Width { get; set; }

    public double? Left { get; set; }

    public double? Top { get; set; }
}

internal sealed class FaceSearchLandmark
{
    public double? X { get; set; }

    public double? Y { get; set; }

    public string? Type { get; set; }
}

internal sealed class FaceSearchPose
{
    public double? Pitch { get; set; }

    public double? Roll { get; set; }

    public double? Yaw { get; set; }
}

internal sealed class FaceSearchQuality
{
    public double? Brightness { get; set; }

    public double? Sharpness { get; set; }
}

internal sealed class FaceSearchMatchedFace
{
    /// <summary>0-100.</summary>
    public double? Similarity { get; set; }

    public FaceSearchCollectionFace? Face { get; set; }
}

/// <summary>The collection face that matched.</summary>
internal sealed class FaceSearchCollectionFace
{
    public FaceSearchBoundingBox? BoundingBox { get; set; }

    public string? FaceId { get; set; }

    public string? ExternalImageId { get; set; }

    public double? Confidence { get; set; }

    public string? ImageId { get; set; }
}

/// <summary>
/// Source-generated (trim/AOT-safe, no reflection) metadata. Strict on purpose: property names are
/// case-sensitive, numbers must be JSON numbers, comments and trailing commas are errors, and a
/// property given twice is an error (a record that says two things is ambiguous, so it never unlocks).
/// </summary>
[JsonSourceGenerationOptions(
    AllowDuplicateProperties = false,
    MaxDepth = FaceSearchRecordParser.MaxDepth,
    NumberHandling = JsonNumberHandling.Strict,
    PropertyNameCaseInsensitive = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    AllowTrailingCommas = false)]
[JsonSerializable(typeof(FaceSearchRecord))]
internal sealed partial class FaceSearchRecordJsonContext : JsonSerializerContext;

using System.Text.Json.Serialization;

namespace KvsEdge.Aws;

/// <summary>Which faces IndexFaces and SearchFacesByImage drop for low quality before doing their work.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<QualityFilter>))]
public enum QualityFilter
{
    /// <summary>Keep every detected face.</summary>
    [JsonStringEnumMemberName("NONE")]
    None,

    /// <summary>The service picks the bar (the AWS default for IndexFaces).</summary>
    [JsonStringEnumMemberName("AUTO")]
    Auto,

    [JsonStringEnumMemberName("LOW")]
    Low,

    [JsonStringEnumMemberName("MEDIUM")]
    Medium,

    [JsonStringEnumMemberName("HIGH")]
    High,
}

/// <summary>An object in S3 that Rekognition reads itself (same region as the client).</summary>
public sealed record S3Object
{
    public required string Bucket { get; init; }

    public required string Name { get; init; }

    /// <summary>Object version, when the bucket is versioned.</summary>
    public string? Version { get; init; }
}

/// <summary>The <c>Image</c> argument: exactly one of raw bytes (sent as base64, at most 5 MB) or an S3 object.</summary>
public sealed record RekognitionImage
{
    /// <summary>The most <see cref="Bytes"/> the API accepts: 5 MB, before base64.</summary>
    public const int MaxBytes = 5 * 1024 * 1024;

    private RekognitionImage()
    {
    }

    /// <summary>Encoded JPEG or PNG bytes; base64 on the wire.</summary>
    public ReadOnlyMemory<byte>? Bytes { get; private init; }

    public S3Object? S3Object { get; private init; }

    /// <exception cref="ArgumentException">Empty, or larger than <see cref="MaxBytes"/>.</exception>
    public static RekognitionImage FromBytes(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            throw new ArgumentException("The image is empty.", nameof(bytes));
        }

        if (bytes.Length > MaxBytes)
        {
            throw new ArgumentException(
                $"The image is {bytes.Length} bytes; Rekognition accepts at most {MaxBytes} bytes (5 MB) inline. "
                + "Use an S3 object for larger images.",
                nameof(bytes));
        }

        return new RekognitionImage { Bytes = bytes };
    }

    public static RekognitionImage FromS3(S3Object s3Object)
    {
        ArgumentNullException.ThrowIfNull(s3Object);
        ArgumentException.ThrowIfNullOrEmpty(s3Object.Bucket, nameof(s3Object));
        ArgumentException.ThrowIfNullOrEmpty(s3Object.Name, nameof(s3Object));
        return new RekognitionImage { S3Object = s3Object };
    }
}

/// <summary>Ratios of the image width and height; Left/Top can be slightly negative or above 1 for faces at the edge.</summary>
public sealed record BoundingBox
{
    public float? Width { get; init; }

    public float? Height { get; init; }

    public float? Left { get; init; }

    public float? Top { get; init; }
}

/// <summary>A face stored in a collection.</summary>
public sealed record Face
{
    public required string FaceId { get; init; }

    public BoundingBox? BoundingBox { get; init; }

    public string? ImageId { get; init; }

    public string? ExternalImageId { get; init; }

    /// <summary>0–100: how sure the service is that the box holds a face.</summary>
    public float? Confidence { get; init; }

    public string? IndexFacesModelVersion { get; init; }

    public string? UserId { get; init; }
}

public sealed record Pose
{
    public float? Roll { get; init; }

    public float? Yaw { get; init; }

    public float? Pitch { get; init; }
}

public sealed record ImageQuality
{
    public float? Brightness { get; init; }

    public float? Sharpness { get; init; }
}

public sealed record Landmark
{
    public string? Type { get; init; }

    public float? X { get; init; }

    public float? Y { get; init; }
}

/// <summary>
/// The DEFAULT attribute set (box, confidence, pose, quality, landmarks). Attributes only returned for ALL are not
/// modelled and are ignored when present.
/// </summary>
public sealed record FaceDetail
{
    public BoundingBox? BoundingBox { get; init; }

    public float? Confidence { get; init; }

    public Pose? Pose { get; init; }

    public ImageQuality? Quality { get; init; }

    public IReadOnlyList<Landmark> Landmarks { get => _landmarks; init => _landmarks = value ?? []; }

    private readonly IReadOnlyList<Landmark> _landmarks = [];
}

public sealed record FaceRecord
{
    public required Face Face { get; init; }

    public FaceDetail? FaceDetail { get; init; }
}

public sealed record UnindexedFace
{
    /// <summary>E.g. EXCEEDS_MAX_FACES, EXTREME_POSE, LOW_BRIGHTNESS, LOW_SHARPNESS, LOW_CONFIDENCE, SMALL_BOUNDING_BOX.</summary>
    public IReadOnlyList<string> Reasons { get => _reasons; init => _reasons = value ?? []; }

    private readonly IReadOnlyList<string> _reasons = [];

    public FaceDetail? FaceDetail { get; init; }
}

public sealed record FaceMatch
{
    /// <summary>0–100.</summary>
    public float Similarity { get; init; }

    public required Face Face { get; init; }
}

public sealed record CreateCollectionResult
{
    /// <summary>HTTP status code Rekognition reports for the creation (200).</summary>
    public int StatusCode { get; init; }

    public string? CollectionArn { get; init; }

    public string? FaceModelVersion { get; init; }
}

public sealed record CollectionDescription
{
    public long FaceCount { get; init; }

    public string? FaceModelVersion { get; init; }

    [JsonPropertyName("CollectionARN")]
    public string? CollectionArn { get; init; }

    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset? CreationTimestamp { get; init; }

    public long? UserCount { get; init; }
}

/// <summary>Optional IndexFaces arguments.</summary>
public sealed record IndexFacesOptions
{
    /// <summary>Stored with every face found in the image: <c>[a-zA-Z0-9_.\-:]+</c>, at most 255 characters.</summary>
    public string? ExternalImageId { get; init; }

    /// <summary>At least 1; the service never indexes more than 100 faces of one image.</summary>
    public int? MaxFaces { get; init; }

    public QualityFilter? QualityFilter { get; init; }

    /// <summary>DEFAULT, ALL, or single attributes such as AGE_RANGE; null sends nothing (DEFAULT).</summary>
    public IReadOnlyList<string>? DetectionAttributes { get; init; }
}

public sealed record IndexFacesResult
{
    public IReadOnlyList<FaceRecord> FaceRecords { get => _faceRecords; init => _faceRecords = value ?? []; }

    private readonly IReadOnlyList<FaceRecord> _faceRecords = [];

    public IReadOnlyList<UnindexedFace> UnindexedFaces { get => _unindexedFaces; init => _unindexedFaces = value ?? []; }

    private readonly IReadOnlyList<UnindexedFace> _unindexedFaces = [];

    public string? FaceModelVersion { get; init; }

    public string? OrientationCorrection { get; init; }
}

public sealed record ListFacesResult
{
    public IReadOnlyList<Face> Faces { get => _faces; init => _faces = value ?? []; }

    private readonly IReadOnlyList<Face> _faces = [];

    /// <summary>Null on the last page.</summary>
    public string? NextToken { get; init; }

    public string? FaceModelVersion { get; init; }
}

public sealed record UnsuccessfulFaceDeletion
{
    public string? FaceId { get; init; }

    public string? UserId { get; init; }

    public IReadOnlyList<string> Reasons { get => _reasons; init => _reasons = value ?? []; }

    private readonly IReadOnlyList<string> _reasons = [];
}

public sealed record DeleteFacesResult
{
    public IReadOnlyList<string> DeletedFaces { get => _deletedFaces; init => _deletedFaces = value ?? []; }

    private readonly IReadOnlyList<string> _deletedFaces = [];

    public IReadOnlyList<UnsuccessfulFaceDeletion> UnsuccessfulFaceDeletions
    {
        get => _unsuccessful;
        init => _unsuccessful = value ?? [];
    }

    private readonly IReadOnlyList<UnsuccessfulFaceDeletion> _unsuccessful = [];
}

/// <summary>Optional SearchFacesByImage arguments.</summary>
public sealed record SearchFacesByImageOptions
{
    /// <summary>0–100; the service default is 80.</summary>
    public float? FaceMatchThreshold { get; init; }

    /// <summary>1–4096.</summary>
    public int? MaxFaces { get; init; }

    public QualityFilter? QualityFilter { get; init; }
}

public sealed record SearchFacesByImageResult
{
    /// <summary>The largest face of the image: the one that was searched for.</summary>
    public BoundingBox? SearchedFaceBoundingBox { get; init; }

    public float? SearchedFaceConfidence { get; init; }

    /// <summary>Best match first.</summary>
    public IReadOnlyList<FaceMatch> FaceMatches { get => _faceMatches; init => _faceMatches = value ?? []; }

    private readonly IReadOnlyList<FaceMatch> _faceMatches = [];

    public string? FaceModelVersion { get; init; }
}

public sealed record KinesisVideoStreamReference
{
    public required string Arn { get; init; }
}

public sealed record KinesisDataStreamReference
{
    public required string Arn { get; init; }
}

public sealed record StreamProcessorInput
{
    public KinesisVideoStreamReference? KinesisVideoStream { get; init; }
}

public sealed record StreamProcessorOutput
{
    public KinesisDataStreamReference? KinesisDataStream { get; init; }
}

public sealed record FaceSearchSettings
{
    public string? CollectionId { get; init; }

    public float? FaceMatchThreshold { get; init; }
}

public sealed record StreamProcessorSettings
{
    public FaceSearchSettings? FaceSearch { get; init; }
}

/// <summary>What CreateStreamProcessor needs for a face-search processor: video in, matches out to Kinesis.</summary>
public sealed record FaceSearchStreamProcessorDefinition
{
    /// <summary><c>[a-zA-Z0-9_.\-]+</c>, at most 128 characters.</summary>
    public required string Name { get; init; }

    public required string KinesisVideoStreamArn { get; init; }

    public required string KinesisDataStreamArn { get; init; }

    /// <summary>IAM role Rekognition assumes to read the video stream and write the data stream.</summary>
    public required string RoleArn { get; init; }

    public required string CollectionId { get; init; }

    /// <summary>0–100; the service default is 80.</summary>
    public float? FaceMatchThreshold { get; init; }
}

public sealed record StreamProcessorDescription
{
    public string? Name { get; init; }

    public string? StreamProcessorArn { get; init; }

    /// <summary>STOPPED, STARTING, RUNNING, FAILED, STOPPING or UPDATING (a string so a new status never breaks parsing).</summary>
    public string? Status { get; init; }

    public string? StatusMessage { get; init; }

    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset? CreationTimestamp { get; init; }

    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset? LastUpdateTimestamp { get; init; }

    public StreamProcessorInput? Input { get; init; }

    public StreamProcessorOutput? Output { get; init; }

    public string? RoleArn { get; init; }

    public StreamProcessorSettings? Settings { get; init; }

    [JsonIgnore]
    public bool IsRunning => string.Equals(Status, "RUNNING", StringComparison.Ordinal);
}

public sealed record StreamProcessorSummary
{
    public string? Name { get; init; }

    public string? Status { get; init; }
}

public sealed record ListStreamProcessorsResult
{
    public IReadOnlyList<StreamProcessorSummary> StreamProcessors
    {
        get => _streamProcessors;
        init => _streamProcessors = value ?? [];
    }

    private readonly IReadOnlyList<StreamProcessorSummary> _streamProcessors = [];

    /// <summary>Null on the last page.</summary>
    public string? NextToken { get; init; }
}

using System.Text.Json.Serialization;

namespace KvsEdge.Aws;

// Request and envelope shapes exactly as the RekognitionService JSON 1.1 API names them.

internal sealed record CollectionIdRequest(string CollectionId);

internal sealed record DeleteCollectionResponse(int StatusCode);

internal sealed record ImageWire
{
    /// <summary>Serialized as base64, as the API requires.</summary>
    public ReadOnlyMemory<byte>? Bytes { get; init; }

    public S3Object? S3Object { get; init; }

    public static ImageWire From(RekognitionImage image) => new() { Bytes = image.Bytes, S3Object = image.S3Object };
}

internal sealed record IndexFacesRequest
{
    public required string CollectionId { get; init; }

    public required ImageWire Image { get; init; }

    public string? ExternalImageId { get; init; }

    public IReadOnlyList<string>? DetectionAttributes { get; init; }

    public int? MaxFaces { get; init; }

    public QualityFilter? QualityFilter { get; init; }
}

internal sealed record ListFacesRequest
{
    public required string CollectionId { get; init; }

    public string? NextToken { get; init; }

    public int? MaxResults { get; init; }
}

internal sealed record DeleteFacesRequest(string CollectionId, IReadOnlyList<string> FaceIds);

internal sealed record SearchFacesByImageRequest
{
    public required string CollectionId { get; init; }

    public required ImageWire Image { get; init; }

    public int? MaxFaces { get; init; }

    public float? FaceMatchThreshold { get; init; }

    public QualityFilter? QualityFilter { get; init; }
}

internal sealed record CreateStreamProcessorRequest
{
    public required StreamProcessorInput Input { get; init; }

    public required StreamProcessorOutput Output { get; init; }

    public required string Name { get; init; }

    public required StreamProcessorSettings Settings { get; init; }

    public required string RoleArn { get; init; }
}

internal sealed record CreateStreamProcessorResponse(string? StreamProcessorArn);

internal sealed record StreamProcessorNameRequest(string Name);

internal sealed record StartStreamProcessorResponse(string? SessionId);

internal sealed record ListStreamProcessorsRequest
{
    public string? NextToken { get; init; }

    public int? MaxResults { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CollectionIdRequest))]
[JsonSerializable(typeof(CreateCollectionResult))]
[JsonSerializable(typeof(CollectionDescription))]
[JsonSerializable(typeof(DeleteCollectionResponse))]
[JsonSerializable(typeof(IndexFacesRequest))]
[JsonSerializable(typeof(IndexFacesResult))]
[JsonSerializable(typeof(ListFacesRequest))]
[JsonSerializable(typeof(ListFacesResult))]
[JsonSerializable(typeof(DeleteFacesRequest))]
[JsonSerializable(typeof(DeleteFacesResult))]
[JsonSerializable(typeof(SearchFacesByImageRequest))]
[JsonSerializable(typeof(SearchFacesByImageResult))]
[JsonSerializable(typeof(CreateStreamProcessorRequest))]
[JsonSerializable(typeof(CreateStreamProcessorResponse))]
[JsonSerializable(typeof(StreamProcessorNameRequest))]
[JsonSerializable(typeof(StartStreamProcessorResponse))]
[JsonSerializable(typeof(StreamProcessorDescription))]
[JsonSerializable(typeof(ListStreamProcessorsRequest))]
[JsonSerializable(typeof(ListStreamProcessorsResult))]
internal sealed partial class RekognitionJsonContext : JsonSerializerContext;

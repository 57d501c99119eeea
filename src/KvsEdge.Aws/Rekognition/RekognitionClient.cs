using System.Text.RegularExpressions;

namespace KvsEdge.Aws;

/// <summary>The Rekognition face-collection and stream-processor operations KvsEdge uses, over the JSON 1.1 API.</summary>
public sealed partial class RekognitionClient : IDisposable
{
    /// <summary>Most face ids one DeleteFaces call accepts.</summary>
    public const int MaxFaceIdsPerDelete = 4096;

    private static readonly RekognitionJsonContext Json = RekognitionJsonContext.Default;

    private readonly AwsJsonServiceClient _client;

    /// <param name="options">Region, endpoint override, credentials and timeout.</param>
    /// <param name="innerHandler">
    /// Transport under the SigV4 signer (tests, proxies). Owned and disposed by this client. Must not follow redirects.
    /// </param>
    /// <exception cref="AwsConfigurationException">No region or no credentials could be found.</exception>
    public RekognitionClient(AwsClientOptions options, HttpMessageHandler? innerHandler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = new AwsJsonServiceClient(options, AwsJsonService.Rekognition, innerHandler);
    }

    public Uri ServiceUrl => _client.ServiceUrl;

    public string Region => _client.Region;

    /// <summary>
    /// True for the InvalidParameterException SearchFacesByImage (and IndexFaces) answer when the image holds no face:
    /// a normal outcome for a door camera, not a bug in the request.
    /// </summary>
    public static bool IsNoFaceInImage(AwsServiceException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return string.Equals(exception.ErrorCode, "InvalidParameterException", StringComparison.Ordinal)
            && exception.Message.Contains("no faces in the image", StringComparison.OrdinalIgnoreCase);
    }

    /// <exception cref="AwsResourceAlreadyExistsException">A collection with this id exists.</exception>
    public Task<CreateCollectionResult> CreateCollectionAsync(string collectionId, CancellationToken cancellationToken)
    {
        ValidateCollectionId(collectionId);
        return _client.SendAsync(
            "CreateCollection", new CollectionIdRequest(collectionId), Json.CollectionIdRequest, Json.CreateCollectionResult, cancellationToken);
    }

    /// <exception cref="AwsResourceNotFoundException">No such collection.</exception>
    public Task<CollectionDescription> DescribeCollectionAsync(string collectionId, CancellationToken cancellationToken)
    {
        ValidateCollectionId(collectionId);
        return _client.SendAsync(
            "DescribeCollection", new CollectionIdRequest(collectionId), Json.CollectionIdRequest, Json.CollectionDescription, cancellationToken);
    }

    /// <returns>The status code Rekognition reports (200).</returns>
    /// <exception cref="AwsResourceNotFoundException">No such collection.</exception>
    public async Task<int> DeleteCollectionAsync(string collectionId, CancellationToken cancellationToken)
    {
        ValidateCollectionId(collectionId);
        var response = await _client.SendAsync(
            "DeleteCollection", new CollectionIdRequest(collectionId), Json.CollectionIdRequest, Json.DeleteCollectionResponse, cancellationToken)
            .ConfigureAwait(false);
        return response.StatusCode;
    }

    /// <summary>Detects the faces of <paramref name="image"/> and stores them in the collection.</summary>
    /// <exception cref="AwsInvalidArgumentException">Bad parameter, image too large or not JPEG/PNG.</exception>
    public Task<IndexFacesResult> IndexFacesAsync(
        string collectionId,
        RekognitionImage image,
        IndexFacesOptions? options,
        CancellationToken cancellationToken)
    {
        ValidateCollectionId(collectionId);
        ArgumentNullException.ThrowIfNull(image);
        options ??= new IndexFacesOptions();
        if (options.ExternalImageId is not null)
        {
            ValidateExternalImageId(options.ExternalImageId);
        }

        if (options.MaxFaces is { } maxFaces)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxFaces, 1, nameof(options));
        }

        var request = new IndexFacesRequest
        {
            CollectionId = collectionId,
            Image = ImageWire.From(image),
            ExternalImageId = options.ExternalImageId,
            DetectionAttributes = options.DetectionAttributes,
            MaxFaces = options.MaxFaces,
            QualityFilter = options.QualityFilter,
        };
        return _client.SendAsync("IndexFaces", request, Json.IndexFacesRequest, Json.IndexFacesResult, cancellationToken);
    }

    /// <summary>One page of the faces stored in the collection. The collection id is sent on every page.</summary>
    /// <param name="maxResults">0 to 4,096; null lets the service decide.</param>
    public Task<ListFacesResult> ListFacesAsync(
        string collectionId,
        string? nextToken,
        int? maxResults,
        CancellationToken cancellationToken)
    {
        ValidateCollectionId(collectionId);
        if (maxResults is { } value)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(maxResults));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 4096, nameof(maxResults));
        }

        return _client.SendAsync(
            "ListFaces",
            new ListFacesRequest { CollectionId = collectionId, NextToken = nextToken, MaxResults = maxResults },
            Json.ListFacesRequest,
            Json.ListFacesResult,
            cancellationToken);
    }

    /// <summary>Every face of the collection, following NextToken to the last page.</summary>
    public async Task<IReadOnlyList<Face>> ListAllFacesAsync(string collectionId, CancellationToken cancellationToken)
    {
        ValidateCollectionId(collectionId);
        var faces = new List<Face>();
        string? nextToken = null;
        do
        {
            var page = await ListFacesAsync(collectionId, nextToken, null, cancellationToken).ConfigureAwait(false);
            faces.AddRange(page.Faces);
            nextToken = string.IsNullOrEmpty(page.NextToken) ? null : page.NextToken;
        }
        while (nextToken is not null);

        return faces;
    }

    /// <param name="faceIds">1 to 4,096 face ids.</param>
    public Task<DeleteFacesResult> DeleteFacesAsync(
        string collectionId,
        IReadOnlyCollection<string> faceIds,
        CancellationToken cancellationToken)
    {
        ValidateCollectionId(collectionId);
        ArgumentNullException.ThrowIfNull(faceIds);
        if (faceIds.Count is 0 or > MaxFaceIdsPerDelete)
        {
            throw new ArgumentException(
                $"DeleteFaces takes 1 to {MaxFaceIdsPerDelete} face ids, got {faceIds.Count}.", nameof(faceIds));
        }

        if (faceIds.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Face ids must not be null or empty.", nameof(faceIds));
        }

        return _client.SendAsync(
            "DeleteFaces", new DeleteFacesRequest(collectionId, [.. faceIds]), Json.DeleteFacesRequest, Json.DeleteFacesResult, cancellationToken);
    }

    /// <summary>Searches the collection for the largest face of <paramref name="image"/>.</summary>
    /// <exception cref="AwsInvalidArgumentException">
    /// Among others when the image has no face: test with <see cref="IsNoFaceInImage"/>.
    /// </exception>
    public Task<SearchFacesByImageResult> SearchFacesByImageAsync(
        string collectionId,
        RekognitionImage image,
        SearchFacesByImageOptions? options,
        CancellationToken cancellationToken)
    {
        ValidateCollectionId(collectionId);
        ArgumentNullException.ThrowIfNull(image);
        options ??= new SearchFacesByImageOptions();
        if (options.FaceMatchThreshold is { } threshold)
        {
            ValidateThreshold(threshold, nameof(options));
        }

        if (options.MaxFaces is { } maxFaces)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxFaces, 1, nameof(options));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(maxFaces, 4096, nameof(options));
        }

        var request = new SearchFacesByImageRequest
        {
            CollectionId = collectionId,
            Image = ImageWire.From(image),
            MaxFaces = options.MaxFaces,
            FaceMatchThreshold = options.FaceMatchThreshold,
            QualityFilter = options.QualityFilter,
        };
        return _client.SendAsync(
            "SearchFacesByImage", request, Json.SearchFacesByImageRequest, Json.SearchFacesByImageResult, cancellationToken);
    }

    /// <returns>The stream processor ARN.</returns>
    /// <exception cref="AwsResourceInUseException">A stream processor with this name exists.</exception>
    public async Task<string?> CreateStreamProcessorAsync(
        FaceSearchStreamProcessorDefinition definition,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ValidateStreamProcessorName(definition.Name);
        ArgumentException.ThrowIfNullOrEmpty(definition.KinesisVideoStreamArn, nameof(definition));
        ArgumentException.ThrowIfNullOrEmpty(definition.KinesisDataStreamArn, nameof(definition));
        ArgumentException.ThrowIfNullOrEmpty(definition.RoleArn, nameof(definition));
        ValidateCollectionId(definition.CollectionId);
        if (definition.FaceMatchThreshold is { } threshold)
        {
            ValidateThreshold(threshold, nameof(definition));
        }

        var request = new CreateStreamProcessorRequest
        {
            Input = new StreamProcessorInput { KinesisVideoStream = new() { Arn = definition.KinesisVideoStreamArn } },
            Output = new StreamProcessorOutput { KinesisDataStream = new() { Arn = definition.KinesisDataStreamArn } },
            Name = definition.Name,
            Settings = new StreamProcessorSettings
            {
                FaceSearch = new FaceSearchSettings
                {
                    CollectionId = definition.CollectionId,
                    FaceMatchThreshold = definition.FaceMatchThreshold,
                },
            },
            RoleArn = definition.RoleArn,
        };
        var response = await _client.SendAsync(
            "CreateStreamProcessor", request, Json.CreateStreamProcessorRequest, Json.CreateStreamProcessorResponse, cancellationToken)
            .ConfigureAwait(false);
        return response.StreamProcessorArn;
    }

    /// <returns>The session id (label-detection processors only; null for face search).</returns>
    /// <exception cref="AwsResourceInUseException">The processor is not STOPPED.</exception>
    public async Task<string?> StartStreamProcessorAsync(string name, CancellationToken cancellationToken)
    {
        ValidateStreamProcessorName(name);
        var response = await _client.SendAsync(
            "StartStreamProcessor", new StreamProcessorNameRequest(name), Json.StreamProcessorNameRequest, Json.StartStreamProcessorResponse, cancellationToken)
            .ConfigureAwait(false);
        return response.SessionId;
    }

    /// <exception cref="AwsResourceInUseException">The processor is not RUNNING.</exception>
    public Task StopStreamProcessorAsync(string name, CancellationToken cancellationToken)
    {
        ValidateStreamProcessorName(name);
        return _client.SendAsync("StopStreamProcessor", new StreamProcessorNameRequest(name), Json.StreamProcessorNameRequest, cancellationToken);
    }

    public Task<StreamProcessorDescription> DescribeStreamProcessorAsync(string name, CancellationToken cancellationToken)
    {
        ValidateStreamProcessorName(name);
        return _client.SendAsync(
            "DescribeStreamProcessor", new StreamProcessorNameRequest(name), Json.StreamProcessorNameRequest, Json.StreamProcessorDescription, cancellationToken);
    }

    /// <param name="maxResults">At least 1; null lets the service decide.</param>
    public Task<ListStreamProcessorsResult> ListStreamProcessorsAsync(
        string? nextToken,
        int? maxResults,
        CancellationToken cancellationToken)
    {
        if (maxResults is { } value)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(maxResults));
        }

        return _client.SendAsync(
            "ListStreamProcessors",
            new ListStreamProcessorsRequest { NextToken = nextToken, MaxResults = maxResults },
            Json.ListStreamProcessorsRequest,
            Json.ListStreamProcessorsResult,
            cancellationToken);
    }

    /// <summary>Every stream processor of the account and region, following NextToken to the last page.</summary>
    public async Task<IReadOnlyList<StreamProcessorSummary>> ListAllStreamProcessorsAsync(CancellationToken cancellationToken)
    {
        var processors = new List<StreamProcessorSummary>();
        string? nextToken = null;
        do
        {
            var page = await ListStreamProcessorsAsync(nextToken, null, cancellationToken).ConfigureAwait(false);
            processors.AddRange(page.StreamProcessors);
            nextToken = string.IsNullOrEmpty(page.NextToken) ? null : page.NextToken;
        }
        while (nextToken is not null);

        return processors;
    }

    /// <exception cref="AwsResourceInUseException">The processor is still running: stop it first.</exception>
    public Task DeleteStreamProcessorAsync(string name, CancellationToken cancellationToken)
    {
        ValidateStreamProcessorName(name);
        return _client.SendAsync("DeleteStreamProcessor", new StreamProcessorNameRequest(name), Json.StreamProcessorNameRequest, cancellationToken);
    }

    public void Dispose() => _client.Dispose();

    [GeneratedRegex(@"^[a-zA-Z0-9_.\-]+$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^[a-zA-Z0-9_.\-:]+$")]
    private static partial Regex ExternalImageIdPattern();

    internal static void ValidateCollectionId(string collectionId) =>
        ValidateName(collectionId, IdPattern(), 255, "collection id", @"[a-zA-Z0-9_.\-]+", nameof(collectionId));

    internal static void ValidateExternalImageId(string externalImageId) =>
        ValidateName(externalImageId, ExternalImageIdPattern(), 255, "external image id", @"[a-zA-Z0-9_.\-:]+", nameof(externalImageId));

    internal static void ValidateStreamProcessorName(string name) =>
        ValidateName(name, IdPattern(), 128, "stream processor name", @"[a-zA-Z0-9_.\-]+", nameof(name));

    private static void ValidateName(string value, Regex pattern, int maxLength, string what, string patternText, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, paramName);
        if (value.Length > maxLength)
        {
            throw new ArgumentException($"The {what} is {value.Length} characters; at most {maxLength} are allowed.", paramName);
        }

        if (!pattern.IsMatch(value))
        {
            throw new ArgumentException($"The {what} '{value}' must match {patternText}.", paramName);
        }
    }

    private static void ValidateThreshold(float threshold, string paramName)
    {
        if (!(threshold is >= 0f and <= 100f))
        {
            throw new ArgumentOutOfRangeException(paramName, threshold, "FaceMatchThreshold must be between 0 and 100.");
        }
    }
}

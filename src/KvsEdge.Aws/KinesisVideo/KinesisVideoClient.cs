namespace KvsEdge.Aws;

/// <summary>
/// The Kinesis Video Streams control-plane operations KvsEdge uses, over the REST-JSON API (signed as
/// <c>kinesisvideo</c>). Wherever a stream is named, a value starting with <c>arn:</c> is sent as <c>StreamARN</c> and
/// anything else as <c>StreamName</c> (stream names cannot contain a colon).
/// </summary>
public sealed class KinesisVideoClient : IDisposable
{
    internal static readonly AwsJsonService Service = new("Kinesis Video", "kinesisvideo", "kinesisvideo", TargetPrefix: string.Empty);

    /// <summary>Between DescribeStream polls; AWS takes seconds to create a stream, so faster buys nothing.</summary>
    internal static readonly TimeSpan ActivePollInterval = TimeSpan.FromSeconds(1);

    private static readonly KinesisVideoJsonContext Json = KinesisVideoJsonContext.Default;

    private readonly AwsClientSettings _settings;
    private readonly TimeSpan _timeout;
    private readonly AwsRestJsonServiceClient _client;

    /// <param name="options">Region, endpoint override (the control-plane endpoint), credentials and timeout.</param>
    /// <param name="innerHandler">
    /// Transport under the SigV4 signer (tests, proxies). Owned and disposed by this client. Must not follow redirects.
    /// </param>
    /// <exception cref="AwsConfigurationException">No region or no credentials could be found.</exception>
    public KinesisVideoClient(AwsClientOptions options, HttpMessageHandler? innerHandler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _settings = AwsClientSettings.Resolve(options, Service);
        _timeout = options.Timeout;
        _client = new AwsRestJsonServiceClient(_settings, Service, _timeout, innerHandler);
    }

    public Uri ServiceUrl => _client.ServiceUrl;

    public string Region => _client.Region;

    /// <summary>
    /// When set, replaces the data endpoint GetDataEndpoint(GET_CLIP) would return (a local stand-in, a proxy):
    /// <see cref="ResolveArchivedMediaEndpointAsync"/> then makes no call.
    /// </summary>
    public Uri? ArchivedMediaEndpoint { get; init; }

    /// <summary>Creates the stream and returns its ARN. The stream is usable once <see cref="WaitForActiveAsync"/> returns.</summary>
    /// <param name="dataRetentionInHours">0 keeps nothing (and GetClip then fails with NoDataRetention); at least 1 to archive.</param>
    /// <param name="mediaType">E.g. <c>video/h264</c>; optional.</param>
    /// <exception cref="AwsResourceInUseException">A stream with that name already exists.</exception>
    public async Task<string> CreateStreamAsync(
        string streamName,
        int dataRetentionInHours,
        string? mediaType,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        ArgumentOutOfRangeException.ThrowIfNegative(dataRetentionInHours);
        var request = new KvsCreateStreamRequest
        {
            StreamName = streamName,
            DataRetentionInHours = dataRetentionInHours,
            MediaType = string.IsNullOrEmpty(mediaType) ? null : mediaType,
        };
        var response = await _client.SendAsync(
            "CreateStream", "/createStream", request, Json.KvsCreateStreamRequest, Json.KvsCreateStreamResponse, cancellationToken)
            .ConfigureAwait(false);
        return string.IsNullOrEmpty(response.StreamArn)
            ? throw new AwsServiceException($"{Service.DisplayName} CreateStream returned no StreamARN.")
            : response.StreamArn;
    }

    /// <param name="stream">Stream name or ARN.</param>
    /// <exception cref="AwsResourceNotFoundException">No such stream.</exception>
    public async Task<KinesisVideoStreamInfo> DescribeStreamAsync(string stream, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        var response = await _client.SendAsync(
            "DescribeStream", "/describeStream", StreamRequest(stream, apiName: null), Json.KvsStreamRequest,
            Json.KvsDescribeStreamResponse, cancellationToken).ConfigureAwait(false);
        var info = response.StreamInfo;
        if (info is null || string.IsNullOrEmpty(info.StreamName) || string.IsNullOrEmpty(info.StreamArn)
            || string.IsNullOrEmpty(info.Status))
        {
            throw new AwsServiceException($"{Service.DisplayName} DescribeStream returned no StreamInfo for {stream}.");
        }

        return new KinesisVideoStreamInfo
        {
            StreamName = info.StreamName,
            StreamArn = info.StreamArn,
            Status = info.Status,
            DataRetentionInHours = info.DataRetentionInHours ?? 0,
            CurrentVersion = info.Version,
            CreationTime = info.CreationTime,
            MediaType = info.MediaType,
            DeviceName = info.DeviceName,
            KmsKeyId = info.KmsKeyId,
        };
    }

    /// <param name="streamArn">DeleteStream accepts only the ARN.</param>
    /// <param name="currentVersion">Optional safeguard (from DescribeStream): AWS refuses if the stream changed since.</param>
    public Task DeleteStreamAsync(string streamArn, string? currentVersion, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamArn);
        if (!IsArn(streamArn))
        {
            throw new ArgumentException($"DeleteStream needs the stream ARN (arn:aws:kinesisvideo:…), not '{streamArn}'.", nameof(streamArn));
        }

        return _client.SendAsync(
            "DeleteStream",
            "/deleteStream",
            new KvsDeleteStreamRequest { StreamArn = streamArn, CurrentVersion = string.IsNullOrEmpty(currentVersion) ? null : currentVersion },
            Json.KvsDeleteStreamRequest,
            cancellationToken);
    }

    /// <summary>The endpoint to send <paramref name="apiName"/> requests for this stream to (GetClip goes there, not here).</summary>
    /// <param name="stream">Stream name or ARN.</param>
    public async Task<Uri> GetDataEndpointAsync(string stream, KinesisVideoApiName apiName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        var response = await _client.SendAsync(
            "GetDataEndpoint", "/getDataEndpoint", StreamRequest(stream, ToWire(apiName)), Json.KvsStreamRequest,
            Json.KvsGetDataEndpointResponse, cancellationToken).ConfigureAwait(false);
        return Uri.TryCreate(response.DataEndpoint, UriKind.Absolute, out var endpoint)
            ? endpoint
            : throw new AwsServiceException(
                $"{Service.DisplayName} GetDataEndpoint returned an unusable endpoint '{response.DataEndpoint}' for {stream}.");
    }

    /// <summary><see cref="ArchivedMediaEndpoint"/> when set, else GetDataEndpoint(GET_CLIP).</summary>
    public async Task<Uri> ResolveArchivedMediaEndpointAsync(string stream, CancellationToken cancellationToken) =>
        ArchivedMediaEndpoint
        ?? await GetDataEndpointAsync(stream, KinesisVideoApiName.GetClip, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// An archived-media client for <paramref name="stream"/>'s GET_CLIP endpoint (or <see cref="ArchivedMediaEndpoint"/>),
    /// with this client's region, credentials and timeout. The caller owns and disposes it.
    /// </summary>
    /// <param name="innerHandler">Transport for the new client (owned by it); null for the default.</param>
    public async Task<KinesisVideoArchivedMediaClient> CreateArchivedMediaClientAsync(
        string stream,
        HttpMessageHandler? innerHandler,
        CancellationToken cancellationToken)
    {
        var endpoint = await ResolveArchivedMediaEndpointAsync(stream, cancellationToken).ConfigureAwait(false);
        return new KinesisVideoArchivedMediaClient(_settings with { ServiceUrl = endpoint }, _timeout, innerHandler);
    }

    /// <summary>Polls DescribeStream until the stream is ACTIVE.</summary>
    /// <exception cref="TimeoutException">Still not ACTIVE after <paramref name="timeout"/>.</exception>
    /// <exception cref="AwsResourceNotFoundException">The stream does not exist (or was deleted meanwhile).</exception>
    public async Task<KinesisVideoStreamInfo> WaitForActiveAsync(
        string stream,
        TimeProvider timeProvider,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);

        var deadline = timeProvider.GetUtcNow() + timeout;
        while (true)
        {
            var info = await DescribeStreamAsync(stream, cancellationToken).ConfigureAwait(false);
            if (info.IsActive)
            {
                return info;
            }

            var remaining = deadline - timeProvider.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException(
                    $"Kinesis video stream {stream} is still {info.Status} after {timeout.TotalSeconds:0.#} s.");
            }

            var delay = remaining < ActivePollInterval ? remaining : ActivePollInterval;
            await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static bool IsArn(string stream) => stream.StartsWith("arn:", StringComparison.Ordinal);

    private static KvsStreamRequest StreamRequest(string stream, string? apiName) => IsArn(stream)
        ? new KvsStreamRequest { StreamArn = stream, ApiName = apiName }
        : new KvsStreamRequest { StreamName = stream, ApiName = apiName };

    internal static string ToWire(KinesisVideoApiName apiName) => apiName switch
    {
        KinesisVideoApiName.PutMedia => "PUT_MEDIA",
        KinesisVideoApiName.GetMedia => "GET_MEDIA",
        KinesisVideoApiName.ListFragments => "LIST_FRAGMENTS",
        KinesisVideoApiName.GetMediaForFragmentList => "GET_MEDIA_FOR_FRAGMENT_LIST",
        KinesisVideoApiName.GetHlsStreamingSessionUrl => "GET_HLS_STREAMING_SESSION_URL",
        KinesisVideoApiName.GetDashStreamingSessionUrl => "GET_DASH_STREAMING_SESSION_URL",
        KinesisVideoApiName.GetClip => "GET_CLIP",
        KinesisVideoApiName.GetImages => "GET_IMAGES",
        _ => throw new ArgumentOutOfRangeException(nameof(apiName), apiName, "Unknown Kinesis Video API name."),
    };

    public void Dispose() => _client.Dispose();
}

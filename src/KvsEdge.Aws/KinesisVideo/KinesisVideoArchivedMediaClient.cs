using System.Buffers;
using System.Globalization;

namespace KvsEdge.Aws;

/// <summary>
/// Kinesis Video Archived Media on one stream's data endpoint (from GetDataEndpoint with GET_CLIP, or an override):
/// GetClip, streamed straight to a destination stream, never held whole in memory.
/// </summary>
public sealed class KinesisVideoArchivedMediaClient : IDisposable
{
    internal static readonly AwsJsonService Service =
        new("Kinesis Video Archived Media", "kinesisvideo", "kinesisvideo", TargetPrefix: string.Empty);

    /// <summary>GetClip refuses ranges longer than this.</summary>
    public static readonly TimeSpan MaxClipRange = TimeSpan.FromHours(24);

    private const int CopyBufferSize = 81_920;

    private static readonly KinesisVideoJsonContext Json = KinesisVideoJsonContext.Default;

    private readonly AwsRestJsonServiceClient _client;

    /// <param name="options">
    /// Region, credentials and timeout. <see cref="AwsClientOptions.ServiceUrl"/> is ignored: requests go to
    /// <paramref name="dataEndpoint"/>. The timeout bounds the wait for the response headers and each pause in the
    /// body, not the whole download (a 100 MB clip may take minutes on a slow uplink).
    /// </param>
    /// <param name="dataEndpoint">GetDataEndpoint(GET_CLIP)'s answer, or an override such as a local stand-in.</param>
    /// <param name="innerHandler">Transport under the signer; owned and disposed by this client. Must not follow redirects.</param>
    /// <exception cref="AwsConfigurationException">No region or no credentials could be found.</exception>
    public KinesisVideoArchivedMediaClient(AwsClientOptions options, Uri dataEndpoint, HttpMessageHandler? innerHandler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataEndpoint);
        if (!dataEndpoint.IsAbsoluteUri)
        {
            throw new ArgumentException($"The data endpoint must be an absolute URL, not '{dataEndpoint}'.", nameof(dataEndpoint));
        }

        var settings = AwsClientSettings.Resolve(options, Service) with { ServiceUrl = dataEndpoint };
        _client = new AwsRestJsonServiceClient(settings, Service, options.Timeout, innerHandler);
    }

    internal KinesisVideoArchivedMediaClient(AwsClientSettings settings, TimeSpan timeout, HttpMessageHandler? innerHandler)
    {
        _client = new AwsRestJsonServiceClient(settings, Service, timeout, innerHandler);
    }

    public Uri DataEndpoint => _client.ServiceUrl;

    public string Region => _client.Region;

    /// <summary>
    /// Downloads the MP4 clip of [<paramref name="start"/>, <paramref name="end"/>] into <paramref name="destination"/>
    /// as it arrives. The service stops a clip at 100 MB or 200 fragments: plan long ranges with
    /// <see cref="ClipWindowPlanner"/>. On failure the destination may hold a partial clip; the caller discards it.
    /// </summary>
    /// <param name="stream">Stream name, or ARN (starts with <c>arn:</c>).</param>
    /// <param name="progress">Receives the running total of bytes written after each chunk.</param>
    /// <exception cref="ArgumentException">The range is empty, reversed or longer than 24 h.</exception>
    /// <exception cref="AwsNoDataRetentionException">The stream keeps no data.</exception>
    /// <exception cref="AwsMissingCodecPrivateDataException">Fragments carry no codec private data.</exception>
    /// <exception cref="AwsResourceNotFoundException">No such stream, or no fragments in the range.</exception>
    /// <exception cref="AwsThrottlingException">ClientLimitExceeded: back off and retry.</exception>
    /// <exception cref="TimeoutException">The body stalled for longer than the timeout.</exception>
    public async Task<ClipResult> GetClipAsync(
        string stream,
        DateTimeOffset start,
        DateTimeOffset end,
        FragmentSelectorType selectorType,
        Stream destination,
        IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.CanWrite)
        {
            throw new ArgumentException("The destination stream is not writable.", nameof(destination));
        }

        ValidateRange(start, end);

        var selector = new KvsClipFragmentSelector(ToWire(selectorType), new KvsClipTimestampRange(start, end));
        var request = KinesisVideoClient.IsArn(stream)
            ? new KvsGetClipRequest { StreamArn = stream, ClipFragmentSelector = selector }
            : new KvsGetClipRequest { StreamName = stream, ClipFragmentSelector = selector };

        using var response = await _client.SendStreamingAsync("GetClip", "/getClip", request, Json.KvsGetClipRequest, cancellationToken)
            .ConfigureAwait(false);
        var contentType = response.Content.Headers.ContentType?.ToString();
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;

        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            var total = await CopyAsync(body, destination, progress, cancellationToken).ConfigureAwait(false);
            return new ClipResult(contentType, total, requestId);
        }
    }

    /// <exception cref="ArgumentException">End not after start, or more than 24 h apart.</exception>
    public static void ValidateRange(DateTimeOffset start, DateTimeOffset end)
    {
        if (end <= start)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The clip end ({end:O}) must be after its start ({start:O})."),
                nameof(end));
        }

        if (end - start > MaxClipRange)
        {
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"GetClip covers at most 24 h per request, but {start:O} to {end:O} is {(end - start).TotalHours:0.##} h. Split the range with ClipWindowPlanner."),
                nameof(end));
        }
    }

    internal static string ToWire(FragmentSelectorType type) => type switch
    {
        FragmentSelectorType.ProducerTimestamp => "PRODUCER_TIMESTAMP",
        FragmentSelectorType.ServerTimestamp => "SERVER_TIMESTAMP",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown fragment selector type."),
    };

    private async Task<long> CopyAsync(Stream body, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            // HttpClient.Timeout stops at the headers with ResponseHeadersRead; this bounds each stall of the body instead.
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            long total = 0;
            while (true)
            {
                stall.CancelAfter(_client.Timeout);
                int read;
                try
                {
                    read = await body.ReadAsync(buffer.AsMemory(0, CopyBufferSize), stall.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"GetClip received no data for {_client.Timeout.TotalSeconds:0.#} s after {total} bytes."),
                        ex);
                }

                if (read == 0)
                {
                    return total;
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                total += read;
                progress?.Report(total);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _client.Dispose();
}

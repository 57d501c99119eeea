using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace KvsEdge.Aws;

/// <summary>
/// Sends AWS REST-JSON operations (<c>POST /&lt;path&gt;</c> with a JSON body, e.g. Kinesis Video Streams) signed with
/// SigV4 by AWSSDK.Core, and maps errors (the <c>x-amzn-ErrorType</c> header and/or a JSON body) to typed exceptions.
/// Operations with a JSON response use <see cref="SendAsync{TRequest, TResponse}"/>; operations with a binary payload
/// (GetClip, GetMedia…) use <see cref="SendStreamingAsync{TRequest}"/>, which returns as soon as the headers arrive.
/// No retries here: callers decide how to back off.
/// </summary>
internal sealed class AwsRestJsonServiceClient : IDisposable
{
    /// <summary>An error body is a small JSON document; anything beyond this is not worth reading into memory.</summary>
    internal const int MaxErrorBodyBytes = 64 * 1024;

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly HttpClient _http;
    private readonly AwsJsonService _service;

    public AwsRestJsonServiceClient(AwsClientOptions options, AwsJsonService service, HttpMessageHandler? innerHandler = null)
        : this(AwsClientSettings.Resolve(options, service), service, options.Timeout, innerHandler)
    {
    }

    /// <param name="settings">Region, credentials and the base URL every operation path is appended to.</param>
    /// <param name="service">Display name (error messages) and SigV4 signing name; the target prefix is not used.</param>
    /// <param name="timeout">
    /// Whole-request timeout for JSON operations. For streaming operations it bounds the wait for the response headers.
    /// </param>
    /// <param name="innerHandler">Transport under the signer; owned and disposed by this client. Must not follow redirects.</param>
    public AwsRestJsonServiceClient(
        AwsClientSettings settings,
        AwsJsonService service,
        TimeSpan timeout,
        HttpMessageHandler? innerHandler = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(service);
        _service = service;
        ServiceUrl = settings.ServiceUrl;
        Region = settings.Region.SystemName;
        Timeout = timeout;

        _http = SignedHttpClient.Create(settings.Credentials, settings.Region, service.SigningName, timeout, innerHandler);
    }

    public Uri ServiceUrl { get; }

    public string Region { get; }

    public TimeSpan Timeout { get; }

    public async Task<TResponse> SendAsync<TRequest, TResponse>(
        string operation,
        string path,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(responseType);
        using var response = await SendCoreAsync(
            operation, path, request, requestType, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(body, responseType)
                ?? throw new AwsServiceException($"{_service.DisplayName} {operation} returned an empty response.");
        }
        catch (JsonException ex)
        {
            throw new AwsServiceException($"{_service.DisplayName} {operation} returned an unreadable response.", ex);
        }
    }

    public async Task SendAsync<TRequest>(
        string operation,
        string path,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        CancellationToken cancellationToken)
    {
        using var response = await SendCoreAsync(
            operation, path, request, requestType, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the operation and returns the successful response once its headers have arrived; the body is still on
    /// the wire. The caller owns (and must dispose) the response. Errors are mapped before returning.
    /// </summary>
    public Task<HttpResponseMessage> SendStreamingAsync<TRequest>(
        string operation,
        string path,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        CancellationToken cancellationToken) =>
        SendCoreAsync(operation, path, request, requestType, HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    /// <summary><c>https://host/base/</c> + <c>/getClip</c> = <c>https://host/base/getClip</c>: a base path is kept.</summary>
    internal static Uri OperationUri(Uri serviceUrl, string path)
    {
        ArgumentNullException.ThrowIfNull(serviceUrl);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var baseText = serviceUrl.GetLeftPart(UriPartial.Path);
        var root = baseText.EndsWith('/') ? new Uri(baseText) : new Uri(baseText + "/");
        return new Uri(root, path.TrimStart('/'));
    }

    private async Task<HttpResponseMessage> SendCoreAsync<TRequest>(
        string operation,
        string path,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        HttpCompletionOption completion,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentNullException.ThrowIfNull(requestType);

        // ByteArrayContent, not StringContent: exactly "application/json", without a charset parameter.
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request, requestType));
        content.Headers.ContentType = JsonContentType;
        using var message = new HttpRequestMessage(HttpMethod.Post, OperationUri(ServiceUrl, path)) { Content = content };
        message.Headers.Accept.ParseAdd("application/json");

        var response = await SignedHttpClient.SendAsync(_http, message, completion, _service.DisplayName, operation, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await ReadErrorBodyAsync(response.Content, cancellationToken).ConfigureAwait(false);
            throw AwsErrorMapper.Map(
                _service.DisplayName,
                operation,
                response.StatusCode,
                body,
                FirstHeader(response, "x-amzn-ErrorType"),
                FirstHeader(response, "x-amzn-RequestId"));
        }
    }

    private static async Task<byte[]> ReadErrorBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[MaxErrorBodyBytes];
            var total = 0;
            int read;
            while (total < buffer.Length
                && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return buffer.AsSpan(0, total).ToArray();
        }
    }

    private static string? FirstHeader(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public void Dispose() => _http.Dispose();
}

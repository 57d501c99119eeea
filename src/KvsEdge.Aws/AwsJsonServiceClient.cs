using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace KvsEdge.Aws;

/// <summary>
/// Sends AWS JSON 1.1 operations (POST /, X-Amz-Target) signed with SigV4 by AWSSDK.Core and maps errors to
/// typed exceptions. No retries here: callers decide how to back off (throttling is a normal event for consumers).
/// </summary>
internal sealed class AwsJsonServiceClient : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/x-amz-json-1.1");

    private readonly HttpClient _http;
    private readonly AwsJsonService _service;

    public AwsJsonServiceClient(AwsClientOptions options, AwsJsonService service, HttpMessageHandler? innerHandler = null)
        : this(AwsClientSettings.Resolve(options, service), service, options.Timeout, innerHandler)
    {
    }

    public AwsJsonServiceClient(
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

        _http = SignedHttpClient.Create(settings.Credentials, settings.Region, service.SigningName, timeout, innerHandler);
    }

    public Uri ServiceUrl { get; }

    public string Region { get; }

    public async Task<TResponse> SendAsync<TRequest, TResponse>(
        string operation,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(responseType);
        var body = await SendCoreAsync(operation, request, requestType, cancellationToken).ConfigureAwait(false);
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
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        CancellationToken cancellationToken) =>
        _ = await SendCoreAsync(operation, request, requestType, cancellationToken).ConfigureAwait(false);

    private async Task<byte[]> SendCoreAsync<TRequest>(
        string operation,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentNullException.ThrowIfNull(requestType);

        // ByteArrayContent, not StringContent: AWS wants exactly "application/x-amz-json-1.1" without a charset.
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request, requestType));
        content.Headers.ContentType = JsonContentType;
        using var message = new HttpRequestMessage(HttpMethod.Post, ServiceUrl) { Content = content };
        message.Headers.TryAddWithoutValidation("X-Amz-Target", $"{_service.TargetPrefix}.{operation}");

        using var response = await SignedHttpClient.SendAsync(
            _http, message, HttpCompletionOption.ResponseContentRead, _service.DisplayName, operation, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return body;
        }

        throw AwsErrorMapper.Map(
            _service.DisplayName,
            operation,
            response.StatusCode,
            body,
            FirstHeader(response, "x-amzn-ErrorType"),
            FirstHeader(response, "x-amzn-RequestId"));
    }

    private static string? FirstHeader(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public void Dispose() => _http.Dispose();
}

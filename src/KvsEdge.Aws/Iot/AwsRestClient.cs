using System.Net;
using System.Net.Http.Headers;

namespace KvsEdge.Aws.Iot;

/// <summary>
/// AWS REST-JSON with any method, a path carrying the query and extra headers (the IoT control and data planes put
/// names in the path, flags in the query and the principal in <c>x-amzn-principal</c>), signed by AWSSDK.Core's SigV4
/// handler; errors mapped to typed exceptions like every other thin client. No retries: callers decide.
/// </summary>
internal sealed class AwsRestClient : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly HttpClient _http;
    private readonly AwsJsonService _service;

    public AwsRestClient(AwsClientSettings settings, AwsJsonService service, TimeSpan timeout, HttpMessageHandler? innerHandler)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _service = service ?? throw new ArgumentNullException(nameof(service));
        ServiceUrl = settings.ServiceUrl;
        Region = settings.Region.SystemName;
        _http = SignedHttpClient.Create(settings.Credentials, settings.Region, service.SigningName, timeout, innerHandler);
    }

    public Uri ServiceUrl { get; }

    public string Region { get; }

    /// <summary>Sends the operation and returns the response body of a 2xx answer.</summary>
    /// <param name="pathAndQuery">Already escaped (see <see cref="Escape"/>).</param>
    public async Task<byte[]> SendAsync(
        HttpMethod method,
        string operation,
        string pathAndQuery,
        byte[]? body,
        CancellationToken cancellationToken,
        params (string Name, string Value)[] headers)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentException.ThrowIfNullOrEmpty(pathAndQuery);
        var baseText = ServiceUrl.GetLeftPart(UriPartial.Path);
        var root = baseText.EndsWith('/') ? baseText : baseText + "/";
        using var message = new HttpRequestMessage(method, new Uri(root + pathAndQuery.TrimStart('/')));
        if (body is not null)
        {
            message.Content = new ByteArrayContent(body);
            message.Content.Headers.ContentType = JsonContentType;
        }

        message.Headers.Accept.ParseAdd("application/json");
        foreach (var (name, value) in headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await SignedHttpClient.SendAsync(
            _http, message, HttpCompletionOption.ResponseContentRead, _service.DisplayName, operation, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return bytes;
        }

        var errorBody = bytes.Length > AwsRestJsonServiceClient.MaxErrorBodyBytes ? bytes.AsSpan(0, AwsRestJsonServiceClient.MaxErrorBodyBytes) : bytes;
        throw AwsErrorMapper.Map(
            _service.DisplayName,
            operation,
            response.StatusCode,
            errorBody,
            First(response, "x-amzn-ErrorType"),
            First(response, "x-amzn-RequestId"));
    }

    /// <summary>One path segment or query value, percent-encoded (a thing name may hold ':' and a cert ARN '/').</summary>
    public static string Escape(string value) => Uri.EscapeDataString(value);

    private static string? First(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public void Dispose() => _http.Dispose();

    internal static bool IsNotFound(AwsServiceException ex) =>
        ex is AwsResourceNotFoundException || ex.StatusCode == HttpStatusCode.NotFound;
}

using System.Net.Http.Headers;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Amazon;
using Amazon.Runtime;

namespace KvsEdge.Aws.Iam;

/// <summary>
/// Sends AWS Query protocol operations (form-encoded <c>POST /</c> with <c>Action</c> and <c>Version</c>, XML answers)
/// signed with SigV4 by AWSSDK.Core, and maps XML error bodies to typed exceptions. No retries, like the JSON client.
/// </summary>
/// <remarks>Lives next to IAM, its only user so far; STS or SNS could share it unchanged.</remarks>
internal sealed class AwsQueryServiceClient : IDisposable
{
    private static readonly MediaTypeHeaderValue FormContentType =
        new("application/x-www-form-urlencoded") { CharSet = "utf-8" };

    private static readonly XmlReaderSettings XmlSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreWhitespace = true,
    };

    private readonly HttpClient _http;
    private readonly string _displayName;
    private readonly string _apiVersion;
    private readonly string _signingName;

    public AwsQueryServiceClient(
        string displayName,
        string apiVersion,
        AWSCredentials credentials,
        RegionEndpoint signingRegion,
        string signingName,
        Uri serviceUrl,
        TimeSpan timeout,
        HttpMessageHandler? innerHandler = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(displayName);
        ArgumentException.ThrowIfNullOrEmpty(apiVersion);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(signingRegion);
        ArgumentException.ThrowIfNullOrEmpty(signingName);
        ArgumentNullException.ThrowIfNull(serviceUrl);
        _displayName = displayName;
        _apiVersion = apiVersion;
        _signingName = signingName;
        ServiceUrl = serviceUrl;
        SigningRegion = signingRegion.SystemName;

        _http = SignedHttpClient.Create(credentials, signingRegion, signingName, timeout, innerHandler);
    }

    public Uri ServiceUrl { get; }

    public string SigningRegion { get; }

    /// <summary>Sends the operation and returns its <c>&lt;{operation}Result&gt;</c> element (null when the answer has none).</summary>
    public async Task<XElement?> SendAsync(
        string operation,
        IReadOnlyList<KeyValuePair<string, string>> parameters,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentNullException.ThrowIfNull(parameters);

        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(EncodeForm(operation, _apiVersion, parameters)));
        content.Headers.ContentType = FormContentType;
        using var message = new HttpRequestMessage(HttpMethod.Post, ServiceUrl) { Content = content };

        using var response = await SignedHttpClient.SendAsync(
            _http, message, HttpCompletionOption.ResponseContentRead, _displayName, operation, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw AwsErrorMapper.MapQuery(
                _displayName,
                _signingName,
                operation,
                response.StatusCode,
                body,
                FirstHeader(response, "x-amzn-RequestId") ?? FirstHeader(response, "x-amz-request-id"));
        }

        XDocument document;
        try
        {
            document = Parse(body);
        }
        catch (XmlException ex)
        {
            throw new AwsServiceException($"{_displayName} {operation} returned an unreadable response.", ex);
        }

        var root = document.Root
            ?? throw new AwsServiceException($"{_displayName} {operation} returned an empty response.");
        return root.Elements().FirstOrDefault(e => e.Name.LocalName == operation + "Result");
    }

    /// <summary>
    /// <c>Action=…&amp;Version=…&amp;Name=Value…</c>, every name and value percent-encoded as RFC 3986 (spaces as %20),
    /// which is what the AWS SDKs send.
    /// </summary>
    internal static string EncodeForm(string operation, string apiVersion, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var form = new StringBuilder("Action=").Append(Uri.EscapeDataString(operation))
            .Append("&Version=").Append(Uri.EscapeDataString(apiVersion));
        foreach (var (name, value) in parameters)
        {
            form.Append('&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return form.ToString();
    }

    internal static XDocument Parse(byte[] body)
    {
        using var stream = new MemoryStream(body, writable: false);
        using var reader = XmlReader.Create(stream, XmlSettings);
        return XDocument.Load(reader);
    }

    private static string? FirstHeader(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public void Dispose() => _http.Dispose();
}

/// <summary>Namespace-agnostic reading helpers: moto and AWS differ in whether they put the IAM namespace on every element.</summary>
internal static class QueryXml
{
    public static XElement? Child(this XElement? parent, string localName) =>
        parent?.Elements().FirstOrDefault(e => e.Name.LocalName == localName);

    public static string? ChildValue(this XElement? parent, string localName) => parent.Child(localName)?.Value;

    public static string RequiredValue(this XElement? parent, string localName, string operation) =>
        parent.ChildValue(localName)
        ?? throw new AwsServiceException($"IAM {operation} response has no {localName}.");

    public static IEnumerable<string> Members(this XElement? list) =>
        list is null ? [] : list.Elements().Where(e => e.Name.LocalName == "member").Select(e => e.Value);
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace KvsEdge.Aws.Iot;

/// <summary>
/// The IoT data plane's HTTP shadow API (signed as <c>iotdata</c>): UpdateThingShadow and GetThingShadow on a named
/// shadow (<c>?name=</c>). The default endpoint is <c>data-ats.iot.&lt;region&gt;.amazonaws.com</c>, as the AWS SDKs use.
/// </summary>
public sealed class IotDataClient : IDisposable
{
    internal static readonly AwsJsonService Service = new("IoT data plane", "iotdata", "data-ats.iot", TargetPrefix: string.Empty);

    private readonly AwsRestClient _client;

    /// <exception cref="AwsConfigurationException">No region or no credentials could be found.</exception>
    public IotDataClient(AwsClientOptions options, HttpMessageHandler? innerHandler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = new AwsRestClient(AwsClientSettings.Resolve(options, Service), Service, options.Timeout, innerHandler);
    }

    public Uri ServiceUrl => _client.ServiceUrl;

    /// <summary>Sends a shadow update request document and returns the accepted document (with its new <c>version</c>).</summary>
    public async Task<JsonObject> UpdateThingShadowAsync(string thingName, string shadowName, byte[] document, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(thingName);
        ArgumentException.ThrowIfNullOrEmpty(shadowName);
        ArgumentNullException.ThrowIfNull(document);
        var bytes = await _client.SendAsync(HttpMethod.Post, "UpdateThingShadow", Path(thingName, shadowName), document, cancellationToken).ConfigureAwait(false);
        return Parse(bytes, "UpdateThingShadow") ?? [];
    }

    /// <summary>The shadow document (<c>state</c>, <c>metadata</c>, <c>version</c>…), or null when the thing has no such shadow.</summary>
    public async Task<JsonObject?> TryGetThingShadowAsync(string thingName, string shadowName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(thingName);
        ArgumentException.ThrowIfNullOrEmpty(shadowName);
        try
        {
            var bytes = await _client.SendAsync(HttpMethod.Get, "GetThingShadow", Path(thingName, shadowName), null, cancellationToken).ConfigureAwait(false);
            return Parse(bytes, "GetThingShadow");
        }
        catch (AwsServiceException ex) when (AwsRestClient.IsNotFound(ex))
        {
            return null;
        }
    }

    private static string Path(string thingName, string shadowName) =>
        $"things/{AwsRestClient.Escape(thingName)}/shadow?name={AwsRestClient.Escape(shadowName)}";

    private static JsonObject? Parse(byte[] bytes, string operation)
    {
        try
        {
            return bytes.Length == 0 ? null : JsonNode.Parse(bytes) as JsonObject;
        }
        catch (JsonException ex)
        {
            throw new AwsServiceException($"{Service.DisplayName} {operation} returned an unreadable response.", ex);
        }
    }

    public void Dispose() => _client.Dispose();
}

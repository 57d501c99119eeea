using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KvsEdge.Aws.Iot;

/// <summary>A thing as CreateThing / DescribeThing return it.</summary>
public sealed record IotThing(string ThingName, string ThingArn);

/// <summary>CreateKeysAndCertificate's answer. <see cref="PrivateKeyPem"/> is returned once, never again: store it at once.</summary>
public sealed record IotCertificateKeys(string CertificateArn, string CertificateId, string CertificatePem, string PrivateKeyPem)
{
    /// <summary>Keeps the private key out of logs and exception messages that format the record.</summary>
    public override string ToString() => $"IotCertificateKeys {{ CertificateArn = {CertificateArn}, CertificateId = {CertificateId} }}";
}

/// <summary>
/// The AWS IoT control-plane operations KvsEdge uses (REST-JSON, signed as <c>iot</c>): things, policies, certificates,
/// thing groups and the data endpoint. AWSSDK.IoT is not used: a thin client on AWSSDK.Core's signer, like the others.
/// </summary>
public sealed class IotClient : IDisposable
{
    internal static readonly AwsJsonService Service = new("IoT", "iot", "iot", TargetPrefix: string.Empty);

    private readonly AwsRestClient _client;

    /// <param name="innerHandler">Transport under the signer (tests); owned by this client.</param>
    /// <exception cref="AwsConfigurationException">No region or no credentials could be found.</exception>
    public IotClient(AwsClientOptions options, HttpMessageHandler? innerHandler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = new AwsRestClient(AwsClientSettings.Resolve(options, Service), Service, options.Timeout, innerHandler);
    }

    public Uri ServiceUrl => _client.ServiceUrl;

    public string Region => _client.Region;

    /// <exception cref="AwsResourceAlreadyExistsException">A thing of that name exists with other attributes.</exception>
    public async Task<IotThing> CreateThingAsync(string thingName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(thingName);
        var node = await SendAsync(HttpMethod.Post, "CreateThing", $"things/{E(thingName)}", "{}"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        return new IotThing(Required(node, "thingName", "CreateThing"), Required(node, "thingArn", "CreateThing"));
    }

    /// <summary>The thing, or null when there is none of that name.</summary>
    public async Task<IotThing?> TryDescribeThingAsync(string thingName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(thingName);
        try
        {
            var node = await SendAsync(HttpMethod.Get, "DescribeThing", $"things/{E(thingName)}", null, cancellationToken).ConfigureAwait(false);
            return new IotThing(Required(node, "thingName", "DescribeThing"), Required(node, "thingArn", "DescribeThing"));
        }
        catch (AwsServiceException ex) when (AwsRestClient.IsNotFound(ex))
        {
            return null;
        }
    }

    public Task DeleteThingAsync(string thingName, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, "DeleteThing", $"things/{E(thingName)}", null, cancellationToken);

    /// <summary>Returns the policy ARN.</summary>
    public async Task<string> CreatePolicyAsync(string policyName, string policyDocument, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(policyName);
        ArgumentException.ThrowIfNullOrEmpty(policyDocument);
        var body = new JsonObject { ["policyDocument"] = policyDocument };
        var node = await SendAsync(HttpMethod.Post, "CreatePolicy", $"policies/{E(policyName)}", Utf8(body), cancellationToken).ConfigureAwait(false);
        return Required(node, "policyArn", "CreatePolicy");
    }

    /// <summary>The policy's ARN and default-version document, or null when there is none of that name.</summary>
    public async Task<(string Arn, string Document)?> TryGetPolicyAsync(string policyName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(policyName);
        try
        {
            var node = await SendAsync(HttpMethod.Get, "GetPolicy", $"policies/{E(policyName)}", null, cancellationToken).ConfigureAwait(false);
            return (Required(node, "policyArn", "GetPolicy"), Required(node, "policyDocument", "GetPolicy"));
        }
        catch (AwsServiceException ex) when (AwsRestClient.IsNotFound(ex))
        {
            return null;
        }
    }

    public Task DeletePolicyAsync(string policyName, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, "DeletePolicy", $"policies/{E(policyName)}", null, cancellationToken);

    /// <summary>A new active certificate and its key pair, made by AWS (the private key is in the answer only).</summary>
    public async Task<IotCertificateKeys> CreateKeysAndCertificateAsync(CancellationToken cancellationToken)
    {
        var node = await SendAsync(HttpMethod.Post, "CreateKeysAndCertificate", "keys-and-certificate?setAsActive=true", "{}"u8.ToArray(), cancellationToken)
            .ConfigureAwait(false);
        const string Op = "CreateKeysAndCertificate";
        var keyPair = node["keyPair"] as JsonObject ?? throw new AwsServiceException($"{Service.DisplayName} {Op} returned no keyPair.");
        return new IotCertificateKeys(
            Required(node, "certificateArn", Op),
            Required(node, "certificateId", Op),
            Required(node, "certificatePem", Op),
            Required(keyPair, "PrivateKey", Op));
    }

    /// <param name="target">A certificate ARN (or thing group ARN).</param>
    public Task AttachPolicyAsync(string policyName, string target, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "AttachPolicy", $"target-policies/{E(policyName)}", Utf8(new JsonObject { ["target"] = target }), cancellationToken);

    public Task DetachPolicyAsync(string policyName, string target, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "DetachPolicy", $"target-policies/{E(policyName)}", Utf8(new JsonObject { ["target"] = target }), cancellationToken);

    /// <summary>Who the policy is attached to (certificate ARNs), all pages.</summary>
    public async Task<IReadOnlyList<string>> ListTargetsForPolicyAsync(string policyName, CancellationToken cancellationToken)
    {
        var targets = new List<string>();
        string? marker = null;
        do
        {
            var query = marker is null ? string.Empty : "?marker=" + E(marker);
            var node = await SendAsync(HttpMethod.Post, "ListTargetsForPolicy", $"policy-targets/{E(policyName)}{query}", "{}"u8.ToArray(), cancellationToken)
                .ConfigureAwait(false);
            targets.AddRange(Strings(node["targets"]));
            marker = NullIfEmpty(node["nextMarker"]?.GetValue<string>());
        }
        while (marker is not null);
        return targets;
    }

    /// <param name="principal">A certificate ARN.</param>
    public Task AttachThingPrincipalAsync(string thingName, string principal, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "AttachThingPrincipal", $"things/{E(thingName)}/principals", null, cancellationToken, ("x-amzn-principal", principal));

    public Task DetachThingPrincipalAsync(string thingName, string principal, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, "DetachThingPrincipal", $"things/{E(thingName)}/principals", null, cancellationToken, ("x-amzn-principal", principal));

    /// <summary>The certificate ARNs attached to the thing, all pages.</summary>
    public async Task<IReadOnlyList<string>> ListThingPrincipalsAsync(string thingName, CancellationToken cancellationToken)
    {
        var principals = new List<string>();
        string? token = null;
        do
        {
            var query = token is null ? string.Empty : "?nextToken=" + E(token);
            var node = await SendAsync(HttpMethod.Get, "ListThingPrincipals", $"things/{E(thingName)}/principals{query}", null, cancellationToken)
                .ConfigureAwait(false);
            principals.AddRange(Strings(node["principals"]));
            token = NullIfEmpty(node["nextToken"]?.GetValue<string>());
        }
        while (token is not null);
        return principals;
    }

    /// <param name="newStatus">ACTIVE, INACTIVE, REVOKED…: a certificate must be INACTIVE before it can be deleted.</param>
    public Task UpdateCertificateAsync(string certificateId, string newStatus, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "UpdateCertificate", $"certificates/{E(certificateId)}?newStatus={E(newStatus)}", null, cancellationToken);

    public Task DeleteCertificateAsync(string certificateId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, "DeleteCertificate", $"certificates/{E(certificateId)}", null, cancellationToken);

    /// <summary>The names of the things in the group (and its child groups), all pages.</summary>
    /// <exception cref="AwsResourceNotFoundException">No such thing group.</exception>
    public async Task<IReadOnlyList<string>> ListThingsInThingGroupAsync(string groupName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        var things = new List<string>();
        string? token = null;
        do
        {
            var query = "?recursive=true&maxResults=250" + (token is null ? string.Empty : "&nextToken=" + E(token));
            var node = await SendAsync(HttpMethod.Get, "ListThingsInThingGroup", $"thing-groups/{E(groupName)}/things{query}", null, cancellationToken)
                .ConfigureAwait(false);
            things.AddRange(Strings(node["things"]));
            token = NullIfEmpty(node["nextToken"]?.GetValue<string>());
        }
        while (token is not null);
        return things;
    }

    /// <summary>The account's device data endpoint, <c>xxxx-ats.iot.&lt;region&gt;.amazonaws.com</c> (iot:Data-ATS).</summary>
    public async Task<string> DescribeDataEndpointAsync(CancellationToken cancellationToken)
    {
        var node = await SendAsync(HttpMethod.Get, "DescribeEndpoint", "endpoint?endpointType=" + E("iot:Data-ATS"), null, cancellationToken).ConfigureAwait(false);
        return Required(node, "endpointAddress", "DescribeEndpoint");
    }

    private async Task<JsonObject> SendAsync(
        HttpMethod method, string operation, string path, byte[]? body, CancellationToken cancellationToken, params (string, string)[] headers)
    {
        var bytes = await _client.SendAsync(method, operation, path, body, cancellationToken, headers).ConfigureAwait(false);
        if (bytes.Length == 0)
        {
            return [];
        }

        try
        {
            return JsonNode.Parse(bytes) as JsonObject ?? [];
        }
        catch (JsonException ex)
        {
            throw new AwsServiceException($"{Service.DisplayName} {operation} returned an unreadable response.", ex);
        }
    }

    private static string E(string value) => AwsRestClient.Escape(value);

    private static byte[] Utf8(JsonObject body) => Encoding.UTF8.GetBytes(body.ToJsonString());

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static IEnumerable<string> Strings(JsonNode? array) =>
        array is JsonArray items ? items.Select(i => i?.GetValue<string>()).OfType<string>() : [];

    private static string Required(JsonObject node, string name, string operation) =>
        node[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
            ? text
            : throw new AwsServiceException($"{Service.DisplayName} {operation} returned no {name}.");

    public void Dispose() => _client.Dispose();
}

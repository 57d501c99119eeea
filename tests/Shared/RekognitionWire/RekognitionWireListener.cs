using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KvsEdge.TestSupport;

/// <summary>A scripted answer: HTTP status and JSON body.</summary>
public readonly record struct WireResponse(int Status, string Body);

/// <summary>One request as the listener saw it. <see cref="Body"/> is null when the body was not a JSON object.</summary>
public sealed record RekognitionWireRequest(
    string? Operation,
    JsonObject? Body,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyList<string> Problems)
{
    /// <summary>When the request's body had arrived (the machine's clock), for latency figures.</summary>
    public DateTimeOffset ReceivedAt { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>
/// A loopback HTTP server that plays Rekognition for tests. Every request is checked against the wire format of the
/// API reference — POST /, Content-Type application/x-amz-json-1.1, X-Amz-Target RekognitionService.&lt;Op&gt;, a SigV4
/// Authorization whose signature is recomputed here from the test credentials, and the JSON body against
/// <see cref="RekognitionWireSchema"/>. A request failing any check gets a 400 <c>KvsEdgeWireCheckFailed</c> and is
/// added to <see cref="Failures"/>; otherwise the next scripted response for the operation is returned.
/// </summary>
public sealed class RekognitionWireListener : IAsyncDisposable
{
    public const string TargetPrefix = "RekognitionService.";
    public const string CheckFailedType = "KvsEdgeWireCheckFailed";
    public const string ServiceName = "rekognition";

    private readonly HttpListener _listener;
    private readonly Task _loop;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<Func<JsonObject, WireResponse>>> _scripted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<JsonObject, WireResponse>> _handlers = new(StringComparer.Ordinal);
    private readonly List<RekognitionWireRequest> _requests = [];
    private readonly List<string> _failures = [];

    /// <param name="accessKeyId">The access key the client must sign with.</param>
    /// <param name="secretKey">The secret used to recompute every signature.</param>
    /// <param name="region">The region the credential scope must name.</param>
    public RekognitionWireListener(string accessKeyId, string secretKey, string region)
    {
        AccessKeyId = accessKeyId;
        SecretKey = secretKey;
        Region = region;
        (_listener, Url) = KvsEdge.Demo.LoopbackHttpListener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public string AccessKeyId { get; }

    public string SecretKey { get; }

    public string Region { get; }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;/</c>: the client's ServiceUrl.</summary>
    public Uri Url { get; }

    /// <summary>Allowed clock skew between X-Amz-Date and now.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    public IReadOnlyList<RekognitionWireRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Every check that failed, with the operation; tests assert this is empty.</summary>
    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_gate)
            {
                return [.. _failures];
            }
        }
    }

    /// <summary>Queues one answer for the next call of <paramref name="operation"/>.</summary>
    public RekognitionWireListener Enqueue(string operation, Func<JsonObject, WireResponse> respond)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentNullException.ThrowIfNull(respond);
        if (!RekognitionWireSchema.Requests.ContainsKey(operation))
        {
            throw new ArgumentException($"No request shape is known for {operation}.", nameof(operation));
        }

        lock (_gate)
        {
            if (!_scripted.TryGetValue(operation, out var queue))
            {
                _scripted[operation] = queue = new Queue<Func<JsonObject, WireResponse>>();
            }

            queue.Enqueue(respond);
        }

        return this;
    }

    public RekognitionWireListener Enqueue(string operation, WireResponse response) => Enqueue(operation, _ => response);

    /// <summary>Queues a 200 with <paramref name="json"/>.</summary>
    public RekognitionWireListener Enqueue(string operation, string json) => Enqueue(operation, RekognitionWireResponses.Ok(json));

    /// <summary>Answers every call of <paramref name="operation"/> once its queue is empty.</summary>
    public RekognitionWireListener Handle(string operation, Func<JsonObject, WireResponse> respond)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentNullException.ThrowIfNull(respond);
        lock (_gate)
        {
            _handlers[operation] = respond;
        }

        return this;
    }

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        try
        {
            var request = context.Request;
            byte[] body;
            using (var buffer = new MemoryStream())
            {
                await request.InputStream.CopyToAsync(buffer).ConfigureAwait(false);
                body = buffer.ToArray();
            }

            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in request.Headers.AllKeys)
            {
                if (name is not null)
                {
                    headers[name] = request.Headers[name] ?? string.Empty;
                }
            }

            var (operation, json, problems) = Check(request.HttpMethod, request.Url!, request.RawUrl ?? "/", headers, body);
            WireResponse response;
            lock (_gate)
            {
                _requests.Add(new RekognitionWireRequest(operation, json, headers, problems));
                if (problems.Count > 0)
                {
                    _failures.Add($"{operation ?? "(unknown operation)"}: {string.Join("; ", problems)}");
                }
            }

            if (problems.Count > 0)
            {
                response = RekognitionWireResponses.Error(CheckFailedType, string.Join("; ", problems));
            }
            else
            {
                response = Respond(operation!, json!);
            }

            var bytes = Encoding.UTF8.GetBytes(response.Body);
            context.Response.StatusCode = response.Status;
            context.Response.ContentType = "application/x-amz-json-1.1";
            context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or IOException)
        {
            // The client went away or the listener stopped.
        }
    }

    private WireResponse Respond(string operation, JsonObject body)
    {
        Func<JsonObject, WireResponse>? respond = null;
        lock (_gate)
        {
            if (_scripted.TryGetValue(operation, out var queue) && queue.Count > 0)
            {
                respond = queue.Dequeue();
            }
            else
            {
                _handlers.TryGetValue(operation, out respond);
            }

            if (respond is null)
            {
                _failures.Add($"{operation}: no scripted response");
            }
        }

        if (respond is null)
        {
            return RekognitionWireResponses.Error("KvsEdgeNoScriptedResponse", $"No response scripted for {operation}.", 500);
        }

        try
        {
            return respond(body);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A throwing script must fail the test visibly, not leave the client waiting for its timeout.
            lock (_gate)
            {
                _failures.Add($"{operation}: scripted response threw {ex.GetType().Name}: {ex.Message}");
            }

            return RekognitionWireResponses.Error("KvsEdgeScriptFailed", ex.Message, 500);
        }
    }

    private (string? Operation, JsonObject? Body, List<string> Problems) Check(
        string method,
        Uri url,
        string rawUrl,
        IReadOnlyDictionary<string, string> headers,
        byte[] body)
    {
        var problems = new List<string>();
        if (method != "POST")
        {
            problems.Add($"method is {method}, not POST");
        }

        if (url.AbsolutePath != "/" || url.Query.Length > 0)
        {
            problems.Add($"path is {rawUrl}, not /");
        }

        var contentType = headers.GetValueOrDefault("Content-Type");
        if (contentType != "application/x-amz-json-1.1")
        {
            problems.Add($"Content-Type is '{contentType}', not exactly 'application/x-amz-json-1.1'");
        }

        string? operation = null;
        var target = headers.GetValueOrDefault("X-Amz-Target");
        if (target is null || !target.StartsWith(TargetPrefix, StringComparison.Ordinal))
        {
            problems.Add($"X-Amz-Target is '{target}', not '{TargetPrefix}<Operation>'");
        }
        else
        {
            operation = target[TargetPrefix.Length..];
            if (!RekognitionWireSchema.Requests.ContainsKey(operation))
            {
                problems.Add($"X-Amz-Target names unknown operation '{operation}'");
            }
        }

        problems.AddRange(VerifySignature(method, rawUrl, headers, body));

        JsonObject? json = null;
        try
        {
            json = JsonNode.Parse(body) as JsonObject;
            if (json is null)
            {
                problems.Add("body is not a JSON object");
            }
        }
        catch (JsonException ex)
        {
            problems.Add($"body is not JSON: {ex.Message}");
        }

        if (json is not null && operation is not null && RekognitionWireSchema.Requests.TryGetValue(operation, out var shape))
        {
            shape.Check(json, "$", problems);
            RekognitionWireSchema.CheckExtra(operation, json, problems);
        }

        return (operation, json, problems);
    }

    /// <summary>Recomputes the SigV4 signature (test-only verifier; production code never hand-rolls SigV4).</summary>
    private List<string> VerifySignature(string method, string rawUrl, IReadOnlyDictionary<string, string> headers, byte[] body)
    {
        var problems = new List<string>();
        var authorization = headers.GetValueOrDefault("Authorization");
        const string Algorithm = "AWS4-HMAC-SHA256";
        if (authorization is null || !authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            problems.Add($"Authorization is missing or not {Algorithm}");
            return problems;
        }

        var parts = authorization[(Algorithm.Length + 1)..]
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (!parts.TryGetValue("Credential", out var credential)
            || !parts.TryGetValue("SignedHeaders", out var signedHeaderList)
            || !parts.TryGetValue("Signature", out var signature))
        {
            problems.Add("Authorization lacks Credential, SignedHeaders or Signature");
            return problems;
        }

        var scopeParts = credential.Split('/');
        if (scopeParts.Length != 5)
        {
            problems.Add($"Credential '{credential}' is not <key>/<date>/<region>/<service>/aws4_request");
            return problems;
        }

        var (keyId, date, region, service, terminator) = (scopeParts[0], scopeParts[1], scopeParts[2], scopeParts[3], scopeParts[4]);
        if (keyId != AccessKeyId)
        {
            problems.Add($"signed with access key '{keyId}', expected '{AccessKeyId}'");
        }

        if (region != Region || service != ServiceName || terminator != "aws4_request")
        {
            problems.Add($"credential scope {date}/{region}/{service}/{terminator} is not <date>/{Region}/{ServiceName}/aws4_request");
        }

        var amzDate = headers.GetValueOrDefault("X-Amz-Date");
        if (amzDate is null
            || !DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            problems.Add($"X-Amz-Date '{amzDate}' is missing or not yyyyMMddTHHmmssZ");
            return problems;
        }

        if (!amzDate.StartsWith(date, StringComparison.Ordinal))
        {
            problems.Add($"credential date {date} differs from X-Amz-Date {amzDate}");
        }

        if ((DateTimeOffset.UtcNow - signedAt).Duration() > MaxClockSkew)
        {
            problems.Add($"X-Amz-Date {amzDate} is more than {MaxClockSkew} away from now");
        }

        var signedHeaders = signedHeaderList.Split(';');
        foreach (var required in (string[])["host", "x-amz-date", "x-amz-target"])
        {
            if (Array.IndexOf(signedHeaders, required) < 0)
            {
                problems.Add($"SignedHeaders '{signedHeaderList}' does not include {required}");
            }
        }

        if (!signedHeaders.SequenceEqual(signedHeaders.Order(StringComparer.Ordinal)) || signedHeaders.Any(h => h.Any(char.IsUpper)))
        {
            problems.Add($"SignedHeaders '{signedHeaderList}' are not lower-case and sorted");
        }

        if (headers.ContainsKey("X-Amz-Security-Token") && Array.IndexOf(signedHeaders, "x-amz-security-token") < 0)
        {
            problems.Add("X-Amz-Security-Token is sent but not signed");
        }

        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(body));
        var payloadHash = headers.GetValueOrDefault("X-Amz-Content-SHA256") ?? bodyHash;
        if (payloadHash != bodyHash)
        {
            problems.Add($"X-Amz-Content-SHA256 {payloadHash} is not the SHA-256 of the body ({bodyHash})");
        }

        var canonical = new StringBuilder()
            .Append(method).Append('\n')
            .Append(CanonicalPath(rawUrl)).Append('\n')
            .Append(CanonicalQuery(rawUrl)).Append('\n');
        foreach (var name in signedHeaders)
        {
            if (!headers.TryGetValue(name, out var value))
            {
                problems.Add($"signed header {name} is not in the request");
                return problems;
            }

            canonical.Append(name).Append(':').Append(CollapseSpaces(value)).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaderList).Append('\n').Append(payloadHash);

        var scope = $"{date}/{region}/{service}/{terminator}";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + SecretKey), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(terminator));
        var expected = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            problems.Add("SigV4 signature does not verify with the test credentials");
        }

        return problems;
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static string CollapseSpaces(string value) => string.Join(' ', value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static string CanonicalPath(string rawUrl)
    {
        var path = rawUrl.Split('?', 2)[0];
        return path.Length == 0 ? "/" : path;
    }

    private static string CanonicalQuery(string rawUrl)
    {
        var split = rawUrl.Split('?', 2);
        if (split.Length < 2 || split[1].Length == 0)
        {
            return string.Empty;
        }

        return string.Join('&', split[1].Split('&')
            .Select(p => p.Split('=', 2))
            .Select(p => (Name: p[0], Value: p.Length > 1 ? p[1] : string.Empty))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));
    }

    public async ValueTask DisposeAsync()
    {
        // Close only: the managed HttpListener's Close after Stop looks the port up again and re-binds it, which fails
        // ("Address already in use") when a parallel test has taken that port in between.
        _listener.Close();

        // The managed HttpListener can leave a pending GetContextAsync uncompleted when Close races it (seen once in
        // a full parallel run, with the whole test host waiting here). The port is released by Close; don't wait forever.
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }
}

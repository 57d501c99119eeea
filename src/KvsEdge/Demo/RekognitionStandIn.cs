using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KvsEdge.Demo;

/// <summary>One scripted SearchFacesByImage answer of the demo's stand-in.</summary>
/// <param name="Label">What the demo view prints for it.</param>
/// <param name="ExternalImageId">The matched collection face; null with <paramref name="Similarity"/> null is an unknown face.</param>
/// <param name="NoFace">True: the InvalidParameterException Rekognition sends when the image holds no face.</param>
public sealed record StandInAnswer(string Label, string? ExternalImageId = null, double? Similarity = null, bool NoFace = false)
{
    public static StandInAnswer Match(string externalImageId, double similarity) => new($"{externalImageId} {similarity:0.#}%", externalImageId, similarity);

    public static StandInAnswer Unknown() => new("a stranger (face not in the collection)");

    public static StandInAnswer NoFaceInImage() => new("no face in the image", NoFace: true);
}

/// <summary>
/// A loopback stand-in for Rekognition's SearchFacesByImage, so `kvsedge demo --image-api` runs with no AWS account.
/// It speaks the service's wire format — POST /, AWS JSON 1.1, X-Amz-Target RekognitionService.SearchFacesByImage,
/// a signed request — and answers from a script, one answer per call, in order, looping. It checks the request's
/// shape (not the signature: the demo's credentials are dummies) and records the JPEG it was sent.
/// </summary>
public sealed class RekognitionStandIn : IAsyncDisposable
{
    public const string Operation = "RekognitionService.SearchFacesByImage";

    /// <summary>The demo's script: alice (allowed), three frames without a face, a stranger, mallory (not allowed).</summary>
    public static readonly IReadOnlyList<StandInAnswer> DemoScript =
    [
        StandInAnswer.Match("alice", 97.3),
        StandInAnswer.NoFaceInImage(),
        StandInAnswer.NoFaceInImage(),
        StandInAnswer.NoFaceInImage(),
        StandInAnswer.Unknown(),
        StandInAnswer.Match("mallory", 99.1),
    ];

    private readonly HttpListener _listener;
    private readonly Task _loop;
    private readonly IReadOnlyList<StandInAnswer> _script;
    private readonly TaskCompletionSource _scriptPlayed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;
    private long _lastArrived;

    public RekognitionStandIn(IReadOnlyList<StandInAnswer>? script = null)
    {
        _script = script is { Count: > 0 } ? script : DemoScript;
        (_listener, Url) = LoopbackHttpListener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;/</c>: `Aws:Endpoints:Rekognition` for the demo.</summary>
    public Uri Url { get; }

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Stopwatch timestamp of the last request's arrival (headers read, before the body): the bench's "on the wire".</summary>
    public long LastRequestArrived => Interlocked.Read(ref _lastArrived);

    /// <summary>The JPEG bytes of the last request.</summary>
    public byte[]? LastImage { get; private set; }

    /// <summary>Completes once every scripted answer was given (the demo's --once waits on it).</summary>
    public Task ScriptPlayed => _scriptPlayed.Task;

    /// <summary>Raised after each answer with the scripted entry it used.</summary>
    public event EventHandler<StandInAnswer>? Answered;

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
                Interlocked.Exchange(ref _lastArrived, System.Diagnostics.Stopwatch.GetTimestamp());
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                await ServeAsync(context).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or IOException)
            {
                // The client went away.
            }
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        HttpListenerRequest request = context.Request;
        using var buffer = new MemoryStream();
        await request.InputStream.CopyToAsync(buffer).ConfigureAwait(false);
        (int status, string body) = Answer(request.HttpMethod, request.Url?.AbsolutePath, request.ContentType, request.Headers["X-Amz-Target"],
            request.Headers["Authorization"], buffer.ToArray());
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
        context.Response.Close();
    }

    private (int Status, string Body) Answer(string method, string? path, string? contentType, string? target, string? authorization, byte[] body)
    {
        if (method != "POST" || path != "/" || contentType != "application/x-amz-json-1.1" || target != Operation
            || authorization?.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal) != true)
        {
            return Error("ValidationException", $"the demo stand-in answers only signed {Operation} requests (got {method} {path} {target})");
        }

        byte[] image;
        try
        {
            JsonNode? json = JsonNode.Parse(body);
            string? collection = json?["CollectionId"]?.GetValue<string>();
            string? bytes = json?["Image"]?["Bytes"]?.GetValue<string>();
            if (string.IsNullOrEmpty(collection) || string.IsNullOrEmpty(bytes))
            {
                return Error("InvalidParameterException", "CollectionId and Image.Bytes are required");
            }

            image = Convert.FromBase64String(bytes);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return Error("SerializationException", ex.Message);
        }

        LastImage = image;
        int call = Interlocked.Increment(ref _calls);
        StandInAnswer answer = _script[(call - 1) % _script.Count];
        if (call >= _script.Count)
        {
            _scriptPlayed.TrySetResult();
        }

        Answered?.Invoke(this, answer);
        if (answer.NoFace)
        {
            return Error("InvalidParameterException", "There are no faces in the image. Should be at least 1.");
        }

        var matches = new JsonArray();
        if (answer.ExternalImageId is { } id && answer.Similarity is { } similarity)
        {
            // As a JsonNode: the generic Add<T> would pick reflection-based serialization (not trim/AOT-safe).
            matches.Add((JsonNode)new JsonObject
            {
                ["Similarity"] = similarity,
                ["Face"] = new JsonObject
                {
                    ["FaceId"] = FaceId(id),
                    ["BoundingBox"] = Box(),
                    ["ImageId"] = FaceId("image-" + id),
                    ["ExternalImageId"] = id,
                    ["Confidence"] = 99.99,
                    ["IndexFacesModelVersion"] = "7.0",
                },
            });
        }

        var result = new JsonObject
        {
            ["SearchedFaceBoundingBox"] = Box(),
            ["SearchedFaceConfidence"] = 99.98,
            ["FaceMatches"] = matches,
            ["FaceModelVersion"] = "7.0",
        };
        return (200, result.ToJsonString());
    }

    private static JsonObject Box() => new() { ["Width"] = 0.21, ["Height"] = 0.32, ["Left"] = 0.4, ["Top"] = 0.12 };

    // A stable, well-formed face id per name (the real ones are UUIDs).
    private static string FaceId(string name) =>
        new Guid(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 16)).ToString();

    private static (int, string) Error(string type, string message) =>
        (400, new JsonObject { ["__type"] = type, ["Message"] = message }.ToJsonString());

    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        await _loop.ConfigureAwait(false);
    }
}

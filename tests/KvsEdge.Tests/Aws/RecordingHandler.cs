using System.Net;
using System.Text;
using System.Text.Json;

namespace KvsEdge.Tests.Aws;

/// <summary>Sits under the real SigV4 handler: records what would go on the wire and answers from a script.</summary>
internal sealed class RecordingHandler : HttpMessageHandler
{
    private readonly Queue<Func<HttpResponseMessage>> _responses = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Completes when the n-th request (1-based) arrives.</summary>
    public Task WhenRequestCount(int count)
    {
        lock (_gate)
        {
            if (_requests.Count >= count)
            {
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, waiter));
            return waiter.Task;
        }
    }

    private readonly List<(int Count, TaskCompletionSource Waiter)> _waiters = [];

    public RecordingHandler RespondJson(string json, HttpStatusCode status = HttpStatusCode.OK, params (string Name, string Value)[] headers)
    {
        _responses.Enqueue(() =>
        {
            var response = new HttpResponseMessage(status)
            {
                Content = new StringContent(json, Encoding.UTF8, "application/x-amz-json-1.1"),
            };
            foreach (var (name, value) in headers)
            {
                response.Headers.TryAddWithoutValidation(name, value);
            }

            return response;
        });
        return this;
    }

    public RecordingHandler Respond(Func<HttpResponseMessage> response)
    {
        _responses.Enqueue(response);
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        var recorded = new RecordedRequest(request.Method, request.RequestUri!, headers, request.Content?.Headers.ContentType?.ToString(), body);

        Func<HttpResponseMessage> next;
        List<TaskCompletionSource> ready = [];
        lock (_gate)
        {
            _requests.Add(recorded);
            next = _responses.Count > 0 ? _responses.Dequeue() : () => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") };
            foreach (var w in _waiters.Where(w => w.Count <= _requests.Count).ToList())
            {
                ready.Add(w.Waiter);
                _waiters.Remove(w);
            }
        }

        foreach (var waiter in ready)
        {
            waiter.SetResult();
        }

        return next();
    }
}

internal sealed record RecordedRequest(
    HttpMethod Method,
    Uri Uri,
    IReadOnlyDictionary<string, string> Headers,
    string? ContentType,
    string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

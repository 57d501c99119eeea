using System.Net;
using System.Text;
using KvsEdge.IntegrationTests.Infrastructure;

namespace KvsEdge.IntegrationTests.KinesisVideo;

/// <summary>
/// A stand-in Kinesis Video Archived Media data endpoint on 127.0.0.1 (moto cannot serve GetClip): records each request
/// and answers from a script, either a body sent in chunks or a REST-JSON error.
/// </summary>
internal sealed class ClipListener : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly Lock _gate = new();
    private readonly List<ListenerRequest> _requests = [];
    private readonly Queue<Func<HttpListenerResponse, Task>> _script = new();

    public ClipListener()
    {
        var port = MotoFixture.FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri Url { get; }

    public IReadOnlyList<ListenerRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Serves <paramref name="body"/> in chunks; <paramref name="beforeSecondHalf"/> runs half-way through.</summary>
    public ClipListener ServeClip(byte[] body, int chunkSize, Func<Task>? beforeSecondHalf = null)
    {
        Enqueue(async response =>
        {
            response.StatusCode = 200;
            response.ContentType = "video/mp4";
            response.AddHeader("x-amzn-RequestId", "listener-request");
            response.SendChunked = true;
            var output = response.OutputStream;
            var half = body.Length / 2;
            var halfDone = false;
            for (var offset = 0; offset < body.Length; offset += chunkSize)
            {
                if (!halfDone && offset >= half && beforeSecondHalf is not null)
                {
                    halfDone = true;
                    await beforeSecondHalf();
                }

                await output.WriteAsync(body.AsMemory(offset, Math.Min(chunkSize, body.Length - offset)));
                await output.FlushAsync();
            }
        });
        return this;
    }

    public ClipListener ServeError(HttpStatusCode status, string errorType, string message)
    {
        Enqueue(async response =>
        {
            response.StatusCode = (int)status;
            response.ContentType = "application/json";
            response.AddHeader("x-amzn-ErrorType", errorType + ":http://internal.amazon.com/coral/com.amazonaws.acuity.reader.api/");
            response.AddHeader("x-amzn-RequestId", "listener-error");
            var bytes = Encoding.UTF8.GetBytes($$"""{"message":"{{message}}"}""");
            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes);
        });
        return this;
    }

    private void Enqueue(Func<HttpListenerResponse, Task> step)
    {
        lock (_gate)
        {
            _script.Enqueue(step);
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync();
        }

        Func<HttpListenerResponse, Task>? step;
        lock (_gate)
        {
            _requests.Add(new ListenerRequest(
                request.HttpMethod,
                request.Url!.AbsolutePath,
                request.ContentType,
                request.Headers["Authorization"],
                request.Headers["X-Amz-Date"],
                request.Headers["Host"],
                body));
            _script.TryDequeue(out step);
        }

        var response = context.Response;
        try
        {
            if (step is null)
            {
                response.StatusCode = 500;
            }
            else
            {
                await step(response);
            }
        }
        catch (HttpListenerException)
        {
            // The client went away mid-body (cancellation tests).
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop.WaitAsync(TimeSpan.FromSeconds(10));
    }
}

internal sealed record ListenerRequest(
    string Method,
    string Path,
    string? ContentType,
    string? Authorization,
    string? AmzDate,
    string? Host,
    string Body);

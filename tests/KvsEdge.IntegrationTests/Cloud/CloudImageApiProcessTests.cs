using System.Net;
using System.Text;
using KvsEdge.Demo;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.TestSupport;

namespace KvsEdge.IntegrationTests.Cloud;

/// <summary>
/// The real `kvsedge` process in image-API mode, as a newcomer without stream processors runs it: endpoints from the
/// AWS SDKs' own AWS_ENDPOINT_URL variables (below KVSEDGE_Aws__Endpoints__*), and the errors a person meets first
/// (refused credentials, an endpoint that never answers) in words they can act on.
/// </summary>
[Collection("moto")]
[Trait("Category", "Integration")]
public sealed class CloudImageApiProcessTests(MotoFixture moto) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>Nothing listens there: a request sent to it fails at once, so a run that succeeds did not use it.</summary>
    private const string Unused = "http://127.0.0.1:1/";

    private readonly string _work = Directory.CreateTempSubdirectory("kvsedge-cloud-image-api-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Up_with_iam_chosen_from_the_recognition_source_prints_the_device_policy_then_status_and_down_follow_the_mode()
    {
        await using var listener = new RekognitionWireListener("AKIDKVSEDGETEST", "kvsedge-test-secret", "us-east-1");
        var rekognition = new RekognitionWireState(listener);
        var collection = MotoFixture.UniqueName("door-faces-");
        var policy = MotoFixture.UniqueName("door-device-");
        var settings = new
        {
            Recognition = new { Source = "image-api" },
            Cloud = new { CollectionId = collection, DevicePolicyName = policy, ProcessorName = MotoFixture.UniqueName("door-processor-") },
        };

        // IAM through the global variable, Rekognition through its own, which wins over the global one.
        var sdkVariables = new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL"] = moto.ServiceUrl.ToString(),
            ["AWS_ENDPOINT_URL_REKOGNITION"] = listener.Url.ToString(),
        };
        var (code, lines) = await RunAsync("cloud up --iam", settings, sdkVariables);

        Assert.True(code == 0, string.Join('\n', lines));
        Assert.Contains("Cloud:Mode image-api (from Recognition:Source; set Cloud:Mode to choose)", lines);
        Assert.Contains(lines, l => l.Contains("\"Action\": \"rekognition:SearchFacesByImage\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"\"Resource\": \"arn:aws:rekognition:us-east-1:123456789012:collection/{collection}\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("aws iam attach-user-policy", StringComparison.Ordinal) && l.Contains($"policy/{policy}", StringComparison.Ordinal));
        Assert.Contains(collection, rekognition.Collections);
        Assert.DoesNotContain(listener.Requests, r => r.Operation == "CreateStreamProcessor");
        Assert.Equal(0, (await moto.RunAwsCliAsync("iam", "get-policy", "--policy-arn", $"arn:aws:iam::123456789012:policy/{policy}")).ExitCode);

        // Aws:Endpoints (here as KVSEDGE_ variables) beat AWS_ENDPOINT_URL_<SERVICE>: Rekognition's points nowhere.
        var configured = new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL"] = Unused,
            ["AWS_ENDPOINT_URL_REKOGNITION"] = Unused,
            ["KVSEDGE_Aws__Endpoints__Rekognition"] = listener.Url.ToString(),
            ["KVSEDGE_Aws__Endpoints__Iam"] = moto.ServiceUrl.ToString(),
        };
        (code, lines) = await RunAsync("cloud status", settings, configured);

        Assert.True(code == 0, string.Join('\n', lines));
        Assert.Contains("All resources exist.", lines);
        Assert.Contains(lines, l => l.Contains("least-privilege policy in place", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("stream processor", StringComparison.Ordinal));

        (code, lines) = await RunAsync("cloud down --yes", settings, sdkVariables);

        Assert.True(code == 0, string.Join('\n', lines));
        Assert.Contains("Deleted.", lines);
        Assert.DoesNotContain(collection, rekognition.Collections);
        Assert.NotEqual(0, (await moto.RunAwsCliAsync("iam", "get-policy", "--policy-arn", $"arn:aws:iam::123456789012:policy/{policy}")).ExitCode);
        Assert.Empty(listener.Failures);
    }

    [Fact]
    public async Task A_bad_cloud_mode_exits_78_naming_the_key()
    {
        var (code, lines) = await RunAsync("cloud status", new { Cloud = new { Mode = "imageapi" } }, new Dictionary<string, string>());

        Assert.Equal(78, code);
        Assert.Contains(lines, l => l.Contains("Cloud:Mode", StringComparison.Ordinal) && l.Contains("'image-api' or 'stream-processor'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("UnrecognizedClientException", "The security token included in the request is invalid.", "error: The AWS credentials are not valid", "AWS_ACCESS_KEY_ID")]
    [InlineData("InvalidSignatureException", "The request signature we calculated does not match the signature you provided.", "error: The AWS credentials are not valid", "AWS_SECRET_ACCESS_KEY")]
    [InlineData("ExpiredTokenException", "The security token included in the request is expired", "error: The AWS credentials have expired", "get new ones")]
    public async Task Refused_credentials_read_as_credentials_not_as_a_missing_permission(string errorCode, string message, string reads, string remedy)
    {
        await using var refusing = AnsweringListener.Start(HttpStatusCode.BadRequest, $$"""{"__type":"{{errorCode}}","message":"{{message}}"}""");

        var (code, lines) = await RunAsync(
            "cloud status", new { Cloud = new { Mode = "image-api" } }, new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = refusing.Url.ToString() });

        Assert.Equal(1, code);
        Assert.Contains(lines, l => l.StartsWith(reads, StringComparison.Ordinal) && l.Contains(message, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(remedy, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("access denied", StringComparison.OrdinalIgnoreCase) || l.Contains("Grant", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_endpoint_that_never_answers_is_reported_as_a_timeout_with_the_endpoint_and_the_timeout()
    {
        // Connections are accepted and requests queued, but nobody ever answers them.
        var (silent, url) = LoopbackHttpListener.Start();
        try
        {
            var (code, lines) = await RunAsync(
                "cloud status", new { Cloud = new { Mode = "image-api" } }, new Dictionary<string, string> { ["AWS_ENDPOINT_URL_REKOGNITION"] = url.ToString() });

            Assert.Equal(1, code);
            Assert.Contains(lines, l => l.StartsWith($"error: Rekognition DescribeCollection to {url} timed out: no answer within 30 s.", StringComparison.Ordinal));
            Assert.DoesNotContain("cancelled", lines);
        }
        finally
        {
            silent.Close();
        }
    }

    private async Task<(int Code, IReadOnlyList<string> Lines)> RunAsync(string verb, object settings, IReadOnlyDictionary<string, string> environment)
    {
        await using var process = KvsEdgeProcess.Start(verb, settings, _work, environment);
        var code = await process.Exited.WaitAsync(Timeout);

        // Exited completes once both output streams are drained, so every line is in.
        return (code, process.Lines);
    }

    /// <summary>Answers every request with one fixed AWS JSON error, as AWS does for credentials it refuses.</summary>
    private sealed class AnsweringListener : IAsyncDisposable
    {
        private readonly HttpListener _listener;
        private readonly Task _loop;

        private AnsweringListener(HttpListener listener, Uri url, HttpStatusCode status, string body)
        {
            _listener = listener;
            Url = url;
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    var bytes = Encoding.UTF8.GetBytes(body);
                    context.Response.StatusCode = (int)status;
                    context.Response.ContentType = "application/x-amz-json-1.1";
                    context.Response.AddHeader("x-amzn-RequestId", "req-credentials-1");
                    await context.Response.OutputStream.WriteAsync(bytes);
                    context.Response.Close();
                }
            });
        }

        public Uri Url { get; }

        public static AnsweringListener Start(HttpStatusCode status, string body)
        {
            var (listener, url) = LoopbackHttpListener.Start();
            return new AnsweringListener(listener, url, status, body);
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Close();
            await _loop;
        }
    }
}

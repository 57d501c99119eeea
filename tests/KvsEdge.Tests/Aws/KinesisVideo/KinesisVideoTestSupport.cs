using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using KvsEdge.Aws;

namespace KvsEdge.Tests.Aws.KinesisVideo;

internal static partial class KinesisVideoTestSupport
{
    public static readonly Uri ControlUrl = new("https://kinesisvideo.test.local/");
    public static readonly Uri DataUrl = new("https://b-1234abcd.kinesisvideo.test.local/");

    public static AwsClientOptions Options(TimeSpan? timeout = null) => new()
    {
        Region = "eu-west-1",
        ServiceUrl = ControlUrl,
        Credentials = new BasicAWSCredentials(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey),
        Timeout = timeout ?? TimeSpan.FromSeconds(30),
    };

    public static KinesisVideoClient Control(RecordingHandler handler) => new(Options(), handler);

    public static KinesisVideoArchivedMediaClient Archived(HttpMessageHandler handler, TimeSpan? timeout = null) =>
        new(Options(timeout), DataUrl, handler);

    [GeneratedRegex(
        @"^AWS4-HMAC-SHA256 Credential=(?<akid>[A-Z0-9]+)/(?<date>\d{8})/(?<region>[a-z0-9-]+)/(?<service>[a-z0-9-]+)/aws4_request, SignedHeaders=(?<signed>[a-z0-9;-]+), Signature=[0-9a-f]{64}$")]
    public static partial Regex AuthorizationPattern();

    /// <summary>Asserts a SigV4 Authorization header scoped to eu-west-1/kinesisvideo.</summary>
    public static void AssertSignedForKinesisVideo(RecordedRequest request)
    {
        var match = AuthorizationPattern().Match(request.Headers["Authorization"]);
        Assert.True(match.Success, request.Headers["Authorization"]);
        Assert.Equal(AwsTestClients.AccessKeyId, match.Groups["akid"].Value);
        Assert.Equal("eu-west-1", match.Groups["region"].Value);
        Assert.Equal("kinesisvideo", match.Groups["service"].Value);
        Assert.Equal(request.Headers["X-Amz-Date"][..8], match.Groups["date"].Value);
        var signed = match.Groups["signed"].Value.Split(';');
        Assert.Contains("host", signed);
        Assert.Contains("x-amz-date", signed);
        Assert.DoesNotContain(AwsTestClients.SecretKey, request.Headers["Authorization"], StringComparison.Ordinal);
    }

    public static HttpResponseMessage Mp4(byte[] body, string contentType = "video/mp4", string? requestId = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        if (requestId is not null)
        {
            response.Headers.TryAddWithoutValidation("x-amzn-RequestId", requestId);
        }

        return response;
    }

    public static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((i * 31) ^ (i >> 8));
        }

        return bytes;
    }
}

/// <summary>Reports synchronously (Progress&lt;T&gt; would post to a thread-pool callback and race the assertions).</summary>
internal sealed class RecordingProgress : IProgress<long>
{
    private readonly Lock _gate = new();
    private readonly List<long> _values = [];

    public Action<long>? OnReport { get; init; }

    public IReadOnlyList<long> Values
    {
        get
        {
            lock (_gate)
            {
                return [.. _values];
            }
        }
    }

    public void Report(long value)
    {
        lock (_gate)
        {
            _values.Add(value);
        }

        OnReport?.Invoke(value);
    }
}

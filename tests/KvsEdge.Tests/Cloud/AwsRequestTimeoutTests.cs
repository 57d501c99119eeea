using System.Net;
using Amazon.Runtime;
using KvsEdge.Aws;
using KvsEdge.Cli;
using KvsEdge.Cloud;
using KvsEdge.Common;
using KvsEdge.Demo;

namespace KvsEdge.Tests.Cloud;

/// <summary>
/// An endpoint that accepts the connection and never answers: the error names the operation, the endpoint and the
/// timeout, instead of HttpClient's "A task was canceled".
/// </summary>
public sealed class AwsRequestTimeoutTests : IDisposable
{
    private readonly HttpListener _silent;
    private readonly Uri _url;

    public AwsRequestTimeoutTests()
    {
        // Requests are accepted by the listener's socket and queued; nobody ever takes them.
        (_silent, _url) = LoopbackHttpListener.Start();
    }

    public void Dispose() => _silent.Close();

    private AwsClientFactory Factory(TimeSpan timeout) => new(
        new AwsOptions { Region = "us-east-1", Endpoints = new AwsEndpointOptions { Rekognition = _url, Iam = _url, Kinesis = _url } },
        new BasicAWSCredentials("AKIDTEST", "test-secret"),
        timeout);

    [Fact]
    public async Task A_json_request_that_gets_no_answer_says_it_timed_out_with_the_endpoint_and_the_timeout()
    {
        using var rekognition = Factory(TimeSpan.FromMilliseconds(300)).CreateRekognition();

        var ex = await Assert.ThrowsAsync<AwsRequestTimeoutException>(() => rekognition.DescribeCollectionAsync("faces", CancellationToken.None));

        Assert.Equal($"Rekognition DescribeCollection to {_url} timed out: no answer within 0.3 s.", ex.Message);
        Assert.Equal(_url, ex.Endpoint);
        Assert.Equal(TimeSpan.FromMilliseconds(300), ex.Timeout);
        // Still a cancellation, as HttpClient's own timeout was: the appliance's loops keep treating it as transient.
        Assert.IsAssignableFrom<OperationCanceledException>(ex);
    }

    [Fact]
    public async Task A_query_request_that_gets_no_answer_says_so_too()
    {
        using var iam = Factory(TimeSpan.FromMilliseconds(300)).CreateIam();

        var ex = await Assert.ThrowsAsync<AwsRequestTimeoutException>(() => iam.GetRoleAsync("door", CancellationToken.None));

        Assert.StartsWith($"IAM GetRole to {_url} timed out", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_caller_cancelling_is_not_reported_as_a_timeout()
    {
        using var kinesis = Factory(TimeSpan.FromSeconds(30)).CreateKinesis();
        using var cancel = new CancellationTokenSource();
        var call = kinesis.DescribeStreamSummaryAsync("s", cancel.Token);
        await cancel.CancelAsync();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        Assert.IsNotType<AwsRequestTimeoutException>(ex);
    }

    [Fact]
    public void The_cli_prints_the_timeout_not_a_bare_cancelled()
    {
        using var error = new StringWriter();

        var code = CloudVerb.TryReport(new AwsRequestTimeoutException("Rekognition", "DescribeCollection", _url, TimeSpan.FromSeconds(30), new TaskCanceledException()), error);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.StartsWith($"error: Rekognition DescribeCollection to {_url} timed out: no answer within 30 s.", error.ToString(), StringComparison.Ordinal);
        Assert.NotEqual("cancelled", error.ToString().Trim());
    }
}

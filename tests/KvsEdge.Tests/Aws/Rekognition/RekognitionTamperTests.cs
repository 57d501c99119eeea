using System.Text;
using Amazon.Runtime;
using KvsEdge.Aws;
using KvsEdge.TestSupport;
using R = KvsEdge.TestSupport.RekognitionWireResponses;

namespace KvsEdge.Tests.Aws.Rekognition;

/// <summary>Changes made below the signer (after signing) must break verification: the verifier checks what was signed.</summary>
public sealed class RekognitionTamperTests
{
    [Fact]
    public async Task A_body_changed_after_signing_is_rejected()
    {
        await using var listener = new RekognitionWireListener(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey, RekognitionHarness.Region);
        listener.Handle("DescribeCollection", _ => R.DescribeCollection("door", 1, 1795581309));
        using var client = Client(listener, request =>
        {
            var body = request.Content!.ReadAsStringAsync().GetAwaiter().GetResult().Replace("door", "d00r", StringComparison.Ordinal);
            var headers = request.Content.Headers.ToList();
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            foreach (var header in headers.Where(h => h.Key != "Content-Length"))
            {
                request.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        });

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => client.DescribeCollectionAsync("door", CancellationToken.None));

        Assert.Equal(RekognitionWireListener.CheckFailedType, ex.ErrorCode);
        // The signer sends X-Amz-Content-SHA256 (signed); the body no longer hashes to it.
        Assert.Contains("is not the SHA-256 of the body", Assert.Single(listener.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_target_changed_after_signing_is_rejected()
    {
        await using var listener = new RekognitionWireListener(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey, RekognitionHarness.Region);
        listener.Handle("DeleteCollection", _ => R.Ok("""{"StatusCode":200}"""));
        using var client = Client(listener, request =>
        {
            request.Headers.Remove("X-Amz-Target");
            request.Headers.TryAddWithoutValidation("X-Amz-Target", "RekognitionService.DeleteCollection");
        });

        await Assert.ThrowsAsync<AwsServiceException>(() => client.DescribeCollectionAsync("door", CancellationToken.None));

        Assert.Contains("signature does not verify", Assert.Single(listener.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_scoped_to_another_region_is_rejected()
    {
        await using var listener = new RekognitionWireListener(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey, RekognitionHarness.Region);
        using var client = new RekognitionClient(new AwsClientOptions
        {
            Region = "us-east-1",
            ServiceUrl = listener.Url,
            Credentials = new BasicAWSCredentials(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey),
        });

        await Assert.ThrowsAsync<AwsServiceException>(() => client.DescribeCollectionAsync("door", CancellationToken.None));

        Assert.Contains("credential scope", Assert.Single(listener.Failures), StringComparison.Ordinal);
    }

    private static RekognitionClient Client(RekognitionWireListener listener, Action<HttpRequestMessage> tamper) =>
        new(
            new AwsClientOptions
            {
                Region = RekognitionHarness.Region,
                ServiceUrl = listener.Url,
                Credentials = new BasicAWSCredentials(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey),
            },
            new TamperingHandler(tamper));

    private sealed class TamperingHandler(Action<HttpRequestMessage> tamper) : DelegatingHandler(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            tamper(request);
            return base.SendAsync(request, cancellationToken);
        }
    }
}

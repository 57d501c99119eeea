using Amazon.Runtime;
using KvsEdge.Aws;
using KvsEdge.TestSupport;

namespace KvsEdge.Tests.Aws.Rekognition;

/// <summary>A wire listener on loopback and a real RekognitionClient (real SigV4 handler, real sockets) pointed at it.</summary>
internal sealed class RekognitionHarness : IAsyncDisposable
{
    public const string Region = "eu-west-1";

    public RekognitionHarness(string? clientSecret = null, AWSCredentials? credentials = null)
    {
        Listener = new RekognitionWireListener(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey, Region);
        Client = new RekognitionClient(new AwsClientOptions
        {
            Region = Region,
            ServiceUrl = Listener.Url,
            Credentials = credentials ?? new BasicAWSCredentials(AwsTestClients.AccessKeyId, clientSecret ?? AwsTestClients.SecretKey),
            Timeout = TimeSpan.FromSeconds(10),
        });
    }

    public RekognitionWireListener Listener { get; }

    public RekognitionClient Client { get; }

    public RekognitionWireRequest Single(string operation)
    {
        var requests = Listener.Requests.Where(r => r.Operation == operation).ToList();
        return Assert.Single(requests);
    }

    public void AssertNoWireFailures() => Assert.Empty(Listener.Failures);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Listener.DisposeAsync();
    }
}

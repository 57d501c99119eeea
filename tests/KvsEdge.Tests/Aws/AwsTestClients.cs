using Amazon.Runtime;
using KvsEdge.Aws;

namespace KvsEdge.Tests.Aws;

internal static class AwsTestClients
{
    public const string AccessKeyId = "AKIDEXAMPLE123";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string SessionToken = "session-token-example";

    public static KinesisClient Kinesis(RecordingHandler handler, string region = "eu-west-1", AWSCredentials? credentials = null) =>
        new(new AwsClientOptions
        {
            Region = region,
            ServiceUrl = new Uri("https://kinesis.test.local/"),
            Credentials = credentials ?? new BasicAWSCredentials(AccessKeyId, SecretKey),
        }, handler);
}

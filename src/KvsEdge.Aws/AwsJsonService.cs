namespace KvsEdge.Aws;

/// <summary>What an AWS JSON 1.1 service needs to be called: how to sign, where to send, how to name the operation.</summary>
/// <param name="DisplayName">Used in error messages, e.g. "Kinesis".</param>
/// <param name="SigningName">SigV4 credential-scope service, e.g. "kinesis".</param>
/// <param name="EndpointPrefix">Host prefix of the default endpoint, e.g. "kinesis".</param>
/// <param name="TargetPrefix">X-Amz-Target prefix, e.g. "Kinesis_20131202" or "RekognitionService".</param>
internal sealed record AwsJsonService(string DisplayName, string SigningName, string EndpointPrefix, string TargetPrefix)
{
    public static readonly AwsJsonService Kinesis = new("Kinesis", "kinesis", "kinesis", "Kinesis_20131202");

    public static readonly AwsJsonService Rekognition = new("Rekognition", "rekognition", "rekognition", "RekognitionService");
}

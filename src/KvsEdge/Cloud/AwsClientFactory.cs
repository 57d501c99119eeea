using Amazon.Runtime;
using KvsEdge.Aws.Iam;
using KvsEdge.Aws;
using KvsEdge.Common;

namespace KvsEdge.Cloud;

/// <summary>
/// Builds each thin AWS client from the `Aws` section: one region setting, one endpoint override per service
/// (`Aws:Endpoints:&lt;Service&gt;`), credentials from the AWS default chain (tests pass their own).
/// </summary>
public sealed class AwsClientFactory(AwsOptions options, AWSCredentials? credentials = null)
{
    public AwsOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    public KinesisClient CreateKinesis() => new(ClientOptions(Options.Endpoints.Kinesis));

    /// <summary>Its GetClip client goes to `Aws:Endpoints:KinesisVideoArchivedMedia` when set, else where GetDataEndpoint says.</summary>
    public KinesisVideoClient CreateKinesisVideo() =>
        new(ClientOptions(Options.Endpoints.KinesisVideo)) { ArchivedMediaEndpoint = Options.Endpoints.KinesisVideoArchivedMedia };

    /// <summary>
    /// GetClip goes to the endpoint GetDataEndpoint(GET_CLIP) returned, unless `Aws:Endpoints:KinesisVideoArchivedMedia`
    /// pins one (a local stand-in, a VPC endpoint).
    /// </summary>
    public KinesisVideoArchivedMediaClient CreateArchivedMedia(Uri discoveredEndpoint) =>
        new(ClientOptions(null), Options.Endpoints.KinesisVideoArchivedMedia ?? discoveredEndpoint);

    public RekognitionClient CreateRekognition() => new(ClientOptions(Options.Endpoints.Rekognition));

    public IamClient CreateIam() => new(ClientOptions(Options.Endpoints.Iam));

    /// <summary>S3 for `faces add s3://…`; an `Aws:Endpoints:S3` override switches to path-style addressing.</summary>
    public S3PhotoBucket CreateS3() => new(ClientOptions(Options.Endpoints.S3));

    /// <summary>The region and endpoint override a client for <paramref name="serviceUrl"/> gets (S3 is built from these too).</summary>
    public AwsClientOptions ClientOptions(Uri? serviceUrl) => new() { Region = Options.Region, ServiceUrl = serviceUrl, Credentials = credentials };
}

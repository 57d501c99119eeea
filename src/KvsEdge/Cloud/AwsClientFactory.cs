using Amazon.Runtime;
using KvsEdge.Aws.Iam;
using KvsEdge.Aws;
using KvsEdge.Common;

namespace KvsEdge.Cloud;

/// <summary>
/// Builds each thin AWS client from the `Aws` section: one region setting, one endpoint per service, credentials from
/// the AWS default chain (tests pass their own). A service's endpoint is, first to last: `Aws:Endpoints:&lt;Service&gt;`,
/// then the AWS SDKs' own variables `AWS_ENDPOINT_URL_&lt;SERVICE&gt;` and `AWS_ENDPOINT_URL` (ignored when
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`, as the SDKs and the aws CLI do), then the public regional endpoint.
/// </summary>
public sealed class AwsClientFactory
{
    /// <summary>The SDKs' service ids (botocore serviceId, upper case, spaces as '_') of the services KvsEdge calls.</summary>
    public const string KinesisServiceId = "KINESIS";
    public const string KinesisVideoServiceId = "KINESIS_VIDEO";
    public const string KinesisVideoArchivedMediaServiceId = "KINESIS_VIDEO_ARCHIVED_MEDIA";
    public const string RekognitionServiceId = "REKOGNITION";
    public const string IamServiceId = "IAM";
    public const string IotServiceId = "IOT";
    public const string IotDataServiceId = "IOT_DATA_PLANE";
    public const string S3ServiceId = "S3";
    public const string StsServiceId = "STS";

    private readonly AWSCredentials? _credentials;
    private readonly TimeSpan? _timeout;
    private readonly Func<string, string?> _environment;

    /// <param name="credentials">Explicit credentials (tests); null for the AWS default chain.</param>
    /// <param name="timeout">Per-request timeout (tests); null for <see cref="AwsClientOptions.Timeout"/>'s default.</param>
    /// <param name="environment">Reads an environment variable; null for the process environment.</param>
    public AwsClientFactory(AwsOptions options, AWSCredentials? credentials = null, TimeSpan? timeout = null, Func<string, string?>? environment = null)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        _credentials = credentials;
        _timeout = timeout;
        _environment = environment ?? Environment.GetEnvironmentVariable;
    }

    public AwsOptions Options { get; }

    /// <summary>Where Kinesis requests go: null means the public regional endpoint.</summary>
    /// <exception cref="AwsConfigurationException">An AWS_ENDPOINT_URL* variable is not an absolute http(s) URL.</exception>
    public Uri? KinesisEndpoint => Endpoint(Options.Endpoints.Kinesis, KinesisServiceId);

    public Uri? KinesisVideoEndpoint => Endpoint(Options.Endpoints.KinesisVideo, KinesisVideoServiceId);

    /// <summary>Pins GetClip's endpoint; null means the one GetDataEndpoint returns.</summary>
    public Uri? KinesisVideoArchivedMediaEndpoint => Endpoint(Options.Endpoints.KinesisVideoArchivedMedia, KinesisVideoArchivedMediaServiceId);

    public Uri? RekognitionEndpoint => Endpoint(Options.Endpoints.Rekognition, RekognitionServiceId);

    public Uri? IamEndpoint => Endpoint(Options.Endpoints.Iam, IamServiceId);

    public Uri? IotEndpoint => Endpoint(Options.Endpoints.Iot, IotServiceId);

    public Uri? IotDataEndpoint => Endpoint(Options.Endpoints.IotData, IotDataServiceId);

    public Uri? S3Endpoint => Endpoint(Options.Endpoints.S3, S3ServiceId);

    public Uri? StsEndpoint => Endpoint(Options.Endpoints.Sts, StsServiceId);

    public KinesisClient CreateKinesis() => new(ClientOptions(KinesisEndpoint));

    /// <summary>Its GetClip client goes to the archived-media endpoint when one is set, else where GetDataEndpoint says.</summary>
    public KinesisVideoClient CreateKinesisVideo() =>
        new(ClientOptions(KinesisVideoEndpoint)) { ArchivedMediaEndpoint = KinesisVideoArchivedMediaEndpoint };

    /// <summary>
    /// GetClip goes to the endpoint GetDataEndpoint(GET_CLIP) returned, unless `Aws:Endpoints:KinesisVideoArchivedMedia`
    /// (or AWS_ENDPOINT_URL_KINESIS_VIDEO_ARCHIVED_MEDIA / AWS_ENDPOINT_URL) pins one (a local stand-in, a VPC endpoint).
    /// </summary>
    public KinesisVideoArchivedMediaClient CreateArchivedMedia(Uri discoveredEndpoint) =>
        new(ClientOptions(null), KinesisVideoArchivedMediaEndpoint ?? discoveredEndpoint);

    public RekognitionClient CreateRekognition() => new(ClientOptions(RekognitionEndpoint));

    public IamClient CreateIam() => new(ClientOptions(IamEndpoint));

    public KvsEdge.Aws.Iot.IotClient CreateIot() => new(ClientOptions(IotEndpoint));

    public KvsEdge.Aws.Iot.IotDataClient CreateIotData() => new(ClientOptions(IotDataEndpoint));

    /// <summary>S3 for `faces add s3://…`; an endpoint override switches to path-style addressing.</summary>
    public S3PhotoBucket CreateS3() => new(ClientOptions(S3Endpoint));

    /// <summary>The region and endpoint override a client for <paramref name="serviceUrl"/> gets (S3 is built from these too).</summary>
    public AwsClientOptions ClientOptions(Uri? serviceUrl)
    {
        var options = new AwsClientOptions { Region = Options.Region, ServiceUrl = serviceUrl, Credentials = _credentials };
        if (_timeout is { } timeout)
        {
            options.Timeout = timeout;
        }

        return options;
    }

    /// <summary>The configured endpoint, else the service's AWS_ENDPOINT_URL_&lt;SERVICE&gt;, else AWS_ENDPOINT_URL, else null.</summary>
    /// <exception cref="AwsConfigurationException">The variable that would be used is not an absolute http(s) URL.</exception>
    public Uri? Endpoint(Uri? configured, string serviceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        if (configured is not null)
        {
            return configured;
        }

        if (string.Equals(_environment("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return FromVariable("AWS_ENDPOINT_URL_" + serviceId) ?? FromVariable("AWS_ENDPOINT_URL");
    }

    private Uri? FromVariable(string name)
    {
        var value = _environment(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Uri.TryCreate(value.Trim(), UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new AwsConfigurationException($"{name} '{value}' is not an endpoint URL: give the scheme and host, e.g. http://127.0.0.1:5000 or https://vpce-….amazonaws.com.");
    }
}

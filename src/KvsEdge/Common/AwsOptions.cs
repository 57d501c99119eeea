namespace KvsEdge.Common;

/// <summary>
/// The `Aws` section. Credentials never live here: they come from the standard AWS chain
/// (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE, instance roles).
/// </summary>
public sealed class AwsOptions
{
    public const string SectionName = "Aws";

    /// <summary>Overrides AWS_DEFAULT_REGION / the profile's region when set.</summary>
    public string? Region { get; set; }

    /// <summary>Service URL overrides, for local endpoints (kinesalite, moto) and VPC endpoints.</summary>
    public AwsEndpointOptions Endpoints { get; set; } = new();
}

public sealed class AwsEndpointOptions
{
    public Uri? Kinesis { get; set; }

    public Uri? KinesisVideo { get; set; }

    /// <summary>Replaces the data endpoint GetDataEndpoint discovers (GetClip), e.g. for a local stand-in.</summary>
    public Uri? KinesisVideoArchivedMedia { get; set; }

    public Uri? Rekognition { get; set; }

    public Uri? Iam { get; set; }

    /// <summary>The AWS IoT control plane (things, policies, certificates, thing groups).</summary>
    public Uri? Iot { get; set; }

    /// <summary>The AWS IoT data plane's HTTP API (device shadows); default data-ats.iot.&lt;region&gt;.amazonaws.com.</summary>
    public Uri? IotData { get; set; }

    public Uri? S3 { get; set; }

    public Uri? Sts { get; set; }
}

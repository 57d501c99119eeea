using Amazon.Runtime;

namespace KvsEdge.Aws;

/// <summary>Settings shared by every AWS client (binds from the <c>Aws</c> configuration section).</summary>
public sealed class AwsClientOptions
{
    /// <summary>Region, e.g. <c>eu-west-1</c>. When null: AWS_REGION, AWS_DEFAULT_REGION, then the AWS profile.</summary>
    public string? Region { get; set; }

    /// <summary>Endpoint override (kinesalite, moto, a proxy). When null the public regional endpoint is used.</summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>Explicit credentials (tests, demos). When null the AWS SDK default chain is used.</summary>
    public AWSCredentials? Credentials { get; set; }

    /// <summary>Whole-request timeout, including reading the response.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

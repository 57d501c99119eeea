using Amazon;

namespace KvsEdge.Aws.Iam;

/// <summary>
/// IAM is global per partition: one endpoint and one signing region, whatever region the rest of KvsEdge uses.
/// The configured region (options, AWS_REGION, AWS_DEFAULT_REGION, profile) only selects the partition.
/// </summary>
internal static class IamEndpoint
{
    /// <summary>SigV4 credential-scope service name.</summary>
    public const string SigningName = "iam";

    /// <summary>Standard partition ("aws"): <c>https://iam.amazonaws.com/</c>, signed for us-east-1.</summary>
    public static readonly Uri Global = new("https://iam.amazonaws.com/");

    /// <summary>Signing region and default endpoint of the partition that <paramref name="configuredRegion"/> belongs to.</summary>
    /// <exception cref="AwsConfigurationException">An isolated partition (ISO, ISOB, ...) without a ServiceUrl override.</exception>
    public static (RegionEndpoint SigningRegion, Uri ServiceUrl) For(RegionEndpoint configuredRegion, Uri? serviceUrlOverride)
    {
        ArgumentNullException.ThrowIfNull(configuredRegion);
        var name = configuredRegion.SystemName;

        if (name.StartsWith("cn-", StringComparison.Ordinal))
        {
            // China: aws-cn partition, global endpoint hosted in Beijing.
            return (RegionEndpoint.CNNorth1, serviceUrlOverride ?? new Uri("https://iam.cn-north-1.amazonaws.com.cn/"));
        }

        if (name.StartsWith("us-gov-", StringComparison.Ordinal))
        {
            // GovCloud (US): aws-us-gov partition, global endpoint signed for us-gov-west-1.
            return (RegionEndpoint.USGovCloudWest1, serviceUrlOverride ?? new Uri("https://iam.us-gov.amazonaws.com/"));
        }

        if (name.Contains("-iso", StringComparison.Ordinal))
        {
            // Isolated partitions have their own endpoints that KvsEdge has never been tested against.
            return serviceUrlOverride is not null
                ? (configuredRegion, serviceUrlOverride)
                : throw new AwsConfigurationException(
                    $"The IAM endpoint for region {name} is not known. Set Aws:Endpoints for IAM (ServiceUrl) explicitly.");
        }

        return (RegionEndpoint.USEast1, serviceUrlOverride ?? Global);
    }
}

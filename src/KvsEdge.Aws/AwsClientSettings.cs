using Amazon;
using Amazon.Runtime;

namespace KvsEdge.Aws;

/// <summary>Region, credentials and endpoint after applying options, environment and the AWS SDK default chains.</summary>
internal sealed record AwsClientSettings(RegionEndpoint Region, AWSCredentials Credentials, Uri ServiceUrl)
{
    public static AwsClientSettings Resolve(AwsClientOptions options, AwsJsonService service) =>
        Resolve(
            options,
            service,
            Environment.GetEnvironmentVariable,
            // No instance metadata: on a Pi it is absent and probing it only slows start-up.
            () => FallbackRegionFactory.GetRegionEndpoint(includeInstanceMetadata: false),
            () => Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver.GetCredentials());

    /// <summary>The seams let tests prove the error messages without touching the process environment.</summary>
    public static AwsClientSettings Resolve(
        AwsClientOptions options,
        AwsJsonService service,
        Func<string, string?> getEnvironmentVariable,
        Func<RegionEndpoint?> profileRegion,
        Func<AWSCredentials> defaultCredentials)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        ArgumentNullException.ThrowIfNull(profileRegion);
        ArgumentNullException.ThrowIfNull(defaultCredentials);

        var region = ResolveRegion(options, getEnvironmentVariable, profileRegion);
        var credentials = options.Credentials ?? ResolveDefaultCredentials(defaultCredentials);
        var serviceUrl = options.ServiceUrl
            ?? new Uri($"https://{service.EndpointPrefix}.{region.SystemName}.{region.PartitionDnsSuffix}/");
        return new AwsClientSettings(region, credentials, serviceUrl);
    }

    private static RegionEndpoint ResolveRegion(
        AwsClientOptions options,
        Func<string, string?> getEnvironmentVariable,
        Func<RegionEndpoint?> profileRegion)
    {
        // AWS_DEFAULT_REGION is honoured here because the v4 SDK's region chain reads only AWS_REGION.
        var name = NullIfBlank(options.Region)
            ?? NullIfBlank(getEnvironmentVariable("AWS_REGION"))
            ?? NullIfBlank(getEnvironmentVariable("AWS_DEFAULT_REGION"));
        if (name is not null)
        {
            return RegionEndpoint.GetBySystemName(name);
        }

        RegionEndpoint? fromProfile;
        try
        {
            fromProfile = profileRegion();
        }
        catch (AmazonClientException ex)
        {
            throw new AwsConfigurationException(MissingRegionMessage, ex);
        }

        return fromProfile ?? throw new AwsConfigurationException(MissingRegionMessage);
    }

    private static AWSCredentials ResolveDefaultCredentials(Func<AWSCredentials> defaultCredentials)
    {
        try
        {
            return defaultCredentials() ?? throw new AwsConfigurationException(MissingCredentialsMessage);
        }
        catch (AmazonClientException ex)
        {
            // The SDK's message lists which providers were tried; it never contains key material.
            throw new AwsConfigurationException(MissingCredentialsMessage, ex);
        }
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    internal const string MissingRegionMessage =
        "No AWS region is configured. Set AWS_DEFAULT_REGION (or AWS_REGION), or Aws:Region in appsettings.json, "
        + "or a region in the AWS profile.";

    internal const string MissingCredentialsMessage =
        "No AWS credentials were found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for "
        + "temporary credentials), or AWS_PROFILE naming a profile in ~/.aws/credentials or ~/.aws/config.";
}

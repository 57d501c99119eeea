using Amazon;
using Amazon.Runtime;
using KvsEdge.Aws;

namespace KvsEdge.Tests.Aws;

public sealed class AwsClientSettingsTests
{
    private static readonly AWSCredentials Credentials = new BasicAWSCredentials("AKIDEXAMPLE", "not-a-real-secret");

    private static AwsClientSettings Resolve(
        AwsClientOptions options,
        Dictionary<string, string>? environment = null,
        RegionEndpoint? profileRegion = null,
        Func<AWSCredentials>? defaultCredentials = null) =>
        AwsClientSettings.Resolve(
            options,
            AwsJsonService.Kinesis,
            name => environment is not null && environment.TryGetValue(name, out var value) ? value : null,
            () => profileRegion,
            defaultCredentials ?? (() => Credentials));

    [Fact]
    public void Missing_region_says_how_to_set_one()
    {
        var ex = Assert.Throws<AwsConfigurationException>(() => Resolve(new AwsClientOptions()));

        Assert.Contains("AWS_DEFAULT_REGION", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Aws:Region", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_credentials_name_the_variables_and_leak_nothing()
    {
        var sdkError = new AmazonClientException("Failed to resolve AWS credentials.");

        var ex = Assert.Throws<AwsConfigurationException>(() =>
            Resolve(new AwsClientOptions { Region = "eu-west-1" }, defaultCredentials: () => throw sdkError));

        Assert.Contains("AWS_ACCESS_KEY_ID", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_SECRET_ACCESS_KEY", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_PROFILE", ex.Message, StringComparison.Ordinal);
        Assert.Same(sdkError, ex.InnerException);
    }

    [Fact]
    public void Region_precedence_is_options_then_AWS_REGION_then_AWS_DEFAULT_REGION_then_profile()
    {
        var env = new Dictionary<string, string> { ["AWS_REGION"] = "eu-west-2", ["AWS_DEFAULT_REGION"] = "eu-west-3" };

        Assert.Equal("eu-north-1", Resolve(new AwsClientOptions { Region = "eu-north-1" }, env).Region.SystemName);
        Assert.Equal("eu-west-2", Resolve(new AwsClientOptions(), env).Region.SystemName);
        Assert.Equal("eu-west-3", Resolve(new AwsClientOptions(), new() { ["AWS_DEFAULT_REGION"] = "eu-west-3" }, RegionEndpoint.APSouth1).Region.SystemName);
        Assert.Equal("ap-south-1", Resolve(new AwsClientOptions(), profileRegion: RegionEndpoint.APSouth1).Region.SystemName);
    }

    [Fact]
    public void Explicit_credentials_skip_the_default_chain()
    {
        var settings = Resolve(
            new AwsClientOptions { Region = "us-east-1", Credentials = Credentials },
            defaultCredentials: () => throw new InvalidOperationException("must not be called"));

        Assert.Same(Credentials, settings.Credentials);
    }

    [Theory]
    [InlineData("us-east-1", "https://kinesis.us-east-1.amazonaws.com/")]
    [InlineData("cn-north-1", "https://kinesis.cn-north-1.amazonaws.com.cn/")]
    public void Default_endpoint_follows_the_region_partition(string region, string expected) =>
        Assert.Equal(new Uri(expected), Resolve(new AwsClientOptions { Region = region }).ServiceUrl);

    [Fact]
    public void Service_url_override_wins()
    {
        var url = new Uri("http://127.0.0.1:4567/");

        Assert.Equal(url, Resolve(new AwsClientOptions { Region = "us-east-1", ServiceUrl = url }).ServiceUrl);
    }
}

using Amazon.Runtime;
using KvsEdge.Aws;
using KvsEdge.Cloud;

using KvsEdge.Common;
namespace KvsEdge.Tests.Cloud;

/// <summary>
/// Where each client sends its requests: `Aws:Endpoints:&lt;Service&gt;`, else AWS_ENDPOINT_URL_&lt;SERVICE&gt;, else
/// AWS_ENDPOINT_URL, else the regional endpoint; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns the variables off.
/// </summary>
public sealed class AwsEndpointPrecedenceTests
{
    private static readonly Uri Configured = new("http://configured.test:1/");

    private static AwsClientFactory Factory(Dictionary<string, string> environment, AwsEndpointOptions? endpoints = null) =>
        new(
            new AwsOptions { Region = "eu-west-1", Endpoints = endpoints ?? new AwsEndpointOptions() },
            new BasicAWSCredentials("AKIDTEST", "test-secret"),
            environment: name => environment.GetValueOrDefault(name));

    [Fact]
    public void Each_service_reads_its_own_variable_by_the_sdk_service_id()
    {
        var factory = Factory(new()
        {
            ["AWS_ENDPOINT_URL_KINESIS"] = "http://kinesis.test:1",
            ["AWS_ENDPOINT_URL_KINESIS_VIDEO"] = "http://video.test:2",
            ["AWS_ENDPOINT_URL_KINESIS_VIDEO_ARCHIVED_MEDIA"] = "http://archive.test:3",
            ["AWS_ENDPOINT_URL_REKOGNITION"] = "http://rekognition.test:4",
            ["AWS_ENDPOINT_URL_IAM"] = "http://iam.test:5",
            ["AWS_ENDPOINT_URL_S3"] = "http://s3.test:6",
            ["AWS_ENDPOINT_URL_STS"] = "http://sts.test:7",
        });

        Assert.Equal(
            ["http://kinesis.test:1/", "http://video.test:2/", "http://archive.test:3/", "http://rekognition.test:4/", "http://iam.test:5/", "http://s3.test:6/", "http://sts.test:7/"],
            new[]
            {
                factory.KinesisEndpoint, factory.KinesisVideoEndpoint, factory.KinesisVideoArchivedMediaEndpoint, factory.RekognitionEndpoint,
                factory.IamEndpoint, factory.S3Endpoint, factory.StsEndpoint,
            }.Select(u => u!.ToString()));
    }

    [Fact]
    public void Configuration_beats_the_service_variable_which_beats_the_global_one()
    {
        var factory = Factory(
            new()
            {
                ["AWS_ENDPOINT_URL"] = "http://global.test:9",
                ["AWS_ENDPOINT_URL_REKOGNITION"] = "http://rekognition.test:4",
                ["AWS_ENDPOINT_URL_KINESIS"] = "http://kinesis.test:1",
            },
            new AwsEndpointOptions { Kinesis = Configured });

        Assert.Equal(Configured, factory.KinesisEndpoint);
        Assert.Equal(new Uri("http://rekognition.test:4/"), factory.RekognitionEndpoint);
        Assert.Equal(new Uri("http://global.test:9/"), factory.IamEndpoint);
        Assert.Equal(new Uri("http://global.test:9/"), factory.KinesisVideoEndpoint);

        using var rekognition = factory.CreateRekognition();
        Assert.Equal(new Uri("http://rekognition.test:4/"), rekognition.ServiceUrl);
        using var iam = factory.CreateIam();
        Assert.Equal(new Uri("http://global.test:9/"), iam.ServiceUrl);
    }

    [Fact]
    public void Without_configuration_or_variables_the_regional_endpoint_is_used()
    {
        var factory = Factory(new());

        Assert.Null(factory.RekognitionEndpoint);
        using var rekognition = factory.CreateRekognition();
        Assert.Equal(new Uri("https://rekognition.eu-west-1.amazonaws.com/"), rekognition.ServiceUrl);
    }

    [Fact]
    public void Ignore_configured_endpoint_urls_turns_the_variables_off_but_not_the_configuration()
    {
        var factory = Factory(
            new() { ["AWS_ENDPOINT_URL"] = "http://global.test:9", ["AWS_ENDPOINT_URL_REKOGNITION"] = "http://r.test:4", ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true" },
            new AwsEndpointOptions { Kinesis = Configured });

        Assert.Null(factory.RekognitionEndpoint);
        Assert.Null(factory.IamEndpoint);
        Assert.Equal(Configured, factory.KinesisEndpoint);
    }

    [Theory]
    [InlineData("AWS_ENDPOINT_URL_REKOGNITION", "localhost:4566")]
    [InlineData("AWS_ENDPOINT_URL", "ftp://example.test/")]
    public void A_variable_that_is_not_a_url_is_a_configuration_error_naming_it(string name, string value)
    {
        var factory = Factory(new() { [name] = value });

        var ex = Assert.Throws<AwsConfigurationException>(() => factory.RekognitionEndpoint);

        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.Contains(value, ex.Message, StringComparison.Ordinal);
    }
}

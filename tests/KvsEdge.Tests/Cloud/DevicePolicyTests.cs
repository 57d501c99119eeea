using System.Text.Json;
using KvsEdge.Aws.Iam;
using KvsEdge.Cloud;

namespace KvsEdge.Tests.Cloud;

/// <summary>The image-API device policy: one action on one collection, nothing else.</summary>
public sealed class DevicePolicyTests
{
    private const string Arn = "arn:aws:rekognition:eu-west-1:123456789012:collection/front-door-faces";

    [Fact]
    public void It_allows_exactly_SearchFacesByImage_on_exactly_the_collection_and_nothing_else()
    {
        using var document = JsonDocument.Parse(DevicePolicy.ForCollection(Arn));
        var root = document.RootElement;

        Assert.Equal(["Version", "Statement"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2012-10-17", root.GetProperty("Version").GetString());
        var statement = Assert.Single(root.GetProperty("Statement").EnumerateArray());
        Assert.Equal(["Sid", "Effect", "Action", "Resource"], statement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Allow", statement.GetProperty("Effect").GetString());
        Assert.Equal(JsonValueKind.String, statement.GetProperty("Action").ValueKind);
        Assert.Equal("rekognition:SearchFacesByImage", statement.GetProperty("Action").GetString());
        Assert.Equal(JsonValueKind.String, statement.GetProperty("Resource").ValueKind);
        Assert.Equal(Arn, statement.GetProperty("Resource").GetString());
        Assert.DoesNotContain('*', document.RootElement.GetRawText());
        Assert.DoesNotContain('?', document.RootElement.GetRawText());
    }

    [Fact]
    public void The_arn_rekognition_returns_without_its_arn_prefix_gets_it()
    {
        // CreateCollection and DescribeCollection answer "aws:rekognition:…"; IAM would match nothing with that.
        using var document = JsonDocument.Parse(DevicePolicy.ForCollection("aws:rekognition:eu-west-1:123456789012:collection/front-door-faces"));

        Assert.Equal(Arn, document.RootElement.GetProperty("Statement")[0].GetProperty("Resource").GetString());
    }

    [Theory]
    [InlineData("arn:aws:rekognition:eu-west-1:123456789012:collection/*")]
    [InlineData("arn:aws:rekognition:eu-west-1:*:collection/front")]
    [InlineData("arn:aws:rekognition:eu-west-1:123456789012:streamprocessor/front")]
    [InlineData("arn:aws:s3:eu-west-1:123456789012:collection/front")]
    [InlineData("arn:aws:rekognition:eu-west-1:123456789012:collection/")]
    public void Wildcards_and_other_resources_are_refused(string arn) =>
        Assert.Throws<ArgumentException>(() => DevicePolicy.ForCollection(arn));

    [Theory]
    [InlineData(null, "kinesis", CloudModes.StreamProcessor)]
    [InlineData(null, "kinesis,image-api", CloudModes.StreamProcessor)]
    [InlineData(null, "image-api", CloudModes.ImageApi)]
    [InlineData(null, "replay", CloudModes.ImageApi)]
    [InlineData("", "image-api", CloudModes.ImageApi)]
    [InlineData("stream-processor", "image-api", CloudModes.StreamProcessor)]
    [InlineData("Image-API", "kinesis", CloudModes.ImageApi)]
    public void The_mode_is_the_configured_one_else_chosen_from_the_recognition_source(string? configured, string source, string expected) =>
        Assert.Equal(expected, CloudModes.Resolve(configured, KvsEdge.Recognition.RecognitionOptions.ParseSources(source)));

    [Theory]
    [InlineData("image-api", true)]
    [InlineData("stream-processor", true)]
    [InlineData(null, true)]
    [InlineData("imageapi", false)]
    [InlineData("kinesis", false)]
    public void Cloud_Mode_is_validated_naming_the_key_and_both_values(string? mode, bool valid)
    {
        var result = new CloudOptionsValidator().Validate(null, new CloudOptions { Mode = mode });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            var failure = Assert.Single(result.Failures!);
            Assert.Contains("Cloud:Mode", failure, StringComparison.Ordinal);
            Assert.Contains("'image-api' or 'stream-processor'", failure, StringComparison.Ordinal);
            Assert.Contains($"'{mode}'", failure, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_bad_device_policy_name_is_refused_naming_the_key() =>
        Assert.Contains(
            new CloudOptionsValidator().Validate(null, new CloudOptions { DevicePolicyName = "has spaces" }).Failures!,
            f => f.Contains("Cloud:DevicePolicyName", StringComparison.Ordinal));
}

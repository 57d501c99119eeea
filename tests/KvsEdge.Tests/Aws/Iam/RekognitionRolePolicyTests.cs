using System.Text.Json;
using KvsEdge.Aws.Iam;

namespace KvsEdge.Tests.Aws.Iam;

public sealed class RekognitionRolePolicyTests
{
    private const string VideoArn = "arn:aws:kinesisvideo:eu-west-1:123456789012:stream/front-door/1700000000000";
    private const string DataArn = "arn:aws:kinesis:eu-west-1:123456789012:stream/kvsedge-faces";

    [Fact]
    public void Trust_policy_lets_only_rekognition_assume_the_role()
    {
        Assert.Equal(
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"rekognition.amazonaws.com"},"Action":"sts:AssumeRole"}]}""",
            RekognitionRolePolicy.TrustPolicy());
    }

    [Fact]
    public void Trust_policy_can_pin_the_source_account()
    {
        using var doc = JsonDocument.Parse(RekognitionRolePolicy.TrustPolicy("123456789012"));
        var statement = Assert.Single(doc.RootElement.GetProperty("Statement").EnumerateArray());
        Assert.Equal("123456789012", statement.GetProperty("Condition").GetProperty("StringEquals").GetProperty("aws:SourceAccount").GetString());
        Assert.Throws<ArgumentException>(() => RekognitionRolePolicy.TrustPolicy("12345"));
        Assert.Throws<ArgumentException>(() => RekognitionRolePolicy.TrustPolicy("*"));
    }

    [Fact]
    public void Stream_processor_policy_grants_exact_actions_on_exact_streams()
    {
        var json = RekognitionRolePolicy.StreamProcessorPolicy(VideoArn, DataArn);

        using var doc = JsonDocument.Parse(json);
        Assert.Equal("2012-10-17", doc.RootElement.GetProperty("Version").GetString());
        var statements = doc.RootElement.GetProperty("Statement").EnumerateArray().ToList();
        Assert.Equal(2, statements.Count);
        Assert.All(statements, s =>
        {
            Assert.Equal("Allow", s.GetProperty("Effect").GetString());
            Assert.False(s.TryGetProperty("NotAction", out _));
            Assert.False(s.TryGetProperty("NotResource", out _));
        });

        var grants = statements.ToDictionary(
            s => s.GetProperty("Resource").GetString()!,
            s => s.GetProperty("Action").EnumerateArray().Select(a => a.GetString()!).ToArray());
        Assert.Equal(["kinesisvideo:GetDataEndpoint", "kinesisvideo:GetMedia", "kinesisvideo:DescribeStream"], grants[VideoArn]);
        Assert.Equal(["kinesis:PutRecord", "kinesis:PutRecords"], grants[DataArn]);
        Assert.DoesNotContain("*", json, StringComparison.Ordinal);
        Assert.DoesNotContain("FullAccess", json, StringComparison.Ordinal);
        Assert.Equal(
            """{"Version":"2012-10-17","Statement":[{"Sid":"ReadVideoStream","Effect":"Allow","Action":["kinesisvideo:GetDataEndpoint","kinesisvideo:GetMedia","kinesisvideo:DescribeStream"],"Resource":"arn:aws:kinesisvideo:eu-west-1:123456789012:stream/front-door/1700000000000"},{"Sid":"WriteDataStream","Effect":"Allow","Action":["kinesis:PutRecord","kinesis:PutRecords"],"Resource":"arn:aws:kinesis:eu-west-1:123456789012:stream/kvsedge-faces"}]}""",
            json);
    }

    [Theory]
    [InlineData("*", DataArn)]
    [InlineData("arn:aws:kinesisvideo:eu-west-1:123456789012:stream/*", DataArn)]
    [InlineData("arn:aws:kinesisvideo:eu-west-1:123456789012:stream/front-door/?", DataArn)]
    [InlineData(DataArn, DataArn)]
    [InlineData("arn:aws:kinesisvideo:eu-west-1:12345:stream/front-door/1", DataArn)]
    [InlineData("arn:aws:kinesisvideo:eu-west-1:123456789012:stream/", DataArn)]
    [InlineData(VideoArn, VideoArn)]
    [InlineData(VideoArn, "arn:aws:kinesis:eu-west-1:123456789012:stream/*")]
    [InlineData(VideoArn, "arn:aws:kinesis:*:123456789012:stream/kvsedge-faces")]
    [InlineData(VideoArn, "kvsedge-faces")]
    [InlineData(VideoArn, "")]
    public void Wildcards_and_wrong_arns_are_refused(string video, string data)
    {
        Assert.ThrowsAny<ArgumentException>(() => RekognitionRolePolicy.StreamProcessorPolicy(video, data));
    }

    [Fact]
    public void Other_partitions_are_accepted()
    {
        var json = RekognitionRolePolicy.StreamProcessorPolicy(
            "arn:aws-cn:kinesisvideo:cn-north-1:123456789012:stream/door/1",
            "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/faces");
        Assert.Contains("arn:aws-cn:kinesis:cn-north-1", json, StringComparison.Ordinal);
    }

    [Fact]
    public void PolicyEquals_ignores_whitespace_key_order_array_order_and_single_item_arrays()
    {
        var built = RekognitionRolePolicy.StreamProcessorPolicy(VideoArn, DataArn);
        var reordered = $$"""
            {
              "Statement": [
                { "Resource": ["{{DataArn}}"], "Action": [ "kinesis:PutRecords", "kinesis:PutRecord" ], "Effect": "Allow", "Sid": "WriteDataStream" },
                {
                  "Effect": "Allow",
                  "Sid": "ReadVideoStream",
                  "Action": ["kinesisvideo:DescribeStream", "kinesisvideo:GetMedia", "kinesisvideo:GetDataEndpoint"],
                  "Resource": "{{VideoArn}}"
                }
              ],
              "Version": "2012-10-17"
            }
            """;

        Assert.True(RekognitionRolePolicy.PolicyEquals(built, reordered));
        Assert.True(RekognitionRolePolicy.PolicyEquals(reordered, built));
        Assert.True(RekognitionRolePolicy.PolicyEquals(
            RekognitionRolePolicy.TrustPolicy(),
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["rekognition.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}"""));
    }

    [Fact]
    public void PolicyEquals_sees_real_differences()
    {
        var built = RekognitionRolePolicy.StreamProcessorPolicy(VideoArn, DataArn);

        Assert.False(RekognitionRolePolicy.PolicyEquals(built, RekognitionRolePolicy.StreamProcessorPolicy(VideoArn, DataArn + "-2")));
        Assert.False(RekognitionRolePolicy.PolicyEquals(built, built.Replace("kinesis:PutRecords", "kinesis:*", StringComparison.Ordinal)));
        Assert.False(RekognitionRolePolicy.PolicyEquals(built, built.Replace("\"kinesis:PutRecord\",", string.Empty, StringComparison.Ordinal)));
        Assert.False(RekognitionRolePolicy.PolicyEquals(built, built.Replace("\"Allow\"", "\"Deny\"", StringComparison.Ordinal)));
        Assert.False(RekognitionRolePolicy.PolicyEquals(built, built.Replace("Sid", "sid", StringComparison.Ordinal)));
        Assert.False(RekognitionRolePolicy.PolicyEquals(RekognitionRolePolicy.TrustPolicy(), RekognitionRolePolicy.TrustPolicy("123456789012")));
        Assert.False(RekognitionRolePolicy.PolicyEquals("""{"A":["x","x"]}""", """{"A":["x","y"]}"""));
        Assert.False(RekognitionRolePolicy.PolicyEquals("""{"A":["x","y"]}""", """{"A":"x"}"""));
        Assert.False(RekognitionRolePolicy.PolicyEquals(built, "not json"));
        Assert.False(RekognitionRolePolicy.PolicyEquals(built, null));
        Assert.True(RekognitionRolePolicy.PolicyEquals(null, null));
        Assert.True(RekognitionRolePolicy.PolicyEquals("""{"N":1.0,"B":true}""", """{"B":true,"N":1}"""));
    }
}

using System.Text.Json;
using KvsEdge.Aws;
using KvsEdge.IntegrationTests.Infrastructure;

namespace KvsEdge.IntegrationTests.KinesisVideo;

[Collection("moto")]
[Trait("Category", "Integration")]
public sealed class KinesisVideoMotoTests(MotoFixture moto)
{
    private static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public async Task Stream_lifecycle_create_describe_endpoint_delete()
    {
        var name = MotoFixture.UniqueName();
        using var client = moto.CreateKinesisVideoClient();
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);

        var arn = await client.CreateStreamAsync(name, 24, "video/h264", Ct);

        Assert.StartsWith("arn:aws:kinesisvideo:us-east-1:", arn, StringComparison.Ordinal);
        Assert.Contains(":stream/" + name + "/", arn, StringComparison.Ordinal);

        var info = await client.DescribeStreamAsync(name, Ct);
        Assert.Equal(name, info.StreamName);
        Assert.Equal(arn, info.StreamArn);
        Assert.Equal("ACTIVE", info.Status);
        Assert.True(info.IsActive);
        Assert.Equal(24, info.DataRetentionInHours);
        Assert.Equal("video/h264", info.MediaType);
        Assert.False(string.IsNullOrEmpty(info.CurrentVersion));
        Assert.NotNull(info.CreationTime);
        Assert.InRange(info.CreationTime.Value, before, DateTimeOffset.UtcNow.AddMinutes(1));

        var byArn = await client.DescribeStreamAsync(arn, Ct);
        Assert.Equal(info, byArn);
        Assert.True((await client.WaitForActiveAsync(name, TimeProvider.System, TimeSpan.FromSeconds(5), Ct)).IsActive);

        var endpoint = await client.GetDataEndpointAsync(name, KinesisVideoApiName.GetClip, Ct);
        Assert.True(endpoint.IsAbsoluteUri);
        Assert.Equal(Uri.UriSchemeHttps, endpoint.Scheme);
        Assert.Contains("kinesisvideo", endpoint.Host, StringComparison.Ordinal);
        Assert.Equal(endpoint, await client.ResolveArchivedMediaEndpointAsync(arn, Ct));

        await client.DeleteStreamAsync(arn, info.CurrentVersion, Ct);

        var ex = await Assert.ThrowsAsync<AwsResourceNotFoundException>(() => client.DescribeStreamAsync(name, Ct));
        Assert.Equal("ResourceNotFoundException", ex.ErrorCode);
        Assert.Contains("DescribeStream", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Creating_a_stream_twice_is_resource_in_use()
    {
        var name = MotoFixture.UniqueName();
        using var client = moto.CreateKinesisVideoClient();
        await client.CreateStreamAsync(name, 1, null, Ct);

        var ex = await Assert.ThrowsAsync<AwsResourceInUseException>(() => client.CreateStreamAsync(name, 1, null, Ct));

        Assert.Equal("ResourceInUseException", ex.ErrorCode);
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_streams_are_not_found()
    {
        using var client = moto.CreateKinesisVideoClient();
        var name = MotoFixture.UniqueName("missing-");

        await Assert.ThrowsAsync<AwsResourceNotFoundException>(() => client.DescribeStreamAsync(name, Ct));
        await Assert.ThrowsAsync<AwsResourceNotFoundException>(() => client.GetDataEndpointAsync(name, KinesisVideoApiName.GetClip, Ct));
    }

    [Fact]
    public async Task The_aws_cli_sees_what_we_created_and_we_see_what_it_created()
    {
        using var client = moto.CreateKinesisVideoClient();
        var ours = MotoFixture.UniqueName("ours-");
        var arn = await client.CreateStreamAsync(ours, 48, "video/h264", Ct);

        var (code, stdout, stderr) = await moto.RunAwsCliAsync("kinesisvideo", "describe-stream", "--stream-name", ours);

        Assert.True(code == 0, $"aws describe-stream exited {code}: {stderr}");
        using (var doc = JsonDocument.Parse(stdout))
        {
            var info = doc.RootElement.GetProperty("StreamInfo");
            Assert.Equal(ours, info.GetProperty("StreamName").GetString());
            Assert.Equal(arn, info.GetProperty("StreamARN").GetString());
            Assert.Equal("ACTIVE", info.GetProperty("Status").GetString());
            Assert.Equal(48, info.GetProperty("DataRetentionInHours").GetInt32());
        }

        var theirs = MotoFixture.UniqueName("cli-");
        (code, stdout, stderr) = await moto.RunAwsCliAsync(
            "kinesisvideo", "create-stream", "--stream-name", theirs, "--data-retention-in-hours", "2");
        Assert.True(code == 0, $"aws create-stream exited {code}: {stderr}");
        string cliArn;
        using (var doc = JsonDocument.Parse(stdout))
        {
            cliArn = doc.RootElement.GetProperty("StreamARN").GetString()!;
        }

        var seen = await client.DescribeStreamAsync(theirs, Ct);
        Assert.Equal(cliArn, seen.StreamArn);
        Assert.Equal(2, seen.DataRetentionInHours);

        await client.DeleteStreamAsync(cliArn, null, Ct);
        (code, _, stderr) = await moto.RunAwsCliAsync("kinesisvideo", "describe-stream", "--stream-name", theirs);
        Assert.NotEqual(0, code);
        Assert.Contains("ResourceNotFoundException", stderr, StringComparison.Ordinal);
    }
}

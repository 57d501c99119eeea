using System.Text.Json;
using KvsEdge.Aws;
using static KvsEdge.Tests.Aws.KinesisVideo.KinesisVideoTestSupport;

namespace KvsEdge.Tests.Aws.KinesisVideo;

public sealed class KinesisVideoClientRequestTests
{
    private const string Arn = "arn:aws:kinesisvideo:eu-west-1:123456789012:stream/front-door/1700000000000";

    private static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public async Task CreateStream_posts_signed_json_to_createStream_and_returns_the_arn()
    {
        var handler = new RecordingHandler().RespondJson($$$"""{"StreamARN":"{{{Arn}}}"}""");
        using var client = Control(handler);

        var arn = await client.CreateStreamAsync("front-door", 24, "video/h264", Ct);

        Assert.Equal(Arn, arn);
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("kinesisvideo.test.local", request.Uri.Host);
        Assert.Equal("/createStream", request.Uri.AbsolutePath);
        Assert.Equal("application/json", request.ContentType);
        Assert.False(request.Headers.ContainsKey("X-Amz-Target"));
        AssertSignedForKinesisVideo(request);

        var json = request.Json;
        Assert.Equal(JsonValueKind.String, json.GetProperty("StreamName").ValueKind);
        Assert.Equal("front-door", json.GetProperty("StreamName").GetString());
        Assert.Equal(JsonValueKind.Number, json.GetProperty("DataRetentionInHours").ValueKind);
        Assert.Equal(24, json.GetProperty("DataRetentionInHours").GetInt32());
        Assert.Equal("video/h264", json.GetProperty("MediaType").GetString());
        Assert.Equal(3, json.EnumerateObject().Count());
    }

    [Fact]
    public async Task CreateStream_without_a_media_type_leaves_it_out()
    {
        var handler = new RecordingHandler().RespondJson($$$"""{"StreamARN":"{{{Arn}}}"}""");
        using var client = Control(handler);

        await client.CreateStreamAsync("front-door", 0, null, Ct);

        var json = Assert.Single(handler.Requests).Json;
        Assert.False(json.TryGetProperty("MediaType", out _));
        Assert.Equal(0, json.GetProperty("DataRetentionInHours").GetInt32());
    }

    [Fact]
    public async Task CreateStream_rejects_bad_arguments_before_sending()
    {
        var handler = new RecordingHandler();
        using var client = Control(handler);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.CreateStreamAsync("s", -1, null, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => client.CreateStreamAsync("", 1, null, Ct));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task DescribeStream_by_name_returns_the_typed_stream_info()
    {
        var handler = new RecordingHandler().RespondJson($$$"""
            {"StreamInfo":{"DeviceName":"pi","StreamName":"front-door","StreamARN":"{{{Arn}}}","MediaType":"video/h264",
             "KmsKeyId":"arn:aws:kms:eu-west-1:123456789012:alias/aws/kinesisvideo","Version":"abcdef","Status":"ACTIVE",
             "CreationTime":1700000000.123,"DataRetentionInHours":24}}
            """);
        using var client = Control(handler);

        var info = await client.DescribeStreamAsync("front-door", Ct);

        Assert.Equal("front-door", info.StreamName);
        Assert.Equal(Arn, info.StreamArn);
        Assert.Equal("ACTIVE", info.Status);
        Assert.True(info.IsActive);
        Assert.Equal(24, info.DataRetentionInHours);
        Assert.Equal("abcdef", info.CurrentVersion);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), info.CreationTime);
        Assert.Equal("video/h264", info.MediaType);
        Assert.Equal("pi", info.DeviceName);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("/describeStream", request.Uri.AbsolutePath);
        AssertSignedForKinesisVideo(request);
        var property = Assert.Single(request.Json.EnumerateObject());
        Assert.Equal("StreamName", property.Name);
        Assert.Equal("front-door", property.Value.GetString());
    }

    [Fact]
    public async Task DescribeStream_by_arn_sends_StreamARN_and_accepts_an_iso_creation_time()
    {
        var handler = new RecordingHandler().RespondJson($$$"""
            {"StreamInfo":{"StreamName":"front-door","StreamARN":"{{{Arn}}}","Status":"CREATING","CreationTime":"2026-11-25T05:00:00.5Z"}}
            """);
        using var client = Control(handler);

        var info = await client.DescribeStreamAsync(Arn, Ct);

        Assert.False(info.IsActive);
        Assert.Equal(0, info.DataRetentionInHours);
        Assert.Null(info.CurrentVersion);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 5, 0, 0, 500, TimeSpan.Zero), info.CreationTime);
        var property = Assert.Single(Assert.Single(handler.Requests).Json.EnumerateObject());
        Assert.Equal("StreamARN", property.Name);
        Assert.Equal(Arn, property.Value.GetString());
    }

    [Fact]
    public async Task DescribeStream_without_stream_info_is_a_service_error()
    {
        var handler = new RecordingHandler().RespondJson("{}");
        using var client = Control(handler);

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => client.DescribeStreamAsync("s", Ct));
        Assert.Contains("StreamInfo", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteStream_sends_the_arn_and_the_version_safeguard()
    {
        var handler = new RecordingHandler().RespondJson("{}").RespondJson("{}");
        using var client = Control(handler);

        await client.DeleteStreamAsync(Arn, "abcdef", Ct);
        await client.DeleteStreamAsync(Arn, null, Ct);

        Assert.All(handler.Requests, r => Assert.Equal("/deleteStream", r.Uri.AbsolutePath));
        AssertSignedForKinesisVideo(handler.Requests[0]);
        var first = handler.Requests[0].Json;
        Assert.Equal(Arn, first.GetProperty("StreamARN").GetString());
        Assert.Equal("abcdef", first.GetProperty("CurrentVersion").GetString());
        Assert.Equal(["StreamARN"], handler.Requests[1].Json.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task DeleteStream_refuses_a_name_instead_of_an_arn()
    {
        var handler = new RecordingHandler();
        using var client = Control(handler);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.DeleteStreamAsync("front-door", null, Ct));
        Assert.Contains("ARN", ex.Message, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Theory]
    [InlineData(KinesisVideoApiName.GetClip, "GET_CLIP")]
    [InlineData(KinesisVideoApiName.PutMedia, "PUT_MEDIA")]
    [InlineData(KinesisVideoApiName.GetMedia, "GET_MEDIA")]
    [InlineData(KinesisVideoApiName.ListFragments, "LIST_FRAGMENTS")]
    [InlineData(KinesisVideoApiName.GetMediaForFragmentList, "GET_MEDIA_FOR_FRAGMENT_LIST")]
    [InlineData(KinesisVideoApiName.GetHlsStreamingSessionUrl, "GET_HLS_STREAMING_SESSION_URL")]
    [InlineData(KinesisVideoApiName.GetDashStreamingSessionUrl, "GET_DASH_STREAMING_SESSION_URL")]
    [InlineData(KinesisVideoApiName.GetImages, "GET_IMAGES")]
    public async Task GetDataEndpoint_sends_the_api_name_and_returns_the_endpoint(KinesisVideoApiName api, string wire)
    {
        var handler = new RecordingHandler().RespondJson("""{"DataEndpoint":"https://b-1234abcd.kinesisvideo.eu-west-1.amazonaws.com"}""");
        using var client = Control(handler);

        var endpoint = await client.GetDataEndpointAsync("front-door", api, Ct);

        Assert.Equal(new Uri("https://b-1234abcd.kinesisvideo.eu-west-1.amazonaws.com"), endpoint);
        var request = Assert.Single(handler.Requests);
        Assert.Equal("/getDataEndpoint", request.Uri.AbsolutePath);
        AssertSignedForKinesisVideo(request);
        Assert.Equal("front-door", request.Json.GetProperty("StreamName").GetString());
        Assert.Equal(wire, request.Json.GetProperty("APIName").GetString());
        Assert.Equal(2, request.Json.EnumerateObject().Count());
    }

    [Fact]
    public async Task GetDataEndpoint_with_no_usable_url_is_a_service_error()
    {
        var handler = new RecordingHandler().RespondJson("""{"DataEndpoint":"not a url"}""");
        using var client = Control(handler);

        await Assert.ThrowsAsync<AwsServiceException>(() => client.GetDataEndpointAsync(Arn, KinesisVideoApiName.GetClip, Ct));
        Assert.Equal(Arn, Assert.Single(handler.Requests).Json.GetProperty("StreamARN").GetString());
    }

    [Fact]
    public async Task Archived_media_endpoint_override_replaces_discovery()
    {
        var handler = new RecordingHandler();
        using var client = new KinesisVideoClient(Options(), handler) { ArchivedMediaEndpoint = new Uri("http://127.0.0.1:9/") };

        var endpoint = await client.ResolveArchivedMediaEndpointAsync("front-door", Ct);

        Assert.Equal(new Uri("http://127.0.0.1:9/"), endpoint);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task Archived_media_client_goes_to_the_discovered_get_clip_endpoint()
    {
        var control = new RecordingHandler().RespondJson("""{"DataEndpoint":"https://b-99.kinesisvideo.eu-west-1.amazonaws.com"}""");
        var data = new RecordingHandler().Respond(() => Mp4([1, 2, 3]));
        using var client = Control(control);

        using var archived = await client.CreateArchivedMediaClientAsync("front-door", data, Ct);
        using var destination = new MemoryStream();
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        await archived.GetClipAsync("front-door", start, start.AddMinutes(1), FragmentSelectorType.ServerTimestamp, destination, null, Ct);

        Assert.Equal("GET_CLIP", Assert.Single(control.Requests).Json.GetProperty("APIName").GetString());
        Assert.Equal(new Uri("https://b-99.kinesisvideo.eu-west-1.amazonaws.com/"), archived.DataEndpoint);
        var request = Assert.Single(data.Requests);
        Assert.Equal(new Uri("https://b-99.kinesisvideo.eu-west-1.amazonaws.com/getClip"), request.Uri);
        AssertSignedForKinesisVideo(request);
    }

    [Fact]
    public async Task WaitForActive_polls_until_active()
    {
        var handler = new RecordingHandler()
            .RespondJson($$$"""{"StreamInfo":{"StreamName":"s","StreamARN":"{{{Arn}}}","Status":"CREATING"}}""")
            .RespondJson($$$"""{"StreamInfo":{"StreamName":"s","StreamARN":"{{{Arn}}}","Status":"ACTIVE"}}""");
        using var client = Control(handler);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();

        var wait = client.WaitForActiveAsync("s", time, TimeSpan.FromSeconds(30), Ct);
        await handler.WhenRequestCount(1);
        while (!wait.IsCompleted && handler.Requests.Count < 2)
        {
            time.Advance(KinesisVideoClient.ActivePollInterval);
            await Task.Delay(10);
        }

        Assert.True((await wait).IsActive);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Theory]
    [InlineData("https://host/", "/getClip", "https://host/getClip")]
    [InlineData("https://host", "/getClip", "https://host/getClip")]
    [InlineData("http://127.0.0.1:5000/proxy/kvs", "/describeStream", "http://127.0.0.1:5000/proxy/kvs/describeStream")]
    [InlineData("http://127.0.0.1:5000/proxy/kvs/", "getClip", "http://127.0.0.1:5000/proxy/kvs/getClip")]
    public void Operation_paths_are_appended_to_the_service_url(string serviceUrl, string path, string expected) =>
        Assert.Equal(new Uri(expected), AwsRestJsonServiceClient.OperationUri(new Uri(serviceUrl), path));

    [Fact]
    public async Task Default_endpoint_is_the_regional_kinesisvideo_host()
    {
        var handler = new RecordingHandler().RespondJson("""{"DataEndpoint":"https://b-1.kinesisvideo.eu-west-1.amazonaws.com"}""");
        var options = Options();
        options.ServiceUrl = null;
        using var client = new KinesisVideoClient(options, handler);

        await client.GetDataEndpointAsync("s", KinesisVideoApiName.GetClip, Ct);

        Assert.Equal(new Uri("https://kinesisvideo.eu-west-1.amazonaws.com/getDataEndpoint"), Assert.Single(handler.Requests).Uri);
    }
}

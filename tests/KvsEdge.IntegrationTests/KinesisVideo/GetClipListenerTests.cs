using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using KvsEdge.Aws;
using KvsEdge.IntegrationTests.Infrastructure;

namespace KvsEdge.IntegrationTests.KinesisVideo;

[Collection("moto")]
[Trait("Category", "Integration")]
public sealed partial class GetClipListenerTests(MotoFixture moto) : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 4, 0, 0, 500, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-getclip-").FullName;

    private static CancellationToken Ct => CancellationToken.None;

    [GeneratedRegex(
        @"^AWS4-HMAC-SHA256 Credential=AKIDMOTOTEST/(?<date>\d{8})/us-east-1/kinesisvideo/aws4_request, SignedHeaders=(?<signed>[a-z0-9;-]+), Signature=[0-9a-f]{64}$")]
    private static partial Regex AuthorizationPattern();

    [Fact]
    public async Task A_multi_megabyte_clip_is_written_to_the_file_as_served()
    {
        var body = RandomNumberGenerator.GetBytes(6 * 1024 * 1024 + 4321);
        await using var listener = new ClipListener().ServeClip(body, chunkSize: 256 * 1024);
        var name = MotoFixture.UniqueName();
        using var control = moto.CreateKinesisVideoClient(archivedMediaEndpoint: listener.Url);
        await control.CreateStreamAsync(name, 24, "video/h264", Ct);
        var progress = new SyncProgress();
        var path = Path.Combine(_directory, "clip.mp4");

        ClipResult result;
        using (var archived = await control.CreateArchivedMediaClientAsync(name, null, Ct))
        {
            Assert.Equal(listener.Url, archived.DataEndpoint);
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, useAsync: true);
            result = await archived.GetClipAsync(
                name, Start, Start.AddMinutes(5), FragmentSelectorType.ProducerTimestamp, file, progress, Ct);
        }

        Assert.Equal("video/mp4", result.ContentType);
        Assert.Equal(body.Length, result.BytesWritten);
        Assert.Equal("listener-request", result.RequestId);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(body)), Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(path))));
        Assert.True(progress.Values.Count > 1, $"{progress.Values.Count} progress reports");
        Assert.Equal(body.Length, progress.Values[^1]);
        Assert.Equal(progress.Values.Order(), progress.Values);

        var request = Assert.Single(listener.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/getClip", request.Path);
        Assert.Equal("application/json", request.ContentType);
        Assert.Equal($"127.0.0.1:{listener.Url.Port}", request.Host);
        var match = AuthorizationPattern().Match(request.Authorization ?? string.Empty);
        Assert.True(match.Success, request.Authorization);
        Assert.Equal(request.AmzDate![..8], match.Groups["date"].Value);
        Assert.Contains("host", match.Groups["signed"].Value.Split(';'));

        using var json = JsonDocument.Parse(request.Body);
        Assert.Equal(name, json.RootElement.GetProperty("StreamName").GetString());
        var selector = json.RootElement.GetProperty("ClipFragmentSelector");
        Assert.Equal("PRODUCER_TIMESTAMP", selector.GetProperty("FragmentSelectorType").GetString());
        var range = selector.GetProperty("TimestampRange");
        Assert.Equal(Start.ToUnixTimeMilliseconds() / 1000m, range.GetProperty("StartTimestamp").GetDecimal());
        Assert.Equal(Start.AddMinutes(5).ToUnixTimeMilliseconds() / 1000m, range.GetProperty("EndTimestamp").GetDecimal());
    }

    [Fact]
    public async Task The_file_grows_while_the_clip_is_still_being_served()
    {
        // The listener sends the second half only after the first half has reached the file: a client that buffered
        // the whole body before writing would never see the second half (the test times out instead).
        var body = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        var path = Path.Combine(_directory, "streamed.mp4");
        var firstHalfOnDisk = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listener = new ClipListener().ServeClip(
            body, chunkSize: 128 * 1024, beforeSecondHalf: () => firstHalfOnDisk.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        using var archived = new KinesisVideoArchivedMediaClient(moto.ClientOptions(), listener.Url);
        var progress = new SyncProgress
        {
            OnReport = total =>
            {
                if (total >= body.Length / 2 && new FileInfo(path).Length >= body.Length / 2)
                {
                    firstHalfOnDisk.TrySetResult();
                }
            },
        };

        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1, useAsync: true))
        {
            var result = await archived.GetClipAsync(
                "front-door", Start, Start.AddMinutes(1), FragmentSelectorType.ServerTimestamp, file, progress, Ct)
                .WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(body.Length, result.BytesWritten);
        }

        Assert.True(firstHalfOnDisk.Task.IsCompletedSuccessfully);
        Assert.Equal(body, await File.ReadAllBytesAsync(path));
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, "NoDataRetentionException", typeof(AwsNoDataRetentionException))]
    [InlineData(HttpStatusCode.BadRequest, "MissingCodecPrivateDataException", typeof(AwsMissingCodecPrivateDataException))]
    [InlineData(HttpStatusCode.NotFound, "ResourceNotFoundException", typeof(AwsResourceNotFoundException))]
    [InlineData(HttpStatusCode.BadRequest, "ClientLimitExceededException", typeof(AwsThrottlingException))]
    [InlineData(HttpStatusCode.Unauthorized, "NotAuthorizedException", typeof(AwsAccessDeniedException))]
    public async Task A_scripted_error_maps_to_the_typed_exception(HttpStatusCode status, string code, Type expected)
    {
        await using var listener = new ClipListener().ServeError(status, code, "scripted failure");
        using var archived = new KinesisVideoArchivedMediaClient(moto.ClientOptions(), listener.Url);
        using var destination = new MemoryStream();

        var ex = await Assert.ThrowsAnyAsync<AwsServiceException>(() => archived.GetClipAsync(
            "front-door", Start, Start.AddMinutes(1), FragmentSelectorType.ServerTimestamp, destination, null, Ct));

        Assert.IsType(expected, ex);
        Assert.Equal(code, ex.ErrorCode);
        Assert.Equal(status, ex.StatusCode);
        Assert.Equal("listener-error", ex.RequestId);
        Assert.Contains("scripted failure", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, destination.Length);
        Assert.Equal("/getClip", Assert.Single(listener.Requests).Path);
    }

    [Fact]
    public async Task Planned_windows_become_one_request_each()
    {
        var windows = ClipWindowPlanner.Plan(Start, Start.AddMinutes(12));
        await using var listener = new ClipListener();
        var bodies = windows.Select((_, i) => RandomNumberGenerator.GetBytes(100_000 + i)).ToArray();
        foreach (var body in bodies)
        {
            listener.ServeClip(body, chunkSize: 32 * 1024);
        }

        using var archived = new KinesisVideoArchivedMediaClient(moto.ClientOptions(), listener.Url);
        for (var i = 0; i < windows.Count; i++)
        {
            var path = Path.Combine(_directory, $"part-{i}.mp4");
            await using (var file = File.Create(path))
            {
                await archived.GetClipAsync("s", windows[i].Start, windows[i].End, FragmentSelectorType.ServerTimestamp, file, null, Ct);
            }

            Assert.Equal(bodies[i], await File.ReadAllBytesAsync(path));
        }

        var ranges = listener.Requests
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("ClipFragmentSelector").GetProperty("TimestampRange"))
            .Select(t => (t.GetProperty("StartTimestamp").GetDecimal(), t.GetProperty("EndTimestamp").GetDecimal()))
            .ToList();
        Assert.Equal(3, ranges.Count);
        Assert.Equal(Start.ToUnixTimeMilliseconds() / 1000m, ranges[0].Item1);
        Assert.Equal(ranges[0].Item2, ranges[1].Item1);
        Assert.Equal(ranges[1].Item2, ranges[2].Item1);
        Assert.Equal(Start.AddMinutes(12).ToUnixTimeMilliseconds() / 1000m, ranges[2].Item2);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class SyncProgress : IProgress<long>
    {
        private readonly List<long> _values = [];

        public Action<long>? OnReport { get; init; }

        public IReadOnlyList<long> Values
        {
            get
            {
                lock (_values)
                {
                    return [.. _values];
                }
            }
        }

        public void Report(long value)
        {
            lock (_values)
            {
                _values.Add(value);
            }

            OnReport?.Invoke(value);
        }
    }
}

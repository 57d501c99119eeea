using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KvsEdge.Aws;
using static KvsEdge.Tests.Aws.KinesisVideo.KinesisVideoTestSupport;

namespace KvsEdge.Tests.Aws.KinesisVideo;

public sealed class GetClipTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 5, 0, 0, 250, TimeSpan.Zero);

    private static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public async Task GetClip_posts_the_selector_and_streams_the_body_to_the_destination()
    {
        var body = Pattern(3 * 1024 * 1024 + 17);
        var handler = new RecordingHandler().Respond(() => Mp4(body, requestId: "req-clip"));
        using var client = Archived(handler);
        using var destination = new MemoryStream();
        var progress = new RecordingProgress();

        var result = await client.GetClipAsync(
            "front-door", Start, Start.AddMinutes(5), FragmentSelectorType.ProducerTimestamp, destination, progress, Ct);

        Assert.Equal("video/mp4", result.ContentType);
        Assert.Equal(body.Length, result.BytesWritten);
        Assert.Equal("req-clip", result.RequestId);
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(destination.ToArray()));
        Assert.NotEmpty(progress.Values);
        Assert.Equal(body.Length, progress.Values[^1]);
        Assert.Equal(progress.Values.Order(), progress.Values);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri(DataUrl, "/getClip"), request.Uri);
        Assert.Equal("application/json", request.ContentType);
        AssertSignedForKinesisVideo(request);

        var json = request.Json;
        Assert.Equal("front-door", json.GetProperty("StreamName").GetString());
        Assert.False(json.TryGetProperty("StreamARN", out _));
        var selector = json.GetProperty("ClipFragmentSelector");
        Assert.Equal("PRODUCER_TIMESTAMP", selector.GetProperty("FragmentSelectorType").GetString());
        var range = selector.GetProperty("TimestampRange");
        Assert.Equal(JsonValueKind.Number, range.GetProperty("StartTimestamp").ValueKind);
        Assert.Equal(JsonValueKind.Number, range.GetProperty("EndTimestamp").ValueKind);
        Assert.Equal(Start.ToUnixTimeMilliseconds() / 1000m, range.GetProperty("StartTimestamp").GetDecimal());
        Assert.Equal(Start.AddMinutes(5).ToUnixTimeMilliseconds() / 1000m, range.GetProperty("EndTimestamp").GetDecimal());
    }

    [Fact]
    public async Task GetClip_by_arn_with_server_timestamps()
    {
        const string arn = "arn:aws:kinesisvideo:eu-west-1:123456789012:stream/front-door/1";
        var handler = new RecordingHandler().Respond(() => Mp4([0x00, 0x00, 0x00, 0x18]));
        using var client = Archived(handler);
        using var destination = new MemoryStream();

        var result = await client.GetClipAsync(arn, Start, Start.AddSeconds(30), FragmentSelectorType.ServerTimestamp, destination, null, Ct);

        Assert.Equal(4, result.BytesWritten);
        var json = Assert.Single(handler.Requests).Json;
        Assert.Equal(arn, json.GetProperty("StreamARN").GetString());
        Assert.False(json.TryGetProperty("StreamName", out _));
        Assert.Equal("SERVER_TIMESTAMP", json.GetProperty("ClipFragmentSelector").GetProperty("FragmentSelectorType").GetString());
    }

    [Fact]
    public async Task GetClip_writes_while_the_body_is_still_arriving()
    {
        // The body's second chunk is only released once the first one has reached the destination: a client that
        // buffered the whole response before writing would wait forever (the test would time out instead).
        var firstWritten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = Pattern(64 * 1024);
        var second = Pattern(1000);
        var handler = new RecordingHandler().Respond(() => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new GatedStream(first, firstWritten.Task, second)),
        });
        using var client = Archived(handler);
        using var destination = new MemoryStream();
        var progress = new RecordingProgress
        {
            OnReport = total =>
            {
                if (total >= first.Length)
                {
                    firstWritten.TrySetResult();
                }
            },
        };

        var result = await client.GetClipAsync(
            "s", Start, Start.AddMinutes(1), FragmentSelectorType.ServerTimestamp, destination, progress, Ct)
            .WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(first.Length + second.Length, result.BytesWritten);
        Assert.Equal([.. first, .. second], destination.ToArray());
    }

    [Fact]
    public async Task A_stalled_body_times_out_instead_of_hanging()
    {
        var handler = new RecordingHandler().Respond(() => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new GatedStream([1, 2, 3], new TaskCompletionSource().Task, [])),
        });
        using var client = Archived(handler, timeout: TimeSpan.FromMilliseconds(300));
        using var destination = new MemoryStream();

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => client.GetClipAsync(
            "s", Start, Start.AddMinutes(1), FragmentSelectorType.ServerTimestamp, destination, null, Ct))
            .WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Contains("after 3 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_is_not_reported_as_a_timeout()
    {
        using var cts = new CancellationTokenSource();
        var handler = new RecordingHandler().Respond(() => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new GatedStream([1], new TaskCompletionSource().Task, [])),
        });
        using var client = Archived(handler);
        using var destination = new MemoryStream();
        var progress = new RecordingProgress { OnReport = _ => cts.Cancel() };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetClipAsync(
            "s", Start, Start.AddMinutes(1), FragmentSelectorType.ServerTimestamp, destination, progress, cts.Token))
            .WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task End_must_be_after_start(int minutes)
    {
        var handler = new RecordingHandler();
        using var client = Archived(handler);
        using var destination = new MemoryStream();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.GetClipAsync(
            "s", Start, Start.AddMinutes(minutes), FragmentSelectorType.ServerTimestamp, destination, null, Ct));

        Assert.Equal("end", ex.ParamName);
        Assert.Contains("must be after its start", ex.Message, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task A_range_over_24_hours_is_refused_with_a_hint()
    {
        var handler = new RecordingHandler();
        using var client = Archived(handler);
        using var destination = new MemoryStream();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.GetClipAsync(
            "s", Start, Start.AddHours(24).AddSeconds(1), FragmentSelectorType.ServerTimestamp, destination, null, Ct));

        Assert.Contains("at most 24 h", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ClipWindowPlanner", ex.Message, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public void Exactly_24_hours_is_allowed() =>
        KinesisVideoArchivedMediaClient.ValidateRange(Start, Start.AddHours(24));

    [Fact]
    public async Task A_read_only_destination_is_refused()
    {
        var handler = new RecordingHandler();
        using var client = Archived(handler);
        using var destination = new MemoryStream([], writable: false);

        await Assert.ThrowsAsync<ArgumentException>(() => client.GetClipAsync(
            "s", Start, Start.AddMinutes(1), FragmentSelectorType.ServerTimestamp, destination, null, Ct));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task An_html_error_page_still_reports_the_status()
    {
        var handler = new RecordingHandler().Respond(() => new HttpResponseMessage(HttpStatusCode.BadGateway)
        {
            Content = new StringContent("<html>" + new string('x', 200_000) + "</html>", Encoding.UTF8, "text/html"),
        });
        using var client = Archived(handler);
        using var destination = new MemoryStream();

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => client.GetClipAsync(
            "s", Start, Start.AddMinutes(1), FragmentSelectorType.ServerTimestamp, destination, null, Ct));

        Assert.Equal(HttpStatusCode.BadGateway, ex.StatusCode);
        Assert.Contains("GetClip", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, destination.Length);
    }

    /// <summary>Returns <c>first</c>, then waits for <c>gate</c> before returning <c>second</c> and the end.</summary>
    private sealed class GatedStream(byte[] first, Task gate, byte[] second) : Stream
    {
        private int _stage;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            switch (_stage)
            {
                case 0:
                    _stage = 1;
                    return Copy(first, buffer);
                case 1:
                    await gate.WaitAsync(cancellationToken);
                    _stage = 2;
                    return Copy(second, buffer);
                default:
                    return 0;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static int Copy(byte[] source, Memory<byte> buffer)
        {
            // Tests use chunks no larger than the client's 80 KiB buffer, so one read returns the whole chunk.
            Assert.True(source.Length <= buffer.Length);
            source.CopyTo(buffer);
            return source.Length;
        }
    }
}

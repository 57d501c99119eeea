using System.Diagnostics;
using KvsEdge.Camera;
using KvsEdge.Gstreamer;
using KvsEdge.IntegrationTests.Gstreamer;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvsEdge.IntegrationTests.Camera;

/// <summary>The camera supervisor on real GStreamer, with the test pattern in place of a camera.</summary>
[Collection(GstreamerTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class PipelineSupervisorTests : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly SignallingTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly RecordingStatus _status = new();
    private readonly FrameTap _tap;
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-camera-").FullName;
    private readonly List<CameraStatus> _seen = [];
    private readonly List<(Func<CameraStatus, bool> Match, TaskCompletionSource<CameraStatus> Done)> _waiters = [];
    private PipelineSupervisor? _supervisor;

    public PipelineSupervisorTests()
    {
        _tap = new FrameTap(_time);
    }

    private string Recordings => Path.Combine(_directory, "rec");

    [Fact]
    public async Task Records_playable_h264_segments_of_the_configured_size_holding_every_frame()
    {
        Start(Options(), numBuffers: 90);
        CameraStatus ended = await WaitForAsync(s => s.State == CameraState.Error);
        Assert.Equal("end of stream", ended.LastError);

        string[] segments = Directory.GetFiles(Recordings, "segment-*.mp4").Order(StringComparer.Ordinal).ToArray();
        Assert.True(segments.Length >= 2, $"expected several 1 s segments, got {segments.Length}");
        foreach (string segment in segments)
        {
            string info = await DiscoverAsync(segment);
            Assert.Contains("H.264", info, StringComparison.Ordinal);
            Assert.Contains("Width: 320", info, StringComparison.Ordinal);
            Assert.Contains("Height: 240", info, StringComparison.Ordinal);
        }

        long frames = 0;
        foreach (string segment in segments)
        {
            frames += await CountFramesAsync(segment);
        }

        Assert.Equal(90, frames);
    }

    [Fact]
    public async Task The_ring_keeps_at_most_the_configured_segments_and_deletes_the_oldest()
    {
        CameraOptions options = Options();
        options.Record.MaxSegments = 2;
        Start(options, numBuffers: 150);
        await WaitForAsync(s => s.State == CameraState.Error && s.LastError == "end of stream");

        var left = Directory.GetFiles(Recordings, "segment-*.mp4").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(2, left.Length);
        Assert.DoesNotContain("segment-00000.mp4", left);
    }

    [Fact]
    public async Task A_failing_sink_is_read_from_the_bus_and_restarts_wait_longer_each_time()
    {
        // A filesink below a regular file: opening it fails on every start, even as root.
        string blocker = Path.Combine(_directory, "not-a-directory");
        File.WriteAllText(blocker, "x");
        var failing = new PipelineDescription(
            $"videotestsrc is-live=true ! video/x-raw,width=320,height=240 ! identity name=counter silent=true ! x264enc ! mp4mux ! filesink name=sink location=\"{blocker}/out.mp4\"",
            "x264enc", [CameraOptions.RecordSink], [], HasFrameTap: false, RecordDirectory: null);
        Start(Options(), plan: (_, _) => failing);

        var delays = new List<TimeSpan>();
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            CameraStatus failed = await WaitForAsync(s => s.State == CameraState.Error && s.Restarts == attempt);
            Assert.Contains("sink", failed.LastError, StringComparison.Ordinal);
            Assert.Contains("Could not open file", failed.LastError, StringComparison.Ordinal);
            TimeSpan delay = await _time.WaitForTimerAsync(d => d != PipelineSupervisor.Tick);
            delays.Add(delay);
            _time.Advance(delay);
        }

        // Capped exponential backoff with jitter: [0.5, 1) s, then [1, 2) s, then [2, 4) s.
        Assert.True(delays[0] < TimeSpan.FromSeconds(1), $"first delay {delays[0]}");
        Assert.True(delays[2] >= TimeSpan.FromSeconds(2), $"third delay {delays[2]}");
        Assert.True(delays[1] >= delays[0] && delays[2] > delays[1]);
    }

    [Fact]
    public async Task When_frames_stop_the_stall_is_detected_and_the_pipeline_restarted()
    {
        CameraOptions options = Options();
        options.StallTimeout = TimeSpan.FromSeconds(3);
        // Frames are made but never reach the counter: a camera that stopped delivering.
        var stalled = new PipelineDescription(
            "videotestsrc is-live=true ! valve drop=true ! identity name=counter silent=true ! fakesink sync=false",
            "none", [CameraOptions.NoSink], [], HasFrameTap: false, RecordDirectory: null);
        Start(options, plan: (_, _) => stalled);

        // Let one-second ticks pass, each once the supervisor waits on it, until it gives up on the pipeline.
        Task<CameraStatus> restarted = WaitForAsync(s => s.Restarts == 1);
        for (int tick = 0; tick < 10 && !restarted.IsCompleted; tick++)
        {
            Task<TimeSpan> next = _time.WaitForTimerAsync(d => d == PipelineSupervisor.Tick);
            if (await Task.WhenAny(next, restarted) == next)
            {
                _time.Advance(PipelineSupervisor.Tick);
            }
        }

        CameraStatus status = await WaitForAsync(s => s.Restarts == 1);
        Assert.Equal(CameraState.Error, status.State);
        Assert.StartsWith("stalled", status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_kvssink_the_clear_error_is_reported_and_recording_runs_on()
    {
        CameraOptions options = Options();
        options.Sinks = [CameraOptions.KvsSink, CameraOptions.RecordSink];
        options.Kvs.StreamName = "front-door";
        // kvssink hidden whether or not this machine has it (the appliance does): the test is about its absence.
        Start(options, plan: (o, request) => PipelineBuilder.Build(o, e => e != "kvssink" && Gst.HasElement(e), request with { TestNumBuffers = 60 }));

        CameraStatus playing = await WaitForAsync(s => s.State == CameraState.Playing);
        Assert.Contains("kvssink", playing.LastError, StringComparison.Ordinal);
        Assert.Contains("GST_PLUGIN_PATH", playing.LastError, StringComparison.Ordinal);
        Assert.Equal([CameraOptions.RecordSink], playing.Sinks);
        await WaitForAsync(s => s.State == CameraState.Error && s.LastError == "end of stream");
        Assert.NotEmpty(Directory.GetFiles(Recordings, "segment-*.mp4"));
        Assert.Contains(_status.States, s => s.Subtopic == "camera" && s.Payload.Contains("\"state\":\"playing\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_frame_tap_hands_out_a_jpeg_of_the_configured_size()
    {
        CameraOptions options = Options();
        options.FrameTap.Width = 160;
        options.FrameTap.Height = 120;
        Start(options);
        await WaitForAsync(s => s.State == CameraState.Playing);

        JpegFrame? frame = await _tap.TryGetFrameAsync(TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.NotNull(frame);
        Assert.Equal((160, 120), (frame.Width, frame.Height));
        Assert.Equal([0xFF, 0xD8], frame.Data[..2]);
        Assert.Equal([0xFF, 0xD9], frame.Data[^2..]);
    }

    public async ValueTask DisposeAsync()
    {
        if (_supervisor is not null)
        {
            await _supervisor.StopAsync(CancellationToken.None);
            _supervisor.Dispose();
        }

        _tap.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private CameraStatus Current => _supervisor!.Current;

    private CameraOptions Options() => new()
    {
        Source = CameraOptions.TestSource,
        Width = 320,
        Height = 240,
        Framerate = 30,
        Sinks = [CameraOptions.RecordSink],
        Record = new RecordOptions { Directory = Recordings, SegmentDuration = TimeSpan.FromSeconds(1), MaxSegments = 10 },
    };

    private void Start(CameraOptions options, int? numBuffers = null, Func<CameraOptions, PipelineBuildRequest, PipelineDescription>? plan = null)
    {
        plan ??= (o, request) => PipelineBuilder.Build(o, Gst.HasElement, request with { TestNumBuffers = numBuffers });
        _supervisor = new PipelineSupervisor(options, new CameraStatusPublisher(_status), _tap, _time, NullLogger<PipelineSupervisor>.Instance, plan);
        _supervisor.StatusChanged += (_, status) =>
        {
            lock (_waiters)
            {
                _seen.Add(status);
                _waiters.RemoveAll(w => w.Match(status) && w.Done.TrySetResult(status));
            }
        };
        _supervisor.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    private Task<CameraStatus> WaitForAsync(Func<CameraStatus, bool> match)
    {
        lock (_waiters)
        {
            if (_seen.Find(s => match(s)) is { } seen)
            {
                return Task.FromResult(seen);
            }

            var done = new TaskCompletionSource<CameraStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
            return done.Task.WaitAsync(Timeout).ContinueWith(
                t => t.IsFaulted ? throw new TimeoutException("No matching camera status. Seen:\n" + string.Join('\n', _seen)) : t.Result,
                TaskScheduler.Default);
        }
    }

    private static async Task<string> DiscoverAsync(string file)
    {
        var info = new ProcessStartInfo("gst-discoverer-1.0") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-v");
        info.ArgumentList.Add(file);
        using Process process = Process.Start(info)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Timeout);
        return output;
    }

    /// <summary>Reads a recording back through our own binding and counts its video frames.</summary>
    private static async Task<long> CountFramesAsync(string file)
    {
        using Pipeline pipeline = Pipeline.Parse($"filesrc location=\"{file}\" ! qtdemux ! h264parse ! identity name=counter silent=true ! fakesink sync=false");
        using Element counterElement = pipeline.GetElement("counter")!;
        using BufferCounter counter = pipeline.AddBufferProbe(counterElement, "src");
        await using BusReader bus = pipeline.CreateBusReader();
        pipeline.SetState(PipelineState.Playing);
        GstTestSupport.AssertEos(await GstTestSupport.RunToEndAsync(pipeline, bus));
        return counter.Buffers;
    }
}

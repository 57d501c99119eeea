using System.Diagnostics;
using KvsEdge.Camera;
using KvsEdge.Gstreamer;
using KvsEdge.IntegrationTests.Gstreamer;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvsEdge.IntegrationTests.Camera;

/// <summary>`Camera:Source=file` on real GStreamer: stills and videos played as a live camera, and scenes made from photos.</summary>
[Collection(GstreamerTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class FileCameraTests : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly SignallingTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-file-camera-").FullName;
    private readonly FramePuller _frames = new();
    private readonly List<CameraStatus> _seen = [];
    private PipelineSupervisor? _supervisor;

    [Fact]
    public async Task A_still_image_plays_as_a_live_stream_at_the_configured_rate()
    {
        string still = await MakeAsync("red.png", "videotestsrc", "num-buffers=1", "pattern=red", "!", "video/x-raw,width=200,height=100", "!", "pngenc");
        Start(Options(still, framerate: 10));

        IReadOnlyList<Frame> frames = await _frames.TakeAsync(30);

        // Timestamps one frame period apart, and paced by the clock like a camera (not decoded as fast as possible):
        // 30 frames at 10 fps cannot arrive in much less than 2.9 s.
        AssertSteps(frames, TimeSpan.FromMilliseconds(100));
        Assert.True(frames[^1].ArrivedAt - frames[0].ArrivedAt >= TimeSpan.FromSeconds(2.5), $"30 frames arrived within {frames[^1].ArrivedAt - frames[0].ArrivedAt}");
        Assert.All(frames, f => Assert.Equal(Red, f.Centre));
        Assert.All(_seen, s => Assert.Equal(0, s.Restarts));
    }

    [Fact]
    public async Task A_short_video_loops_past_its_end_without_a_restart()
    {
        // 1 s of video (10 frames); constrained baseline so openh264dec can decode it where gst-libav is missing.
        string video = await MakeAsync(
            "clip.mp4", "videotestsrc", "num-buffers=10", "pattern=ball", "!", "video/x-raw,width=320,height=240,framerate=10/1", "!",
            "x264enc", "speed-preset=ultrafast", "key-int-max=10", "!", "video/x-h264,profile=constrained-baseline", "!", "mp4mux");
        Start(Options(video, framerate: 10));

        IReadOnlyList<Frame> frames = await _frames.TakeAsync(35);

        // Three and a half times the file: running time keeps growing across the loops, nothing ended or restarted.
        AssertSteps(frames, TimeSpan.FromMilliseconds(100));
        Assert.True(frames[^1].Pts - frames[0].Pts >= TimeSpan.FromSeconds(3.3), $"pts span {frames[^1].Pts - frames[0].Pts}");
        Assert.True(frames[^1].ArrivedAt - frames[0].ArrivedAt >= TimeSpan.FromSeconds(2.8), $"35 frames arrived within {frames[^1].ArrivedAt - frames[0].ArrivedAt}");
        lock (_seen)
        {
            Assert.DoesNotContain(_seen, s => s.State == CameraState.Error || s.Restarts > 0);
        }
    }

    [Fact]
    public async Task A_scene_built_from_photos_plays_background_photo_background_and_loops()
    {
        string photo = await MakeAsync("red.png", "videotestsrc", "num-buffers=1", "pattern=red", "!", "video/x-raw,width=64,height=64", "!", "pngenc");
        var scene = new SceneBuilder(320, 240, 10)
            .Empty(TimeSpan.FromSeconds(1))
            .Photo(TimeSpan.FromSeconds(1), photo, new ScenePlacement(110, 70, 100, 100))
            .Empty(TimeSpan.FromSeconds(1));
        string file = await scene.BuildAsync(Path.Combine(_directory, "scene.avi"));
        Assert.Equal(TimeSpan.FromSeconds(3), scene.Duration);
        Assert.Equal(TimeSpan.FromSeconds(1), scene.StartOf(1));
        Start(Options(file, framerate: 10));

        IReadOnlyList<Frame> frames = await _frames.TakeAsync(70);

        // Centre pixel per frame: grey wall, the red photo, grey again, in runs of about 10 frames, and again after the loop.
        string runs = Runs(frames.Select(f => IsRed(f.Centre) ? 'R' : IsGrey(f.Centre) ? 'g' : '?'));
        Assert.DoesNotContain("?", runs, StringComparison.Ordinal);
        Assert.Matches("^g*Rg+Rg*$", runs);
        Assert.True(frames.Count(f => IsRed(f.Centre)) >= 15, runs);
    }

    [Fact]
    public async Task A_file_that_is_not_a_picture_or_video_gives_a_clear_error()
    {
        string junk = Path.Combine(_directory, "clip.mp4");
        await File.WriteAllBytesAsync(junk, Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray());
        var failed = new TaskCompletionSource<CameraStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        Start(Options(junk, framerate: 10), s =>
        {
            if (s.State == CameraState.Error)
            {
                failed.TrySetResult(s);
            }
        });

        CameraStatus status = await failed.Task.WaitAsync(Timeout);

        Assert.StartsWith("typefind: ", status.LastError, StringComparison.Ordinal);
        Assert.Contains("Could not determine type of stream", status.LastError, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_supervisor is not null)
        {
            await _supervisor.StopAsync(CancellationToken.None);
            _supervisor.Dispose();
        }

        _frames.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static readonly (byte R, byte G, byte B) Red = (255, 0, 0);

    // The scene is JPEG: colours come back near, not at, their values.
    private static bool IsRed((byte R, byte G, byte B) c) => c.R > 230 && c.G < 25 && c.B < 25;

    private static bool IsGrey((byte R, byte G, byte B) c) => Math.Abs(c.R - 128) < 12 && Math.Abs(c.G - 128) < 12 && Math.Abs(c.B - 128) < 12;

    /// <summary>Collapses repeats: "gggRRRggg" → "gRg".</summary>
    private static string Runs(IEnumerable<char> marks) =>
        new(marks.Aggregate(new List<char>(), (runs, c) => { if (runs.Count == 0 || runs[^1] != c) { runs.Add(c); } return runs; }).ToArray());

    private static void AssertSteps(IReadOnlyList<Frame> frames, TimeSpan period)
    {
        for (int i = 1; i < frames.Count; i++)
        {
            TimeSpan step = frames[i].Pts - frames[i - 1].Pts;

            // The puller may miss a frame under load (a leaky one-buffer queue), never see one twice or go back.
            Assert.True(step > TimeSpan.Zero && step.Ticks % period.Ticks is < 10_000 or > 990_000, $"frame {i}: pts step {step}");
        }
    }

    private static CameraOptions Options(string file, int framerate) => new()
    {
        Source = CameraOptions.FileSource,
        File = file,
        Width = 320,
        Height = 240,
        Framerate = framerate,
        Sinks = [CameraOptions.NoSink],
        FrameTap = new FrameTapOptions { Enabled = false },
    };

    private void Start(CameraOptions options, Action<CameraStatus>? onStatus = null)
    {
        Assert.True(new CameraOptionsValidator().Validate(null, options).Succeeded);
        FrameBranchRegistration[] branches = [new(new FrameBranch("probe", "RGB", 32, 24, options.Framerate, "test"), _frames)];
        _supervisor = new PipelineSupervisor(options, new CameraStatusPublisher(new RecordingStatus()), branches, _time, NullLogger<PipelineSupervisor>.Instance, plan: null);
        _supervisor.StatusChanged += (_, status) =>
        {
            lock (_seen)
            {
                _seen.Add(status);
            }

            onStatus?.Invoke(status);
        };
        _supervisor.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>Writes a file with gst-launch-1.0 (each argument one token) into the test directory.</summary>
    private async Task<string> MakeAsync(string name, params string[] pipeline)
    {
        string path = Path.Combine(_directory, name);
        var info = new ProcessStartInfo("gst-launch-1.0") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-q");
        foreach (string token in pipeline.Concat(["!", "filesink", "location=" + path]))
        {
            info.ArgumentList.Add(token);
        }

        using Process process = Process.Start(info)!;
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Timeout);
        Assert.True(process.ExitCode == 0, error);
        return path;
    }

    private sealed record Frame(TimeSpan Pts, TimeSpan ArrivedAt, (byte R, byte G, byte B) Centre);

    /// <summary>Pulls every frame of its branch on its own thread once attached; TakeAsync waits for the first N.</summary>
    private sealed class FramePuller : IFrameBranchConsumer, IDisposable
    {
        private readonly Lock _gate = new();
        private readonly List<Frame> _frames = [];
        private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private CancellationTokenSource? _stop;
        private Thread? _thread;

        public void Attach(AppSink sink, BufferCounter arrivals)
        {
            _stop = new CancellationTokenSource();
            CancellationToken stop = _stop.Token;
            _thread = new Thread(() => Pull(sink, stop)) { IsBackground = true, Name = "file-camera-test" };
            _thread.Start();
        }

        public void Detach()
        {
            _stop?.Cancel();
            _thread?.Join();
            _stop?.Dispose();
            (_stop, _thread) = (null, null);
        }

        public void Dispose() => Detach();

        public Task<IReadOnlyList<Frame>> TakeAsync(int count)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _waiters.Add((count, done));
                Release();
            }

            return done.Task.WaitAsync(Timeout).ContinueWith<IReadOnlyList<Frame>>(
                t =>
                {
                    lock (_gate)
                    {
                        return t.IsCompletedSuccessfully ? _frames.Take(count).ToArray() : throw new TimeoutException($"only {_frames.Count} of {count} frames arrived");
                    }
                },
                TaskScheduler.Default);
        }

        private void Pull(AppSink sink, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                using Sample? sample = sink.TryPullSample(TimeSpan.FromMilliseconds(100));
                if (sample is not { Pts: { } pts, Width: int width, Height: int height, Stride: int stride })
                {
                    continue;
                }

                byte[] data = sample.ToArray();
                int at = (height / 2 * stride) + (width / 2 * 3);
                lock (_gate)
                {
                    _frames.Add(new Frame(pts, _clock.Elapsed, (data[at], data[at + 1], data[at + 2])));
                    Release();
                }
            }
        }

        private void Release()
        {
            foreach ((int count, TaskCompletionSource done) in _waiters.Where(w => _frames.Count >= w.Count))
            {
                done.TrySetResult();
            }
        }
    }
}

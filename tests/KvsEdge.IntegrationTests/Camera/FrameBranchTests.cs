using KvsEdge.Camera;
using KvsEdge.Gstreamer;
using KvsEdge.IntegrationTests.Gstreamer;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvsEdge.IntegrationTests.Camera;

/// <summary>A third frame branch registered beside the JPEG and motion taps, on real GStreamer with the test pattern.</summary>
[Collection(GstreamerTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class FrameBranchTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_registered_rgb_branch_delivers_frames_with_its_format_size_and_stride_beside_the_other_taps()
    {
        var time = new SignallingTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var options = new CameraOptions
        {
            Source = CameraOptions.TestSource,
            Width = 640,
            Height = 480,
            Framerate = 15,
            Sinks = [CameraOptions.NoSink],
            FrameTap = new FrameTapOptions { Enabled = true, Width = 320, Height = 240, Rate = 2 },
        };

        // Odd widths: RGB and GRAY8 rows are padded to 4 bytes (322 * 3 = 966 → 968; 162 → 164).
        var detector = new SampleRecorder();
        var motion = new SampleRecorder();
        using var jpeg = new FrameTap(time);
        FrameBranchRegistration[] registrations =
        [
            new(FrameBranch.Jpeg(options.FrameTap), jpeg),
            new(FrameBranch.Motion(new MotionTapRequest(162, 120, 5)), motion),
            new(new FrameBranch("detect", "RGB", 322, 240, 2, "test detector"), detector),
        ];
        PipelineDescription? planned = null;
        using var supervisor = new PipelineSupervisor(options, new CameraStatusPublisher(new RecordingStatus()), registrations, time, NullLogger<PipelineSupervisor>.Instance, (o, request) =>
            planned = PipelineBuilder.Build(o, Gst.HasElement, request));
        await supervisor.StartAsync(CancellationToken.None);
        try
        {
            SampleInfo rgb = await detector.NextAsync();
            Assert.Equal(("video/x-raw", "RGB", 322, 240, 968, 968 * 240), (rgb.MediaType, rgb.Format, rgb.Width, rgb.Height, rgb.Stride, rgb.Size));

            SampleInfo gray = await motion.NextAsync();
            Assert.Equal(("GRAY8", 162, 120, 164, 164 * 120), (gray.Format, gray.Width, gray.Height, gray.Stride, gray.Size));

            JpegFrame? frame = await jpeg.TryGetFrameAsync(Timeout, CancellationToken.None);
            Assert.NotNull(frame);
            Assert.Equal((320, 240), (frame.Width, frame.Height));

            Assert.Equal(["tap", "motion", "detect"], planned!.Branches.Select(b => b.Name));
            Assert.EndsWith(
                " ! video/x-raw,format=RGB,width=322,height=240,framerate=2/1 ! appsink name=detect drop=true max-buffers=1 sync=false emit-signals=false wait-on-eos=false",
                planned.Description,
                StringComparison.Ordinal);
        }
        finally
        {
            await supervisor.StopAsync(CancellationToken.None);
        }

        Assert.False(detector.IsAttached); // detached before the pipeline was disposed
    }

    private sealed record SampleInfo(string? MediaType, string? Format, int? Width, int? Height, int? Stride, int Size);

    /// <summary>A consumer that pulls on its own once attached and keeps what the samples say about themselves.</summary>
    private sealed class SampleRecorder : IFrameBranchConsumer
    {
        private readonly Lock _gate = new();
        private readonly TaskCompletionSource<AppSink> _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private AppSink? _sink;

        public bool IsAttached
        {
            get
            {
                lock (_gate)
                {
                    return _sink is not null;
                }
            }
        }

        public void Attach(AppSink sink, BufferCounter arrivals)
        {
            lock (_gate)
            {
                _sink = sink;
            }

            _attached.TrySetResult(sink);
        }

        public void Detach()
        {
            lock (_gate)
            {
                _sink = null;
            }
        }

        public async Task<SampleInfo> NextAsync()
        {
            await _attached.Task.WaitAsync(Timeout);
            return await Task.Run(() =>
            {
                // Holding the lock while pulling keeps Detach (and so the pipeline's disposal) waiting for the pull.
                lock (_gate)
                {
                    using Sample sample = _sink?.TryPullSample(Timeout) ?? throw new InvalidOperationException("no sample");
                    return new SampleInfo(sample.MediaType, sample.Format, sample.Width, sample.Height, sample.Stride, sample.Size);
                }
            });
        }
    }
}

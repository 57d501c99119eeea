using Amazon.Runtime;
using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Aws;
using KvsEdge.Camera;
using KvsEdge.Gstreamer;
using KvsEdge.IntegrationTests.Gstreamer;
using KvsEdge.Recognition;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using KvsEdge.Triggers;
using KvsEdge.Vision;
using KvsEdge.Vision.Detection;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvsEdge.IntegrationTests.Vision;

/// <summary>The vision branches and the crops on real GStreamer; the crop's way to the Rekognition wire listener.</summary>
[Collection(GstreamerTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class VisionGstreamerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_detector_branch_is_letterboxed_rgb_and_the_full_branch_is_the_camera_frame_of_the_same_moment()
    {
        var time = new SignallingTimeProvider(DateTimeOffset.UtcNow);
        var options = new CameraOptions
        {
            Source = CameraOptions.TestSource, Width = 640, Height = 480, Framerate = 15, Sinks = [CameraOptions.NoSink],
            FrameTap = new FrameTapOptions { Enabled = false },
        };
        using var taps = new VisionFrameTaps(128, 128, 640, 480, 5, options.Framerate, time);
        using var supervisor = new PipelineSupervisor(Microsoft.Extensions.Options.Options.Create(options), new CameraStatusPublisher(new RecordingStatus()), new[] { taps.Detect, taps.Full }, time, NullLogger<PipelineSupervisor>.Instance);
        await supervisor.StartAsync(CancellationToken.None);
        try
        {
            await taps.DetectAttached.WaitAsync(Timeout);
            DetectionFrame? frame = await taps.NextDetectionFrameAsync(Timeout, CancellationToken.None);

            Assert.NotNull(frame);
            Assert.Equal((128, 128), (frame.Width, frame.Height));
            // 640x480 in 128x128 is 128x96 of picture between 16 black rows above and below (not stretched).
            Assert.All(frame.Pixels.AsSpan(0, frame.Stride * 14).ToArray(), b => Assert.True(b < 24, $"border byte {b}"));
            Assert.Contains(frame.Pixels.AsSpan(frame.Stride * 64, frame.Width * 3).ToArray(), b => b > 64);

            RawFrame? full = await taps.FullFrameAsync(frame, TimeSpan.FromSeconds(1), CancellationToken.None);
            Assert.NotNull(full);
            Assert.Equal((640, 480, "I420", 640 * 480 * 3 / 2), (full.Width, full.Height, full.Format, full.Pixels.Length));
            Assert.True(full.CapturedAt <= time.GetUtcNow());
        }
        finally
        {
            await supervisor.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_face_crop_reaches_the_wire_as_a_jpeg_of_at_least_80_px_cut_around_the_face_of_the_full_frame()
    {
        var time = new SignallingTimeProvider(DateTimeOffset.UtcNow);
        // A 1280x720 grey frame with a black 90 px square where the "face" is (the detector is scripted to find it there).
        const int width = 1280, height = 720;
        byte[] i420 = new byte[width * height * 3 / 2];
        Array.Fill(i420, (byte)128);
        for (int y = 400; y < 490; y++)
        {
            Array.Fill(i420, (byte)0, y * width + 700, 90);
        }

        var detector = new FixedDetector(VisionGeometryInverse(new BoxF(700, 400, 90, 90)));
        var frames = new OneFrame(i420, width, height, time);
        var triggers = new TriggerChannel(time);
        var holder = new FaceDetectorHolder { Detector = detector };
        using var vision = new VisionService(new VisionOptions { Enabled = true, ConfirmRequired = 1, ConfirmOutOf = 1 }, holder, frames, new GstreamerFaceCropEncoder(), triggers, new RecordingStatus(), width, height, time, NullLogger<VisionService>.Instance);

        Trigger? trigger = await vision.OnFrameAsync(frames.Detection(), CancellationToken.None);
        Assert.NotNull(trigger);

        await using var listener = new RekognitionWireListener("AKIDEXAMPLE123", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "eu-west-1");
        listener.Enqueue("SearchFacesByImage", RekognitionWireResponses.SearchFacesByImage([]));
        using var client = new RekognitionClient(new AwsClientOptions
        {
            Region = "eu-west-1", ServiceUrl = listener.Url, Timeout = TimeSpan.FromSeconds(10),
            Credentials = new BasicAWSCredentials("AKIDEXAMPLE123", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        });
        string state = Directory.CreateTempSubdirectory("kvsedge-vision-").FullName;
        var status = new RecordingStatus();
        using var executor = new DecisionExecutor(new AccessPolicy(new AccessOptions()), new RecordingDoor(), status, new GrantLedger(state), time, NullLogger<DecisionExecutor>.Instance);
        var recognition = new RecognitionOptions { Source = RecognitionSources.ImageApi, ImageApi = new ImageApiSourceOptions { CollectionId = "front-door" } };
        using var source = new ImageApiFaceMatchSource(
            Microsoft.Extensions.Options.Options.Create(recognition), client, new NoJpegFrames(), triggers, executor, new RecognitionStatusReporter(status, time),
            new ImageApiBudget(10, 100, time, null), time, NullLogger<ImageApiFaceMatchSource>.Instance, vision);
        Assert.True(triggers.Reader.TryRead(out Trigger? queued));

        ImageApiSearchEnded ended = await source.HandleTriggerAsync(queued, 0, CancellationToken.None);

        Assert.Equal("unknown_face", Assert.Single(ended.Decisions).EventType);
        RekognitionWireRequest request = Assert.Single(listener.Requests, r => r.Operation == "SearchFacesByImage");
        byte[] jpeg = Convert.FromBase64String(request.Body!["Image"]!["Bytes"]!.GetValue<string>());
        (int w, int h, byte[] gray) = DecodeGray(jpeg);
        Assert.True(w >= 80 && h >= 80, $"{w}x{h}");
        Assert.InRange(w, 90, 200); // the face plus its margin, not the 1280 px frame
        Assert.True(gray[(h / 2 * w) + (w / 2)] < 40, "the crop's centre is the (black) face");
        Assert.True(gray[2 * w + 2] > 90, "the crop's corner is the (grey) background");
        Directory.Delete(state, recursive: true);
    }

    // The scripted detector reports in its 128x128 letterboxed input; the inverse of ToCamera for a 1280x720 camera.
    private static BoxF VisionGeometryInverse(BoxF camera) => new(camera.X * 0.1f, camera.Y * 0.1f + 28, camera.Width * 0.1f, camera.Height * 0.1f);

    /// <summary>Decodes a JPEG with GStreamer (no image library): width, height and the luma plane.</summary>
    private static (int Width, int Height, byte[] Gray) DecodeGray(byte[] jpeg)
    {
        using Pipeline pipeline = Pipeline.Parse("appsrc name=src caps=image/jpeg ! jpegdec ! videoconvert ! video/x-raw,format=GRAY8 ! appsink name=out sync=false");
        using AppSrc src = pipeline.GetAppSrc("src");
        using AppSink sink = pipeline.GetAppSink("out");
        pipeline.SetState(PipelineState.Playing);
        Assert.True(src.Push(jpeg));
        src.EndOfStream();
        using Sample? sample = sink.TryPullSample(Timeout);
        Assert.NotNull(sample);
        int w = sample.Width!.Value, h = sample.Height!.Value, stride = sample.Stride ?? w;
        byte[] raw = sample.ToArray();
        byte[] gray = new byte[w * h];
        for (int y = 0; y < h; y++)
        {
            raw.AsSpan(y * stride, w).CopyTo(gray.AsSpan(y * w));
        }

        return (w, h, gray);
    }

    private sealed class FixedDetector(BoxF box) : IFaceDetector
    {
        public int InputWidth => 128;

        public int InputHeight => 128;

        public IReadOnlyList<FaceDetection> Detect(RgbImage image, float minScore) =>
            [new FaceDetection(box, 0.95f, [new(box.X + 3, box.Y + 3), new(box.X + 6, box.Y + 3), new(box.X + 4.5f, box.Y + 5), new(box.X + 4.5f, box.Y + 7), new(box.X, box.Y + 4), new(box.X + 9, box.Y + 4)])];

        public void Dispose()
        {
        }
    }

    private sealed class OneFrame(byte[] i420, int width, int height, TimeProvider time) : IVisionFrameSource
    {
        public DetectionFrame Detection() => new(new byte[128 * 128 * 3], 128, 128, 384, TimeSpan.Zero, time.GetUtcNow());

        public Task<DetectionFrame?> NextDetectionFrameAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult<DetectionFrame?>(Detection());

        public Task<RawFrame?> FullFrameAsync(DetectionFrame detection, TimeSpan timeout, CancellationToken cancellationToken) =>
            Task.FromResult<RawFrame?>(new RawFrame(i420, width, height, "I420", detection.CapturedAt));
    }

    private sealed class NoJpegFrames : IJpegFrameSource
    {
        public Task<JpegFrame?> TryGetFrameAsync(JpegFrame? after, TimeSpan timeout, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("with vision on, the whole-frame tap is not used");
    }
}

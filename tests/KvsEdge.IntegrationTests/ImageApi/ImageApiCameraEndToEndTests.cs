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
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KvsEdge.IntegrationTests.ImageApi;

/// <summary>
/// The image-API path end to end on real GStreamer: the test pattern is the camera, the frame tap's JPEG goes to the
/// Rekognition wire listener (shape and SigV4 checked), and the answer goes through the real policy to the door.
/// </summary>
[Collection(GstreamerTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class ImageApiCameraEndToEndTests : IAsyncDisposable
{
    private const string Region = "eu-west-1";
    private const string KeyId = "AKIDIMAGEAPI0001";
    private const string Secret = "image-api-test-secret";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TimeProvider _time = TimeProvider.System;
    private readonly RecordingStatus _status = new();
    private readonly RecordingDoor _door = new();
    private readonly FrameTap _tap;
    private readonly MotionFrameTap _motionTap = new(new MotionTapRequest(160, 120, 10));
    private readonly RekognitionWireListener _listener = new(KeyId, Secret, Region);
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-imageapi-e2e-").FullName;
    private readonly List<IDisposable> _disposables = [];
    private PipelineSupervisor? _supervisor;

    public ImageApiCameraEndToEndTests()
    {
        _tap = new FrameTap(_time);
    }

    [Fact]
    public async Task A_trigger_sends_a_fresh_jpeg_of_the_configured_size_and_a_match_opens_the_door()
    {
        StartCamera(tapWidth: 320, tapHeight: 240, pattern: "smpte");
        await WaitForFrameAsync();
        _listener.Enqueue("SearchFacesByImage", RekognitionWireResponses.SearchFacesByImage(
            [RekognitionWireResponses.FaceMatch(98.2, RekognitionWireResponses.Face(Guid.NewGuid().ToString(), "alice"))]));
        (ImageApiFaceMatchSource source, TriggerChannel triggers) = CreateSource();

        ImageApiSearchEnded ended = await source.HandleTriggerAsync(triggers.Fire(TriggerKinds.Gpio), 0, CancellationToken.None).WaitAsync(Timeout);

        Assert.Empty(_listener.Failures);
        RekognitionWireRequest request = Assert.Single(_listener.Requests);
        byte[] jpeg = Convert.FromBase64String(request.Body!["Image"]!["Bytes"]!.GetValue<string>());
        Assert.Equal([0xFF, 0xD8], jpeg[..2]);
        Assert.Equal([0xFF, 0xD9], jpeg[^2..]);
        Assert.Equal((320, 240), JpegSize(jpeg));

        Decision decision = Assert.Single(ended.Decisions);
        Assert.Equal(DecisionKind.Granted, decision.Kind);
        Assert.Equal(1, _door.Unlocks);
        // The capture time is the frame's arrival at the tap: close to now on a running camera, and never in the future.
        TimeSpan age = decision.DecidedAt - decision.Observation!.FrameTime;
        Assert.InRange(age, TimeSpan.Zero, TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task The_tap_hands_the_newest_frame_to_a_new_search_and_only_newer_frames_within_one()
    {
        StartCamera(tapWidth: 320, tapHeight: 240, pattern: "smpte");
        await WaitForFrameAsync();

        JpegFrame? first = await _tap.TryGetFrameAsync(after: null, TimeSpan.FromSeconds(5), CancellationToken.None);
        JpegFrame? again = await _tap.TryGetFrameAsync(after: null, TimeSpan.FromSeconds(5), CancellationToken.None);
        JpegFrame? next = await _tap.TryGetFrameAsync(after: again, TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.NotNull(first);
        Assert.NotNull(again);
        Assert.NotNull(next);
        Assert.True(again.CapturedAt >= first.CapturedAt); // no waiting for a new frame at the tap's 5 fps
        Assert.True(next.CapturedAt > again.CapturedAt, $"{next.CapturedAt:O} is not after {again.CapturedAt:O}");
        Assert.True(next.CapturedAt <= DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task The_motion_tap_delivers_small_gray_frames_and_a_changing_picture_fires_a_motion_trigger()
    {
        StartCamera(tapWidth: 320, tapHeight: 240, pattern: "snow"); // every pixel changes from frame to frame
        GrayFrame? frame = null;
        using (var limit = new CancellationTokenSource(Timeout))
        {
            while (frame is null)
            {
                frame = await _motionTap.TryGetFrameAsync(TimeSpan.FromSeconds(1), limit.Token);
            }
        }

        Assert.Equal((160, 120), (frame.Width, frame.Height));
        Assert.True(frame.Stride >= 160);
        Assert.Equal(frame.Stride * 120, frame.Pixels.Length);

        var triggers = new TriggerChannel(_time);
        var options = new TriggerOptions { Motion = { Enabled = true, Sensitivity = 60, Cooldown = TimeSpan.FromMinutes(1) } };
        using var motion = new MotionTriggerSource(Options.Create(options), _motionTap, triggers, _time, NullLogger<MotionTriggerSource>.Instance);
        await motion.StartAsync(CancellationToken.None);
        try
        {
            Trigger trigger = await triggers.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
            Assert.Equal(TriggerKinds.Motion, trigger.Kind);
        }
        finally
        {
            await motion.StopAsync(CancellationToken.None);
        }
    }

    private void StartCamera(int tapWidth, int tapHeight, string pattern)
    {
        var options = new CameraOptions
        {
            Source = CameraOptions.TestSource,
            TestPattern = pattern,
            Width = 640,
            Height = 480,
            Framerate = 30,
            Sinks = [CameraOptions.NoSink],
            FrameTap = new FrameTapOptions { Enabled = true, Width = tapWidth, Height = tapHeight, Rate = 5 },
        };
        _supervisor = new PipelineSupervisor(options, new CameraStatusPublisher(_status), _tap, _time, NullLogger<PipelineSupervisor>.Instance, plan: null, _motionTap);
        _supervisor.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    private async Task WaitForFrameAsync()
    {
        // A first pull proves the pipeline plays; the search then takes the next, fresh frame.
        using var limit = new CancellationTokenSource(Timeout);
        while (await _tap.TryGetFrameAsync(TimeSpan.FromSeconds(1), limit.Token) is null)
        {
        }
    }

    private (ImageApiFaceMatchSource Source, TriggerChannel Triggers) CreateSource()
    {
        var client = new RekognitionClient(new AwsClientOptions
        {
            Region = Region,
            ServiceUrl = _listener.Url,
            Credentials = new BasicAWSCredentials(KeyId, Secret),
            Timeout = TimeSpan.FromSeconds(10),
        });
        var access = new AccessOptions();
        access.People["alice"] = new PersonOptions { MinSimilarity = 90 };
        var executor = new DecisionExecutor(new AccessPolicy(access), _door, _status, new GrantLedger(_directory), _time, NullLogger<DecisionExecutor>.Instance);
        var triggers = new TriggerChannel(_time);
        var options = new RecognitionOptions { Source = RecognitionSources.ImageApi, ImageApi = { CollectionId = "front-door", MaxFrames = 1 } };
        var source = new ImageApiFaceMatchSource(
            Options.Create(options), client, _tap, triggers, executor, new RecognitionStatusReporter(_status, _time),
            new ImageApiBudget(10, 100, _time, stateDirectory: null), _time, NullLogger<ImageApiFaceMatchSource>.Instance);
        _disposables.AddRange([client, executor, source]);
        return (source, triggers);
    }

    /// <summary>Width and height from the JPEG's start-of-frame segment (SOF0-SOF3).</summary>
    private static (int Width, int Height) JpegSize(byte[] jpeg)
    {
        int i = 2;
        while (i + 9 < jpeg.Length)
        {
            Assert.Equal(0xFF, jpeg[i]);
            byte marker = jpeg[i + 1];
            int length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (marker is >= 0xC0 and <= 0xC3)
            {
                return ((jpeg[i + 7] << 8) | jpeg[i + 8], (jpeg[i + 5] << 8) | jpeg[i + 6]);
            }

            i += 2 + length;
        }

        throw new InvalidDataException("no start-of-frame segment in the JPEG");
    }

    public async ValueTask DisposeAsync()
    {
        if (_supervisor is not null)
        {
            await _supervisor.StopAsync(CancellationToken.None);
            _supervisor.Dispose();
        }

        foreach (IDisposable disposable in _disposables)
        {
            disposable.Dispose();
        }

        _tap.Dispose();
        _motionTap.Dispose();
        await _listener.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

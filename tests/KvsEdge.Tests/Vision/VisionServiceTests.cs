using System.Text.Json.Nodes;
using KvsEdge.TestSupport;
using KvsEdge.Triggers;
using KvsEdge.Vision;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Vision;

/// <summary>The vision loop with a scripted detector: what counts as a face, when a face trigger fires, what the gate sees.</summary>
public sealed class VisionServiceTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));
    private readonly ScriptedFaceDetector _detector = new();
    private readonly RecordingCropEncoder _encoder = new();
    private readonly RecordingStatus _status = new();
    private readonly SyntheticVisionFrames _frames;
    private readonly TriggerChannel _triggers;
    private readonly VisionService _service;

    public VisionServiceTests()
    {
        _frames = new SyntheticVisionFrames(_time, 1280, 720);
        _triggers = new TriggerChannel(_time);
        var holder = new FaceDetectorHolder { Detector = _detector, ModelPath = "/models/test.onnx" };
        _service = new VisionService(new VisionOptions { Enabled = true }, holder, _frames, _encoder, _triggers, _status, 1280, 720, _time, NullLogger<VisionService>.Instance);
    }

    // 12 px in a 128 px letterboxed input of a 1280x720 camera is 120 camera pixels; 6 px is 60 (below MinFaceSize 80).
    private static IReadOnlyList<KvsEdge.Vision.Detection.FaceDetection> Big => [ScriptedFaceDetector.Face(60, 50, 12)];

    private async Task<Trigger?> DetectAsync(params KvsEdge.Vision.Detection.FaceDetection[] faces)
    {
        _detector.Script.Enqueue(faces);
        Trigger? fired = await _service.OnFrameAsync(_frames.NextDetection(), CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(200));
        return fired;
    }

    [Fact]
    public async Task A_face_in_2_detections_fires_one_face_trigger_with_a_crop_of_at_least_80_px_from_the_full_frame()
    {
        Assert.Null(await DetectAsync(Big[0]));
        Trigger? fired = await DetectAsync(Big[0]);
        for (int i = 0; i < 10; i++)
        {
            Assert.Null(await DetectAsync(Big[0]));
        }

        Assert.NotNull(fired);
        Assert.Equal(TriggerKinds.Face, fired.Kind);
        Assert.Single(fired.Evidence!.Faces!);
        Assert.Single(fired.Evidence.Crops!);
        CropPlan plan = _encoder.Plans[0];
        // Cut from the 1280x720 frame around the 120 px face (600..720, 360..480 before the margin), not from the detector's 128 px.
        Assert.InRange(plan.Left, 500, 600);
        Assert.InRange(plan.Width, 120, 200);
        Assert.True(plan.OutputWidth >= 80 && plan.OutputHeight >= 80);
        Assert.Equal(1, _triggers.Published);
    }

    [Fact]
    public async Task A_face_on_a_15_fps_branch_is_confirmed_on_the_next_frame_not_a_detection_slot_later()
    {
        // The branch delivers 15 frames a second; detection stays at 5/s until a face awaits its second sighting.
        var frames = new SyntheticVisionFrames(_time, 1280, 720, TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 15));
        int detections = 0;
        for (int i = 0; i < 15; i++)
        {
            DetectionFrame frame = frames.NextDetection();
            if (_service.ShouldDetect(frame))
            {
                detections++;
                await _service.OnFrameAsync(frame, CancellationToken.None);
            }

            _time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 15));
        }

        Assert.Equal(5, detections); // nothing to confirm: one frame in three
        Trigger? fired = null;
        DateTimeOffset faceAt = default;
        for (int i = 0; i < 6 && fired is null; i++)
        {
            DetectionFrame frame = frames.NextDetection();
            if (_service.ShouldDetect(frame))
            {
                faceAt = faceAt == default ? _time.GetUtcNow() : faceAt;
                _detector.Script.Enqueue(Big);
                fired = await _service.OnFrameAsync(frame, CancellationToken.None);
            }

            _time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 15));
        }

        Assert.NotNull(fired);
        Assert.InRange(fired.At - faceAt, TimeSpan.Zero, TimeSpan.FromMilliseconds(70)); // the next frame, not 200 ms later
    }

    [Fact]
    public async Task Small_or_no_faces_fire_nothing_copy_no_full_frame_and_the_gate_sees_no_face()
    {
        for (int i = 0; i < 10; i++)
        {
            Assert.Null(await DetectAsync(ScriptedFaceDetector.Face(60, 50, 6)));
        }

        LocalFaceLook? look = await _service.NextLookAsync(null, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(0, _frames.FullFramesPulled);
        Assert.Equal(0, _triggers.Published);
        Assert.NotNull(look);
        Assert.Empty(look.Faces);
        Assert.Empty(look.Crops);
    }

    [Fact]
    public async Task The_gate_gives_the_newest_look_with_crops_and_waits_for_a_newer_one()
    {
        await DetectAsync(Big[0]);
        LocalFaceLook? first = await _service.NextLookAsync(null, TimeSpan.Zero, CancellationToken.None);
        Task<LocalFaceLook?> next = _service.NextLookAsync(first, TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.False(next.IsCompleted);
        await DetectAsync();

        LocalFaceLook? second = await next;
        Assert.Single(first!.Crops);
        Assert.True(second!.Sequence > first.Sequence);
        Assert.Empty(second.Faces);
    }

    [Fact]
    public async Task A_stale_look_is_not_reused_by_the_gate()
    {
        await DetectAsync(Big[0]);
        _time.Advance(TimeSpan.FromSeconds(2));

        Task<LocalFaceLook?> look = _service.NextLookAsync(null, TimeSpan.FromSeconds(1), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Null(await look);
    }

    [Fact]
    public async Task The_retained_vision_state_says_faces_now_and_calls_saved()
    {
        await DetectAsync(Big[0]);
        _service.CallSaved();

        JsonNode state = JsonNode.Parse(_status.States.Last(s => s.Subtopic == "vision").Payload)!;

        Assert.Equal(1, state["faces"]!.GetValue<int>());
        Assert.Equal(1, state["calls_saved"]!.GetValue<long>());
        Assert.NotNull(state["inference_ms_p50"]);
        Assert.NotNull(state["detector_fps"]);
        Assert.Equal("test.onnx", state["model"]!.GetValue<string>());
    }

    public void Dispose() => _service.Dispose();
}

using KvsEdge.Vision;

namespace KvsEdge.Tests.Vision;

/// <summary>Which frames of a 15 fps detector branch are detected at Vision:Rate 5.</summary>
public sealed class DetectionPacerTests
{
    private static TimeSpan Frame(int n) => TimeSpan.FromTicks(n * TimeSpan.TicksPerSecond / 15);

    [Fact]
    public void Without_a_face_awaiting_confirmation_one_frame_in_three_is_detected()
    {
        var pacer = new DetectionPacer(5);

        List<int> detected = Enumerable.Range(0, 30).Where(n => pacer.ShouldDetect(Frame(n), confirming: false)).ToList();

        Assert.Equal([0, 3, 6, 9, 12, 15, 18, 21, 24, 27], detected);
    }

    [Fact]
    public void A_face_awaiting_confirmation_is_detected_on_the_next_frame_and_the_grid_stays()
    {
        var pacer = new DetectionPacer(5);
        Assert.True(pacer.ShouldDetect(Frame(0), confirming: false));

        Assert.True(pacer.ShouldDetect(Frame(1), confirming: true));
        Assert.False(pacer.ShouldDetect(Frame(2), confirming: false));
        Assert.True(pacer.ShouldDetect(Frame(3), confirming: false));
        Assert.Equal(1, pacer.ExtraDetections);
    }

    [Fact]
    public void A_face_that_never_confirms_gets_at_most_rate_extra_detections_a_second()
    {
        var pacer = new DetectionPacer(5);

        int detections = Enumerable.Range(0, 150).Count(n => pacer.ShouldDetect(Frame(n), confirming: true)); // 10 s

        Assert.InRange(detections, 95, 100); // 50 regular + at most 50 extra: twice the budget at worst, never the branch's 15/s
    }

    [Fact]
    public void A_restarted_pipeline_whose_timestamps_start_again_is_detected_at_once()
    {
        var pacer = new DetectionPacer(5);
        Assert.True(pacer.ShouldDetect(Frame(300), confirming: false));

        Assert.True(pacer.ShouldDetect(Frame(0), confirming: false));
        Assert.False(pacer.ShouldDetect(Frame(1), confirming: false));
    }
}

/// <summary>The vision branches run faster than Vision:Rate so a confirmation need not wait a detection slot.</summary>
public sealed class VisionBranchRateTests
{
    [Theory]
    [InlineData(5, 30, 15)]
    [InlineData(5, 10, 10)]
    [InlineData(5, 5, 5)]
    [InlineData(10, 5, 10)] // never below Rate (the camera may be slower than asked; videorate duplicates)
    public void The_branches_run_at_three_times_the_rate_at_most_the_camera_s(int rate, int camera, int expected)
    {
        using var taps = new VisionFrameTaps(128, 128, 1280, 720, rate, camera, TimeProvider.System);

        Assert.Equal(expected, taps.Detect.Branch.Rate);
        Assert.Equal(expected, taps.Full.Branch.Rate);
    }
}

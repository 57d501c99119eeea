using KvsEdge.Vision.Detection;

namespace KvsEdge.Tests.Vision;

/// <summary>The yaw estimate on synthetic keypoints (right eye, left eye, nose, mouth, right ear, left ear).</summary>
public sealed class FacePoseTests
{
    // A frontal face: the subject's right ear on the image's left at x 100, left ear at x 200, nose midway.
    private static PointF[] Face(float noseX, float earRightX = 100, float earLeftX = 200) =>
        [new(130, 100), new(170, 100), new(noseX, 130), new(150, 160), new(earRightX, 110), new(earLeftX, 110)];

    [Fact]
    public void A_nose_midway_between_the_ears_is_frontal() =>
        Assert.Equal(0f, FacePose.EstimateYawDegrees(Face(150))!.Value, 3);

    [Theory]
    [InlineData(175, 30)] // half way to the left ear: asin(0.5)
    [InlineData(125, -30)]
    [InlineData(200, 90)] // on the left ear: profile
    [InlineData(230, 90)] // beyond it: clamped
    public void The_nose_off_centre_turns_the_yaw_toward_that_ear(float noseX, float yaw) =>
        Assert.Equal(yaw, FacePose.EstimateYawDegrees(Face(noseX))!.Value, 2);

    [Fact]
    public void A_tilted_head_reads_as_the_same_yaw()
    {
        // The same face as Face(175), rotated 90° about (150, 110): x → y.
        PointF[] rolled = [new(160, 90), new(160, 130), new(130, 135), new(100, 110), new(150, 60), new(150, 160)];

        Assert.Equal(30f, FacePose.EstimateYawDegrees(rolled)!.Value, 2);
    }

    [Fact]
    public void The_eyes_are_the_baseline_when_the_ears_coincide() =>
        Assert.Equal(30f, FacePose.EstimateYawDegrees(Face(160, earRightX: 150, earLeftX: 150))!.Value, 2);

    [Fact]
    public void Too_few_or_degenerate_keypoints_give_no_estimate()
    {
        Assert.Null(FacePose.EstimateYawDegrees([new(1, 1), new(2, 2)]));
        Assert.Null(FacePose.EstimateYawDegrees(Enumerable.Repeat(new PointF(5, 5), 6).ToArray()));
        Assert.Equal(0f, FacePose.Frontality(Enumerable.Repeat(new PointF(5, 5), 6).ToArray()));
    }

    [Fact]
    public void Frontality_is_one_facing_the_camera_and_falls_as_the_head_turns()
    {
        Assert.Equal(1f, FacePose.Frontality(Face(150)), 4);
        Assert.Equal(MathF.Cos(MathF.PI / 6), FacePose.Frontality(Face(175)), 4);
        Assert.True(FacePose.Frontality(Face(190)) < FacePose.Frontality(Face(175)));
    }
}

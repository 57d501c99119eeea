using KvsEdge.Camera;

namespace KvsEdge.Tests.Camera;

public sealed class MotionTapPipelineTests
{
    [Fact]
    public void Motion_triggering_adds_a_small_gray_appsink_branch_off_the_raw_video()
    {
        PipelineDescription p = PipelineBuilder.Build(
            PipelineBuilderTests.Options("record"), PipelineBuilderTests.Has(), new PipelineBuildRequest { MotionTap = new MotionTapRequest(160, 120, 5) });

        Assert.True(p.HasMotionTap);
        Assert.Contains(
            " raw. ! queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 ! videorate ! videoscale ! videoconvert ! video/x-raw,format=GRAY8,width=160,height=120,framerate=5/1 ! appsink name=motion drop=true max-buffers=1",
            p.Description,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Without_motion_triggering_there_is_no_motion_branch_and_the_raw_tee_exists_only_for_a_tap()
    {
        CameraOptions noTap = PipelineBuilderTests.Options("record");
        noTap.FrameTap.Enabled = false;

        PipelineDescription plain = PipelineBuilder.Build(noTap, PipelineBuilderTests.Has());
        PipelineDescription motionOnly = PipelineBuilder.Build(noTap, PipelineBuilderTests.Has(), new PipelineBuildRequest { MotionTap = new MotionTapRequest(160, 120, 5) });

        Assert.False(plain.HasMotionTap);
        Assert.DoesNotContain("tee name=raw", plain.Description, StringComparison.Ordinal);
        Assert.Contains("tee name=raw", motionOnly.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("jpegenc", motionOnly.Description, StringComparison.Ordinal);
    }
}

using KvsEdge.Triggers;
using KvsEdge.Vision;
using KvsEdge.Vision.Detection;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Vision;

public sealed class VisionGeometryTests
{
    [Fact]
    public void A_box_in_the_letterboxed_input_maps_back_to_camera_pixels()
    {
        // 1280x720 into 128x128: scale 0.1, 72 px of picture centred between 28 px borders top and bottom.
        BoxF box = VisionGeometry.ToCamera(new BoxF(64, 28 + 36, 12, 12), 128, 128, 1280, 720);

        Assert.Equal(640, box.X, 0.01);
        Assert.Equal(360, box.Y, 0.01);
        Assert.Equal(120, box.Width, 0.01);
        Assert.Equal(120, box.Height, 0.01);
    }

    [Theory]
    [InlineData(79, false)]
    [InlineData(80, true)]
    public void Faces_below_MinFaceSize_in_camera_pixels_do_not_count(float size, bool counts)
    {
        Assert.Equal(counts, VisionGeometry.Counts(new BoxF(100, 100, size + 40, size), new VisionOptions(), 1280, 720));
    }

    [Fact]
    public void A_face_counts_only_when_its_centre_is_in_the_region()
    {
        var options = new VisionOptions { Region = new MotionRegion { Left = 0.5, Top = 0, Width = 0.5, Height = 1 } };

        Assert.False(VisionGeometry.Counts(new BoxF(100, 100, 100, 100), options, 1280, 720));
        Assert.True(VisionGeometry.Counts(new BoxF(900, 100, 100, 100), options, 1280, 720));
    }

    [Fact]
    public void A_crop_is_the_box_plus_margin_inside_the_frame_on_even_pixels()
    {
        CropPlan plan = VisionGeometry.Crop(new BoxF(101, 51, 100, 100), 0.3, 1280, 720)!.Value;

        Assert.Equal((70, 20, 160, 160), (plan.Left, plan.Top, plan.Width, plan.Height));
        Assert.Equal((160, 160), (plan.OutputWidth, plan.OutputHeight));
    }

    [Fact]
    public void A_small_crop_is_scaled_up_to_80_px_a_side_and_one_at_the_edge_is_clamped()
    {
        CropPlan plan = VisionGeometry.Crop(new BoxF(1250, 700, 30, 30), 0.3, 1280, 720)!.Value;

        Assert.True(plan.Left + plan.Width <= 1280 && plan.Top + plan.Height <= 720);
        Assert.True(plan.OutputWidth >= 80 && plan.OutputHeight >= 80, $"{plan.OutputWidth}x{plan.OutputHeight}");
    }

    [Fact]
    public void Yaw_is_zero_for_a_frontal_face_and_grows_as_the_nose_nears_an_ear()
    {
        PointF[] frontal = [new(40, 40), new(60, 40), new(50, 50), new(50, 60), new(30, 45), new(70, 45)];
        PointF[] turned = [new(40, 40), new(60, 40), new(65, 50), new(60, 60), new(30, 45), new(70, 45)];

        Assert.Equal(0, FaceYaw.Degrees(frontal), 0.01);
        Assert.InRange(FaceYaw.Degrees(turned), 40, 60);
        Assert.True(FaceYaw.Frontality(frontal) > FaceYaw.Frontality(turned));
    }

    [Fact]
    public void Every_bad_value_is_refused_naming_its_key_and_nothing_is_checked_when_off()
    {
        var bad = new VisionOptions
        {
            Enabled = true, Rate = 0, MinFaceSize = 5, MinScore = 1.5, Region = new MotionRegion { Left = 0.8, Width = 0.5 }, ModelPath = " ",
            ConfirmRequired = 4, ConfirmOutOf = 3, TrackOverlap = 0, TrackCooldown = TimeSpan.FromSeconds(-1), TrackTimeout = TimeSpan.Zero,
            SearchWindow = TimeSpan.FromMinutes(1), CropMargin = 5,
        };

        ValidateOptionsResult result = new VisionOptionsValidator().Validate(null, bad);

        string[] keys = ["Rate", "MinFaceSize", "MinScore", "Region", "ModelPath", "ConfirmRequired", "TrackOverlap", "TrackCooldown", "TrackTimeout", "SearchWindow", "CropMargin"];
        Assert.All(keys, k => Assert.Contains(result.Failures!, f => f.StartsWith($"Vision:{k} ", StringComparison.Ordinal)));
        Assert.True(new VisionOptionsValidator().Validate(null, Disabled()).Succeeded);
        Assert.True(new VisionOptionsValidator().Validate(null, new VisionOptions { Enabled = true }).Succeeded);

        VisionOptions Disabled()
        {
            bad.Enabled = false;
            return bad;
        }
    }
}

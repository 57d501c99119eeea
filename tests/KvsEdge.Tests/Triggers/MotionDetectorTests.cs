using KvsEdge.Camera;
using KvsEdge.Triggers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Triggers;

public sealed class MotionDetectorTests
{
    private const int Width = 160;
    private const int Height = 120;

    /// <summary>A flat grey frame with an optional bright block (x, y, w, h in pixels) of the given brightness step.</summary>
    private static GrayFrame Frame(byte background = 100, (int X, int Y, int W, int H)? block = null, int step = 100, int stride = Width)
    {
        byte[] pixels = new byte[stride * Height];
        Array.Fill(pixels, background);
        if (block is { } b)
        {
            for (int y = b.Y; y < b.Y + b.H; y++)
            {
                for (int x = b.X; x < b.X + b.W; x++)
                {
                    pixels[(y * stride) + x] = (byte)Math.Clamp(background + step, 0, 255);
                }
            }
        }

        return new GrayFrame(pixels, Width, Height, stride);
    }

    private static readonly MotionRegion WholeFrame = new();

    [Fact]
    public void The_first_frame_only_primes_and_an_unchanged_scene_is_no_motion()
    {
        var detector = new MotionDetector(60, WholeFrame);

        Assert.False(detector.Compare(Frame()).Motion);
        MotionResult same = detector.Compare(Frame());

        Assert.False(same.Motion);
        Assert.Equal(0, same.ChangedFraction);
    }

    [Fact]
    public void A_person_sized_change_is_motion()
    {
        var detector = new MotionDetector(60, WholeFrame);
        detector.Compare(Frame());

        MotionResult result = detector.Compare(Frame(block: (60, 30, 40, 60)));

        Assert.True(result.Motion);
        Assert.Equal(40.0 * 60 / (Width * Height), result.ChangedFraction, 6);
    }

    [Fact]
    public void Sensor_noise_and_a_slow_light_change_below_the_pixel_threshold_are_not_motion()
    {
        var detector = new MotionDetector(60, WholeFrame); // pixel threshold 20 levels
        detector.Compare(Frame(background: 100));

        Assert.False(detector.Compare(Frame(background: 115)).Motion);
    }

    [Theory]
    [InlineData(100, true)] // most sensitive: 0.1 % of the pixels is enough
    [InlineData(60, false)] // default: needs more than 4.1 %
    public void Sensitivity_sets_how_small_a_change_counts(int sensitivity, bool expected)
    {
        var detector = new MotionDetector(sensitivity, WholeFrame);
        detector.Compare(Frame());

        // 10x10 pixels = 0.52 % of the frame
        Assert.Equal(expected, detector.Compare(Frame(block: (0, 0, 10, 10))).Motion);
    }

    [Fact]
    public void Changes_outside_the_watched_region_are_ignored()
    {
        // Watch only the right half (the door), not the street on the left.
        var detector = new MotionDetector(60, new MotionRegion { Left = 0.5, Top = 0, Width = 0.5, Height = 1 });
        detector.Compare(Frame());

        Assert.False(detector.Compare(Frame(block: (0, 0, 80, 120))).Motion);
        Assert.True(detector.Compare(Frame(block: (100, 20, 30, 40))).Motion);
    }

    [Fact]
    public void Padded_rows_are_read_by_stride()
    {
        var detector = new MotionDetector(60, WholeFrame);
        detector.Compare(Frame(stride: Width + 4));

        Assert.True(detector.Compare(Frame(block: (60, 30, 40, 60), stride: Width + 4)).Motion);
    }

    [Fact]
    public void The_trigger_source_fires_once_per_cooldown()
    {
        var time = new FakeTimeProvider();
        var triggers = new TriggerChannel(time);
        var options = new TriggerOptions { Motion = { Enabled = true, Sensitivity = 60, Cooldown = TimeSpan.FromSeconds(5) } };
        using var source = new MotionTriggerSource(Options.Create(options), new NoFrames(), triggers, time, NullLogger<MotionTriggerSource>.Instance);
        GrayFrame still = Frame();
        GrayFrame moved = Frame(block: (60, 30, 40, 60));

        source.OnFrame(still);
        Assert.True(source.OnFrame(moved));
        Assert.False(source.OnFrame(still)); // motion again, inside the cooldown
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(source.OnFrame(moved));

        Assert.Equal(2, triggers.Published);
    }

    private sealed class NoFrames : IGrayFrameSource
    {
        public Task<GrayFrame?> TryGetFrameAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult<GrayFrame?>(null);
    }
}

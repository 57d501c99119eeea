using KvsEdge.Vision.Detection;
using KvsEdge.Vision.Embedding;

namespace KvsEdge.Tests.Vision.Embedding;

/// <summary>The alignment's geometry on synthetic images whose pixel values are known functions of position.</summary>
public class FaceAlignmentTests
{
    private const int Size = FaceEmbedder.ChipSize;

    // Where the template's points land in a 150-pixel chip with dlib's padding.
    private static PointF[] ChipPoints(IReadOnlyList<PointF> template) =>
        template.Select(p => new PointF((float)((0.25 + p.X) / 1.5 * Size), (float)((0.25 + p.Y) / 1.5 * Size))).ToArray();

    private static PointF[] Map(PointF[] points, SimilarityTransform t) =>
        points.Select(p => { var (x, y) = t.Apply(p.X, p.Y); return new PointF((float)x, (float)y); }).ToArray();

    // R = x/4, G = y/4, B = 100: linear in position, so bilinear sampling must reproduce it to rounding.
    private static byte[] GradientImage(int width, int height)
    {
        var px = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int o = ((y * width) + x) * 3;
                px[o] = (byte)(x / 4);
                px[o + 1] = (byte)(y / 4);
                px[o + 2] = 100;
            }
        }

        return px;
    }

    [Fact]
    public void Landmarks_at_the_template_shifted_by_whole_pixels_give_a_translation_and_an_unchanged_crop()
    {
        var points = ChipPoints(FaceAlignment.Dlib5Template).Select(p => new PointF(p.X + 10, p.Y + 20)).ToArray();
        var t = FaceAlignment.ChipToImage(points, FaceAlignment.Dlib5Template);

        // The template is stored as floats: a few 1e-6 of a pixel is rounding, not geometry.
        Assert.Equal(1, t.A, 6);
        Assert.Equal(0, t.B, 6);
        Assert.Equal(10, t.Tx, 4);
        Assert.Equal(20, t.Ty, 4);

        // A random image: the chip is the 150x150 block at (10, 20), byte for byte.
        var rng = new Random(7);
        var px = new byte[200 * 180 * 3];
        rng.NextBytes(px);
        var chip = new byte[FaceEmbedder.ChipBytes];
        FaceAlignment.ExtractChip(new RgbImage(px, 200, 180, 600), t, chip);
        for (int r = 0; r < Size; r++)
        {
            Assert.True(chip.AsSpan(r * Size * 3, Size * 3).SequenceEqual(px.AsSpan(((r + 20) * 600) + 30, Size * 3)), $"row {r} differs");
        }
    }

    [Theory]
    [InlineData(2.0, 30.0, 400.0, 120.0)]
    [InlineData(0.5, -12.5, 37.0, 90.0)]
    [InlineData(3.3, 179.0, 900.0, 700.0)]
    public void A_known_similarity_is_recovered_and_sampled_bilinearly(double scale, double degrees, double tx, double ty)
    {
        double rad = degrees * Math.PI / 180;
        var truth = new SimilarityTransform(scale * Math.Cos(rad), scale * Math.Sin(rad), tx, ty);
        var landmarks = Map(ChipPoints(FaceAlignment.Dlib5Template), truth);

        var t = FaceAlignment.ChipToImage(landmarks, FaceAlignment.Dlib5Template);

        Assert.Equal(truth.A, t.A, 4);
        Assert.Equal(truth.B, t.B, 4);
        Assert.Equal(truth.Tx, t.Tx, 2);
        Assert.Equal(truth.Ty, t.Ty, 2);
        Assert.Equal(scale, t.Scale, 4);

        const int W = 1400, H = 1200;
        var px = GradientImage(W, H);
        var chip = new byte[FaceEmbedder.ChipBytes];
        FaceAlignment.ExtractChip(new RgbImage(px, W, H, W * 3), t, chip);

        int inside = 0;
        for (int r = 0; r < Size; r++)
        {
            for (int c = 0; c < Size; c++)
            {
                var (x, y) = t.Apply(c, r);
                int o = ((r * Size) + c) * 3;
                if (x < 0 || y < 0 || x >= W - 1 || y >= H - 1)
                {
                    Assert.Equal(0, chip[o] + chip[o + 1] + chip[o + 2]);
                    continue;
                }

                inside++;
                // The image is floor(x/4), a staircase under x/4: interpolated and rounded, within [-1.5, 0.75] of x/4.
                Assert.InRange(chip[o] - (x / 4), -1.51, 0.76);
                Assert.InRange(chip[o + 1] - (y / 4), -1.51, 0.76);
                Assert.Equal(100, chip[o + 2]);
            }
        }

        Assert.True(inside > Size * Size / 2, $"only {inside} chip pixels fell inside the image");
    }

    [Fact]
    public void A_face_half_outside_the_image_is_black_where_the_image_ends()
    {
        const int W = 300, H = 300;
        var px = Enumerable.Repeat((byte)200, W * H * 3).ToArray();
        // Scale 2 (2x2 samples per chip pixel, at ±0.5 image pixels): chip column c samples x = 2c + 101 ± 0.5, and the
        // last column whose 2x2 bilinear neighbourhoods all fit (x + 1 <= 299) is 98; column 99 has one sample off.
        var t = new SimilarityTransform(2, 0, 101, 50);
        var chip = new byte[FaceEmbedder.ChipBytes];

        FaceAlignment.ExtractChip(new RgbImage(px, W, H, W * 3), t, chip);

        Assert.Equal(200, chip[((10 * Size) + 98) * 3]);
        Assert.Equal(0, chip[((10 * Size) + 99) * 3]); // partly off the image: black, not an average of what is left
        Assert.Equal(0, chip[((10 * Size) + 149) * 3]);
    }

    [Fact]
    public void The_stride_is_honoured()
    {
        const int W = 160, H = 160, Stride = (W * 3) + 32;
        var px = new byte[Stride * H];
        for (int y = 0; y < H; y++)
        {
            for (int x = 0; x < W; x++)
            {
                px[(y * Stride) + (x * 3)] = (byte)x;
            }

            px.AsSpan((y * Stride) + (W * 3), 32).Fill(255); // padding bytes must never be read as pixels
        }

        var chip = new byte[FaceEmbedder.ChipBytes];
        FaceAlignment.ExtractChip(new RgbImage(px, W, H, Stride), new SimilarityTransform(1, 0, 5, 5), chip);

        Assert.Equal(5, chip[0]);
        Assert.Equal(154, chip[((149 * Size) + 149) * 3]);
    }

    [Fact]
    public void BlazeFace_keypoints_on_the_template_align_like_dlib_points_on_theirs()
    {
        // The same face seen through both landmark sets: a chip from BlazeFace's eyes/nose/mouth must land where the
        // chip from dlib's corners lands (both templates are dlib's mean face), here under a rotation and scale.
        var truth = new SimilarityTransform(1.7 * Math.Cos(0.3), 1.7 * Math.Sin(0.3), 220, 80);
        var dlib = Map(ChipPoints(FaceAlignment.Dlib5Template), truth);
        var blaze = Map(ChipPoints(FaceAlignment.BlazeFaceTemplate), truth);
        var face = new FaceDetection(new BoxF(0, 0, 1, 1), 0.9f, [.. blaze, new PointF(0, 0), new PointF(0, 0)]);

        const int W = 800, H = 700;
        var px = GradientImage(W, H);
        var chipA = new byte[FaceEmbedder.ChipBytes];
        var chipB = new byte[FaceEmbedder.ChipBytes];
        var ta = FaceAlignment.AlignDlib5(new RgbImage(px, W, H, W * 3), dlib, chipA);
        var tb = FaceAlignment.AlignBlazeFace(new RgbImage(px, W, H, W * 3), face, chipB);

        Assert.Equal(ta.A, tb.A, 4);
        Assert.Equal(ta.B, tb.B, 4);
        Assert.Equal(ta.Tx, tb.Tx, 2);
        Assert.Equal(ta.Ty, tb.Ty, 2);
        Assert.Equal(chipA, chipB);
    }

    [Fact]
    public void Coinciding_landmarks_are_refused()
    {
        var same = Enumerable.Repeat(new PointF(10, 10), 5).ToArray();
        Assert.Throws<ArgumentException>(() => FaceAlignment.ChipToImage(same, FaceAlignment.Dlib5Template));
        Assert.Throws<ArgumentException>(() => FaceAlignment.ChipToImage(same[..4], FaceAlignment.Dlib5Template));
    }
}

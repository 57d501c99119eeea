using KvsEdge.Vision.BlazeFace;
using KvsEdge.Vision.Detection;

namespace KvsEdge.Tests.Vision;

/// <summary>Anchors, decoding, weighted non-max suppression and the letterbox, on synthetic tensors and images.</summary>
public sealed class BlazeFacePostprocessingTests
{
    private const int Size = 256;
    private readonly float[] _scores1 = Filled(512, -20f), _scores2 = Filled(384, -20f);
    private readonly float[] _boxes1 = new float[512 * 16], _boxes2 = new float[384 * 16];

    [Fact]
    public void Anchors_follow_the_models_output_order_two_a_cell_on_16x16_then_six_a_cell_on_8x8()
    {
        (float X, float Y)[] anchors = BlazeFaceAnchors.Create(Size);

        Assert.Equal(896, anchors.Length);
        Assert.Equal((0.5f / 16, 0.5f / 16), anchors[0]);
        Assert.Equal(anchors[0], anchors[1]);
        Assert.Equal((1.5f / 16, 0.5f / 16), anchors[2]);
        Assert.Equal((0.5f / 16, 1.5f / 16), anchors[32]); // the next row after 16 cells of 2
        Assert.Equal((0.5f / 8, 0.5f / 8), anchors[512]);
        Assert.Equal(anchors[512], anchors[517]);
        Assert.Equal((1.5f / 8, 0.5f / 8), anchors[518]);
        Assert.Equal((7.5f / 8, 7.5f / 8), anchors[895]);
    }

    [Fact]
    public void A_box_is_decoded_from_its_anchor_in_input_pixels_with_a_sigmoid_score()
    {
        // Anchor 2*(3*16+5) of the 16×16 grid: cell (5, 3), centre (88, 56) in input pixels.
        int anchor = 2 * ((3 * 16) + 5);
        Set(_scores1, _boxes1, anchor, logit: 2f, dx: 4, dy: -8, w: 40, h: 44, keypointDx: 10);

        Candidate c = Assert.Single(new BlazeFaceDecoder(Size).Decode(_scores1, _boxes1, _scores2, _boxes2, 0.5f));

        Assert.Equal(1f / (1f + MathF.Exp(-2f)), c.Score, 5);
        Assert.Equal(92f, c.CenterX * Size, 3);
        Assert.Equal(48f, c.CenterY * Size, 3);
        Assert.Equal(40f, c.Width * Size, 3);
        Assert.Equal(44f, c.Height * Size, 3);
        Assert.Equal(98f, c.Points[0] * Size, 3); // each keypoint at anchor + (10, 0)
        Assert.Equal(56f, c.Points[1] * Size, 3);
        Assert.Equal(98f, c.Points[10] * Size, 3);
        Assert.Equal(56f, c.Points[11] * Size, 3);
    }

    [Fact]
    public void Candidates_below_the_minimum_score_are_dropped()
    {
        Set(_scores1, _boxes1, 10, logit: 0.2f, dx: 0, dy: 0, w: 30, h: 30); // sigmoid 0.55

        Assert.Empty(new BlazeFaceDecoder(Size).Decode(_scores1, _boxes1, _scores2, _boxes2, 0.6f));
        Assert.Single(new BlazeFaceDecoder(Size).Decode(_scores1, _boxes1, _scores2, _boxes2, 0.5f));
    }

    [Fact]
    public void Overlapping_candidates_blend_into_one_weighted_by_score_keeping_the_best_score()
    {
        // Two anchors of the same cell see one face, offset by 8 px; the blend sits between them, nearer the stronger.
        Set(_scores1, _boxes1, 100, logit: 3f, dx: 0, dy: 0, w: 60, h: 60);
        Set(_scores1, _boxes1, 101, logit: 1f, dx: 8, dy: 0, w: 60, h: 60);
        float strong = 1f / (1f + MathF.Exp(-3f)), weak = 1f / (1f + MathF.Exp(-1f));
        float anchorX = (((100 / 2) % 16) + 0.5f) / 16 * Size;

        Candidate c = Assert.Single(new BlazeFaceDecoder(Size).Decode(_scores1, _boxes1, _scores2, _boxes2, 0.5f));

        Assert.Equal(strong, c.Score, 5);
        Assert.Equal(anchorX + (8 * weak / (strong + weak)), c.CenterX * Size, 3);
    }

    [Fact]
    public void Separate_faces_stay_separate_best_first()
    {
        Set(_scores1, _boxes1, 40, logit: 1f, dx: 0, dy: 0, w: 30, h: 30);
        Set(_scores2, _boxes2, 300, logit: 4f, dx: 0, dy: 0, w: 50, h: 50);

        List<Candidate> found = new BlazeFaceDecoder(Size).Decode(_scores1, _boxes1, _scores2, _boxes2, 0.5f);

        Assert.Equal(2, found.Count);
        Assert.True(found[0].Score > found[1].Score);
        Assert.Equal(50f, found[0].Width * Size, 3);
    }

    [Fact]
    public void A_wide_frame_is_letterboxed_centred_and_mapped_back_to_its_pixels()
    {
        Letterbox box = Letterbox.For(1280, 720, Size);

        Assert.Equal(new Letterbox(1280, 720, 0, 56, 256, 144), box);
        Assert.Equal(new PointF(640, 360), box.ToSource(128, 128));
        Assert.Equal(new PointF(0, 0), box.ToSource(0, 56));
        Assert.Equal(50f, box.ToSourceX(10));
    }

    [Fact]
    public void A_frame_at_the_input_size_is_copied_to_minus_one_to_one_honouring_the_stride()
    {
        int stride = (Size * 3) + 4;
        var pixels = new byte[stride * Size];
        pixels[0] = 255; // row 0: R of the first pixel
        pixels[stride + 5] = 0; // row 1, pixel 1's B
        pixels[(stride * 2) - 1] = 255; // row 0's padding: must not be read
        var tensor = new float[Size * Size * 3];

        Letterbox box = LetterboxPreprocessor.Fill(new RgbImage(pixels, Size, Size, stride), Size, tensor);

        Assert.Equal(new Letterbox(Size, Size, 0, 0, Size, Size), box);
        Assert.Equal((1f, -1f, -1f), (tensor[0], tensor[1], tensor[(Size * 3) + 5]));
        Assert.All(tensor.AsSpan(3).ToArray(), v => Assert.Equal(-1f, v));
    }

    [Fact]
    public void A_larger_frame_is_area_averaged_into_the_letterbox_and_the_bars_are_black()
    {
        // 512×256 white image: scaled by 0.5 into rows 64..191; every 2×2 block averages to 255.
        int width = 512, height = 256;
        byte[] pixels = Filled(width * height * 3, (byte)255);
        var tensor = new float[Size * Size * 3];

        LetterboxPreprocessor.Fill(new RgbImage(pixels, width, height, width * 3), Size, tensor);

        Assert.Equal(-1f, tensor[(63 * Size * 3) + 100]);
        Assert.Equal(1f, tensor[64 * Size * 3], 5);
        Assert.Equal(1f, tensor[(191 * Size * 3) + (255 * 3) + 2], 5);
        Assert.Equal(-1f, tensor[192 * Size * 3]);
    }

    [Fact]
    public void An_image_shorter_than_its_stride_says_is_refused() =>
        Assert.Throws<ArgumentException>(() =>
            LetterboxPreprocessor.Fill(new RgbImage(new byte[100], 64, 64, 192), Size, new float[Size * Size * 3]));

    private static void Set(float[] scores, float[] boxes, int anchor, float logit, float dx, float dy, float w, float h, float keypointDx = 0)
    {
        scores[anchor] = logit;
        Span<float> raw = boxes.AsSpan(anchor * 16, 16);
        raw[0] = dx;
        raw[1] = dy;
        raw[2] = w;
        raw[3] = h;
        for (int k = 0; k < 6; k++)
        {
            raw[4 + (2 * k)] = keypointDx;
        }
    }

    private static T[] Filled<T>(int length, T value)
    {
        var array = new T[length];
        Array.Fill(array, value);
        return array;
    }
}

using System.Globalization;
using KvsEdge.Vision.Detection;
using KvsEdge.Vision.Embedding;
using Xunit.Abstractions;

namespace KvsEdge.Tests.Vision.Embedding;

public sealed class FaceEmbedderFixture : IDisposable
{
    public FaceEmbedder Embedder { get; } = FaceEmbedder.Load(EmbeddingTestData.ModelPath);

    public void Dispose() => Embedder.Dispose();
}

/// <summary>
/// Our ONNX conversion of dlib's ResNet against dlib's own C++ on the same chips (scripts/build-dlib-reference.sh), and
/// the descriptors' behaviour on real photos (kphotoalbum's demo people, two public-domain portraits).
/// </summary>
public class FaceEmbedderTests(FaceEmbedderFixture fixture, ITestOutputHelper output) : IClassFixture<FaceEmbedderFixture>
{
    private readonly FaceEmbedder _embedder = fixture.Embedder;

    [Fact]
    public void Descriptors_match_dlibs_own_implementation_within_1e4_on_every_reference_chip()
    {
        var faces = EmbeddingTestData.Faces();
        Assert.True(faces.Count >= 10, $"only {faces.Count} reference faces");
        foreach (var face in faces)
        {
            var ours = _embedder.Embed(face.Chip);
            Assert.Equal(FaceEmbedder.DescriptorLength, ours.Length);
            float worst = 0;
            for (int i = 0; i < ours.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(ours[i] - face.DlibDescriptor[i]));
            }

            output.WriteLine($"{face.Name,-22} max |ours - dlib| = {worst:E2}, L2 = {FaceEmbedder.Distance(ours, face.DlibDescriptor):E2}");
            Assert.True(worst <= 1e-4f, $"{face.Name}: a component differs from dlib's by {worst}");
        }
    }

    [Fact]
    public void The_model_names_the_pinned_dlib_weights_it_was_converted_from()
    {
        // The SHA-256 pinned in scripts/build-face-embedder.sh (RESNET_SHA256).
        Assert.Equal("55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30", _embedder.SourceSha256);
    }

    [Fact]
    public void A_batch_gives_the_same_descriptors_as_one_chip_at_a_time()
    {
        var faces = EmbeddingTestData.Faces().Take(4).ToArray();
        var chips = faces.SelectMany(f => f.Chip).ToArray();

        var batch = _embedder.Embed(chips, faces.Length);

        Assert.Equal(faces.Length, batch.Length);
        for (int i = 0; i < faces.Length; i++)
        {
            Assert.True(FaceEmbedder.Distance(batch[i], _embedder.Embed(faces[i].Chip)) < 1e-5f, faces[i].Name);
        }
    }

    // Vision:MinFaceSize's default: the appliance never matches a smaller face, so neither does this test (the 51-56 px
    // faces of wayne.jpg, upscaled three times into the chip, are reported but not judged).
    private const float MinFaceSize = 80;

    // The face's width in image pixels: the chip's unit face (150 / 1.5 = 100 chip pixels) times the alignment's scale.
    private static float FaceSize(ReferenceFace f) =>
        (float)(100 * FaceAlignment.ChipToImage(f.Landmarks, FaceAlignment.Dlib5Template).Scale);

    [Fact]
    public void At_dlibs_threshold_no_two_different_people_match_and_every_distance_is_reported()
    {
        var labelled = EmbeddingTestData.Faces().Where(f => f.Person is not null).ToArray();
        foreach (var f in labelled)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{f.Name,-22} {f.Person,-15} face {FaceSize(f):F0} px"));
        }

        var faces = labelled.Where(f => FaceSize(f) >= MinFaceSize).ToArray();
        Assert.True(faces.Select(f => f.Person).Distinct().Count() >= 5, "fewer than 5 labelled people");
        var descriptors = faces.Select(f => _embedder.Embed(f.Chip)).ToArray();

        var same = new List<float>();
        var different = new List<float>();
        var falseAccepts = new List<string>();
        for (int i = 0; i < faces.Length; i++)
        {
            for (int j = i + 1; j < faces.Length; j++)
            {
                float d = FaceEmbedder.Distance(descriptors[i], descriptors[j]);
                bool samePerson = faces[i].Person == faces[j].Person;
                (samePerson ? same : different).Add(d);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(samePerson ? "same" : "diff")} {d:F3}  {faces[i].Name} ({faces[i].Person}) / {faces[j].Name} ({faces[j].Person})"));
                if (!samePerson && d < FaceEmbedder.DlibSamePersonThreshold)
                {
                    falseAccepts.Add($"{faces[i].Name}/{faces[j].Name} {d:F3}");
                }
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"same person: {same.Count} pairs, {same.Min():F3}..{same.Max():F3}, {same.Count(d => d >= 0.6f)} at or above 0.6; different: {different.Count} pairs, {different.Min():F3}..{different.Max():F3}"));
        foreach (var small in labelled.Except(faces))
        {
            foreach (var other in labelled.Where(o => o != small))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"(below {MinFaceSize} px, not judged) {(small.Person == other.Person ? "same" : "diff")} {FaceEmbedder.Distance(_embedder.Embed(small.Chip), _embedder.Embed(other.Chip)):F3}  {small.Name} ({small.Person}) / {other.Name} ({other.Person})"));
            }
        }

        Assert.Empty(falseAccepts);
        Assert.NotEmpty(same);
        // The descriptors separate people at all: the closest stranger is farther than the typical same-person pair.
        Assert.True(different.Min() > same.Order().ElementAt(same.Count / 2), "different-person pairs are as close as same-person pairs");
    }

    [Fact]
    public void Our_alignment_from_dlibs_landmarks_gives_nearly_dlibs_descriptor()
    {
        // Same photo, same five landmarks: our similarity warp against dlib's extract_image_chip. dlib shrinks large faces
        // through a 2x image pyramid before its bilinear step, we supersample, so the chips differ slightly (most by
        // 0.04-0.09; the 480 px face of jesper.jpg by 0.12): the descriptors must stay within a quarter of the 0.6 threshold.
        var chip = new byte[FaceEmbedder.ChipBytes];
        float worst = 0;
        foreach (var face in EmbeddingTestData.Faces())
        {
            var pixels = File.ReadAllBytes(face.ImagePath);
            FaceAlignment.AlignDlib5(new RgbImage(pixels, face.ImageWidth, face.ImageHeight, face.ImageWidth * 3), face.Landmarks, chip);
            float d = FaceEmbedder.Distance(_embedder.Embed(chip), face.DlibDescriptor);
            double meanPixel = chip.Zip(face.Chip, (a, b) => Math.Abs(a - b)).Average();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{face.Name,-22} descriptor distance {d:F4}, mean |pixel difference| {meanPixel:F2}"));
            Assert.True(d < 0.15f, $"{face.Name}: our chip's descriptor is {d} from dlib's");
            worst = Math.Max(worst, d);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"largest descriptor distance to dlib's alignment: {worst:F4}"));
    }

    [Fact]
    public void A_missing_model_is_refused_naming_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kvsedge-no-such-model-{Guid.NewGuid():N}.onnx");
        var e = Assert.Throws<FaceEmbedderModelException>(() => FaceEmbedder.Load(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_or_truncated_model_is_refused_naming_the_file()
    {
        var dir = Directory.CreateTempSubdirectory("kvsedge-embedder-");
        try
        {
            var garbage = Path.Combine(dir.FullName, "garbage.onnx");
            var rng = new Random(3);
            var bytes = new byte[4096];
            rng.NextBytes(bytes);
            File.WriteAllBytes(garbage, bytes);
            var truncated = Path.Combine(dir.FullName, "truncated.onnx");
            using (var source = File.OpenRead(EmbeddingTestData.ModelPath))
            using (var target = File.Create(truncated))
            {
                var half = new byte[source.Length / 2];
                source.ReadExactly(half);
                target.Write(half);
            }

            foreach (var path in new[] { garbage, truncated })
            {
                var e = Assert.Throws<FaceEmbedderModelException>(() => FaceEmbedder.Load(path));
                Assert.Contains(path, e.Message, StringComparison.Ordinal);
                Assert.Contains("not a valid ONNX model", e.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(new[] { 1, 3, 128, 128 }, "takes Float [1,3,128,128]")]
    [InlineData(new[] { -1, 150, 150, 3 }, "takes Float [N,150,150,3]")]
    [InlineData(new[] { -1, 3, 150, 150 }, "returns Float [N,3,150,150]")]
    public void A_model_of_the_wrong_shape_is_refused_naming_the_file_and_the_shape(int[] shape, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("kvsedge-embedder-");
        try
        {
            var path = Path.Combine(dir.FullName, "identity.onnx");
            File.WriteAllBytes(path, EmbeddingTestData.IdentityModel([.. shape.Select(d => d < 0 ? (int?)null : d)]));

            var e = Assert.Throws<FaceEmbedderModelException>(() => FaceEmbedder.Load(path));

            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_chip_of_the_wrong_size_is_refused()
    {
        Assert.Throws<ArgumentException>(() => _embedder.Embed(new byte[FaceEmbedder.ChipBytes - 3]));
        Assert.Throws<ArgumentException>(() => _embedder.Embed(new byte[FaceEmbedder.ChipBytes], 2));
    }
}

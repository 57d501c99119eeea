using System.Globalization;
using Amazon.Runtime;
using KvsEdge.Cli;
using KvsEdge.Cloud;
using KvsEdge.Common;
using KvsEdge.Offline;
using KvsEdge.Recognition;
using KvsEdge.TestSupport;
using KvsEdge.Tests.Aws;
using KvsEdge.Tests.Vision.Embedding;
using KvsEdge.Vision.BlazeFace;
using KvsEdge.Vision.Detection;
using KvsEdge.Vision.Embedding;
using Xunit.Abstractions;

namespace KvsEdge.Tests.Offline;

public sealed class LocalEnrolmentModelsFixture : IDisposable
{
    public FaceEmbedder Embedder { get; } = FaceEmbedder.Load(EmbeddingTestData.ModelPath);

    public BlazeFaceDetector Detector { get; } = BlazeFaceDetector.Load(VisionTestData.BlazeFaceModel);

    public void Dispose()
    {
        Embedder.Dispose();
        Detector.Dispose();
    }
}

/// <summary>
/// `faces add|list|remove|sync` on the local side with the real models (scripts/build-face-embedder.sh,
/// scripts/fetch-models.sh) on the kphotoalbum demo and public-domain photos (scripts/fetch-test-photos.sh). Like the
/// embedder's own tests these never skip: a missing model or photo fails with the script to run. The Rekognition wire
/// listener stands in for AWS so that the tests can show `--local-only` makes no call at all.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class LocalEnrolmentPhotoTests(LocalEnrolmentModelsFixture models, ITestOutputHelper output)
    : IClassFixture<LocalEnrolmentModelsFixture>, IAsyncLifetime
{
    private const string Region = "eu-west-1";

    private readonly string _folder = Directory.CreateTempSubdirectory("kvsedge-enrol-").FullName;
    private readonly string _state = Directory.CreateTempSubdirectory("kvsedge-enrol-state-").FullName;
    private RekognitionWireListener _listener = null!;
    private CloudVerbHarness _verb = null!;

    private string GalleryPath => Path.Combine(_state, FaceGallery.FileName);

    public Task InitializeAsync()
    {
        _listener = new RekognitionWireListener(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey, Region);
        var aws = new AwsOptions { Region = Region, Endpoints = new AwsEndpointOptions { Rekognition = _listener.Url } };
        _verb = new CloudVerbHarness(aws, new BasicAWSCredentials(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey), new CloudOptions { CollectionId = "front-door-faces" });
        _verb.Context = _verb.Context with
        {
            StateDirectory = _state,
            LocalFaces = new LocalFaceSettings(EmbeddingTestData.ModelPath, VisionTestData.BlazeFaceModel, new LocalEnrolmentRules()),
        };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _listener.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
        Directory.Delete(_state, recursive: true);
    }

    private void Copy(string from, string name) => File.Copy(from, Path.Combine(_folder, name));

    private static string Kphoto(string name) => VisionTestData.KPhotoAlbum(name);

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Local_only_add_enrols_one_face_photos_refuses_the_rest_with_the_reason_and_writes_a_0600_gallery_that_loads()
    {
        Copy(Kphoto("jesper.jpg"), "jesper.jpg");
        Copy(Kphoto("jesper_2.jpg"), "jesper_2.jpg");
        Copy(Kphoto("anne_helene.jpg"), "anne-helene.jpg");
        Copy(VisionTestData.GraceHopper, "grace.jpg");
        Copy(VisionTestData.Skimage("chelsea.png"), "chelsea.png");      // a cat
        Copy(VisionTestData.Skimage("coffee.png"), "coffee.png");        // a cup
        Copy(Kphoto("bar55_2.jpg"), "bar.jpg");                          // two people
        Copy(Kphoto("qt-logo.jpg"), "qt.jpg");                           // three people
        Copy(Kphoto("cold_water.jpg"), "cold.jpg");                      // one face, 46 px
        File.WriteAllText(Path.Combine(_folder, "notes.txt"), "not a photo");
        File.WriteAllBytes(Path.Combine(_folder, "broken.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, .. "not really a JPEG"u8]);

        var (code, text, _) = await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, localOnly: true, ct));
        output.WriteLine(text);

        Assert.Equal(ExitCodes.SomeNotDone, code);
        Assert.Empty(_listener.Requests); // --local-only: not one AWS call
        AssertRow(text, "jesper.jpg", "jesper", "added");
        AssertRow(text, "jesper_2.jpg", "jesper", "added");
        AssertRow(text, "anne-helene.jpg", "anne", "added");
        AssertRow(text, "grace.jpg", "grace", "added");
        AssertRow(text, "chelsea.png", "chelsea", "no face", "no clear face found in the photo (best detector score 0.80, 0.81 needed)");
        AssertRow(text, "coffee.png", "coffee", "no face", "no clear face");
        AssertRow(text, "bar.jpg", "bar", "several faces", "2 faces in the photo");
        AssertRow(text, "qt.jpg", "qt", "several faces", "3 faces in the photo");
        AssertRow(text, "cold.jpg", "cold", "face too small", "under the 80 px (Vision:MinFaceSize)");
        AssertRow(text, "notes.txt", "-", "unsupported", "only .jpg, .jpeg, .png");
        AssertRow(text, "broken.jpg", "broken", "unsupported", "cannot decode it");
        Assert.Contains("4 added, 0 already there, 7 refused, of 11 file(s); 3 people, 4 face descriptor(s).", text, StringComparison.Ordinal);

        Assert.Equal(FaceGallery.FilePermissions, File.GetUnixFileMode(GalleryPath));
        Assert.False(File.Exists(GalleryPath + ".tmp"));
        FaceGallery gallery = FaceGallery.Load(GalleryPath, models.Embedder.SourceSha256!);
        Assert.Equal(["anne", "grace", "jesper"], gallery.People);
        Assert.Equal(2, gallery.DescriptorsOf("jesper").Count);
        // The enrolled faces are found again, each as its own person, at the default threshold.
        Assert.Equal(_folder, EnrollmentSource.Read(_state));
        var jesper = gallery.FindNearest(gallery.DescriptorsOf("jesper")[0], _ => new LocalRecognitionOptions().Threshold);
        Assert.Equal(("jesper", GalleryMatchOutcome.Match), (jesper.Person, jesper.Outcome));
    }

    [Fact]
    public void A_gstreamer_plugin_missing_on_the_device_refuses_the_photo_naming_the_element_instead_of_crashing()
    {
        // Found in the chroot install test: without videoflip, `faces add` ended in an unhandled GstreamerException.
        var decoder = new GstreamerEnrolmentPhotoDecoder(GstreamerEnrolmentPhotoDecoder.DefaultDescription.Replace("videoflip", "kvsedgenosuchflip", StringComparison.Ordinal));

        PhotoDecodeException refused = Assert.Throws<PhotoDecodeException>(() => decoder.Decode(File.ReadAllBytes(VisionTestData.GraceHopper)));

        Assert.Contains("kvsedgenosuchflip", refused.Message, StringComparison.Ordinal);
        Assert.Contains("GStreamer plugins", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Adding_again_adds_nothing_twice_and_a_new_photo_joins_its_person()
    {
        Copy(Kphoto("jesper.jpg"), "jesper.jpg");
        Copy(VisionTestData.GraceHopper, "grace.jpg");
        Assert.Equal(ExitCodes.Ok, (await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, localOnly: true, ct))).ExitCode);
        byte[] first = File.ReadAllBytes(GalleryPath);

        var again = await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, localOnly: true, ct));

        Assert.Equal(ExitCodes.Ok, again.ExitCode);
        AssertRow(again.Output, "jesper.jpg", "jesper", "already in gallery", "in the local gallery already");
        Assert.Contains("0 added, 2 already there, 0 refused, of 2 file(s); 2 people, 2 face descriptor(s).", again.Output, StringComparison.Ordinal);
        Assert.Equal(first, File.ReadAllBytes(GalleryPath));

        Copy(Kphoto("jesper_2.jpg"), "jesper_2.jpg");
        var more = await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, localOnly: true, ct));

        Assert.Equal(ExitCodes.Ok, more.ExitCode);
        Assert.Equal(2, FaceGallery.Load(GalleryPath, models.Embedder.SourceSha256!).DescriptorsOf("jesper").Count);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Sync_rebuilds_the_gallery_from_the_source_alone_and_remove_takes_the_person_out()
    {
        Copy(Kphoto("jesper.jpg"), "jesper.jpg");
        Copy(VisionTestData.GraceHopper, "grace.jpg");
        // A gallery of other people (and another photo of jesper's name) that the source does not hold any more.
        FaceGallery.Empty(models.Embedder.SourceSha256!)
            .WithPerson("mallory", [Enumerable.Repeat(0.1f, 128).ToArray()])
            .WithPerson("jesper", [Enumerable.Repeat(0.2f, 128).ToArray()])
            .Save(GalleryPath);

        var (code, text, _) = await _verb.RunAsync((c, ct) => CloudCommands.FacesSyncAsync(c, _folder, ct));

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Empty(_listener.Requests);
        Assert.Contains("2 added, 0 already there, 0 refused, of 2 file(s); 2 people, 2 face descriptor(s).", text, StringComparison.Ordinal);
        FaceGallery synced = FaceGallery.Load(GalleryPath, models.Embedder.SourceSha256!);
        Assert.Equal(["grace", "jesper"], synced.People);
        Assert.Single(synced.DescriptorsOf("jesper"));
        Assert.Equal(FaceGallery.FilePermissions, File.GetUnixFileMode(GalleryPath));

        var list = await _verb.RunAsync((c, ct) => CloudCommands.FacesListAsync(c, localOnly: true, ct));
        Assert.Equal(ExitCodes.Ok, list.ExitCode);
        Assert.Contains("2 people, 2 face descriptor(s), model 55533b28a958", list.Output, StringComparison.Ordinal);
        Assert.Contains(list.Output.Split('\n'), l => l.Split(['│', '|']).Select(c => c.Trim()).SequenceEqual(["", "jesper", "?", "1", ""]));

        var removed = await _verb.RunAsync((c, ct) => CloudCommands.FacesRemoveAsync(c, "Grace", localOnly: true, ct));

        Assert.Equal(ExitCodes.Ok, removed.ExitCode);
        Assert.Contains("Removed grace from the local gallery (1 face descriptor(s)).", removed.Output, StringComparison.Ordinal);
        Assert.Equal(["jesper"], FaceGallery.Load(GalleryPath, models.Embedder.SourceSha256!).People);
        Assert.Equal(ExitCodes.Failure, (await _verb.RunAsync((c, ct) => CloudCommands.FacesRemoveAsync(c, "grace", localOnly: true, ct))).ExitCode);
        Assert.Empty(_listener.Requests);
    }

    [Fact]
    public async Task A_damaged_gallery_is_neither_used_nor_replaced_by_add()
    {
        Copy(Kphoto("jesper.jpg"), "jesper.jpg");
        byte[] damaged = FaceGallery.Empty(models.Embedder.SourceSha256!).WithPerson("mallory", [Enumerable.Repeat(0.1f, 128).ToArray()]).Serialize();
        damaged[70] ^= 1;
        File.WriteAllBytes(GalleryPath, damaged);

        var (code, _, _) = await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, localOnly: true, ct));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal(damaged, File.ReadAllBytes(GalleryPath));
    }

    /// <summary>
    /// Issue 16's identity test on the enrolment path itself (detector, alignment, jittered mean): with the default
    /// threshold no two different people match, and leave-one-out through the gallery never names someone else.
    /// </summary>
    /// <remarks>
    /// With BlazeFace alignment, Jesper and Jim cut out of qt-logo.jpg are 0.579 apart (0.587 with one chip, no jitter;
    /// 0.625 when detected in the whole photo), under dlib's 0.6; every other different-person pair is 0.637 or more,
    /// every same-person pair 0.566 or less. That finding set the default of `Recognition:Local:Threshold` to 0.55; this
    /// test reads the default, so it fails if it is ever loosened past what the photos allow.
    /// </remarks>
    [Fact]
    public void With_the_default_threshold_no_different_person_pair_matches()
    {
        var (falseAccepts, _, _, wrongIdentifications) = Measure(new LocalRecognitionOptions().Threshold);

        Assert.Empty(falseAccepts);
        Assert.Empty(wrongIdentifications);
    }

    /// <summary>
    /// Every pairwise distance of the enrolment descriptors, printed (the kphotoalbum people: Jesper ×3 in one-face
    /// photos, and Wayne, Jesper and Jim cut out of qt-logo.jpg around the face areas its index.xml tags; Anne Helene; the
    /// public-domain portraits of Grace Hopper and Eileen Collins), with each chip's own distance beside it. Every photo
    /// is enrolled, and the descriptors separate people: the closest strangers are farther apart than the typical
    /// same-person pair.
    /// </summary>
    [Fact]
    public void Every_distance_is_reported_and_the_enrolment_descriptors_separate_people()
    {
        var (_, same, different, _) = Measure(new LocalRecognitionOptions().Threshold);

        Assert.Equal(6, same.Count);
        Assert.Equal(30, different.Count);
        Assert.True(different.Min() > same.Order().ElementAt(same.Count / 2), "different-person pairs are as close as same-person pairs");
    }

    private (List<string> FalseAccepts, List<float> Same, List<float> Different, List<string> WrongIdentifications) Measure(float threshold)
    {
        var enroller = new LocalFaceEnroller(models.Detector, models.Embedder, new LocalEnrolmentRules());
        (string Name, string Person, RgbPhoto Photo)[] photos =
        [
            ("jesper.jpg", "Jesper", Decode(Kphoto("jesper.jpg"))),
            ("jesper_2.jpg", "Jesper", Decode(Kphoto("jesper_2.jpg"))),
            ("new_wave_2.jpg", "Jesper", Decode(Kphoto("new_wave_2.jpg"))),
            ("anne_helene.jpg", "Anne Helene", Decode(Kphoto("anne_helene.jpg"))),
            ("grace_hopper.jpg", "Grace Hopper", Decode(VisionTestData.GraceHopper)),
            ("astronaut.png", "Eileen Collins", Decode(VisionTestData.Skimage("astronaut.png"))),
            ("qt-logo.jpg Wayne", "Wayne", Crop(Decode(Kphoto("qt-logo.jpg")), 144, 78, 148, 152)),
            ("qt-logo.jpg Jesper", "Jesper", Crop(Decode(Kphoto("qt-logo.jpg")), 342, 89, 148, 157)),
            ("qt-logo.jpg Jim", "Jim", Crop(Decode(Kphoto("qt-logo.jpg")), 558, 45, 137, 144)),
        ];
        var faces = photos.Select(p => (p.Name, p.Person, Face: enroller.Describe(p.Photo), Single: SingleChip(p.Photo))).ToArray();
        foreach (var f in faces)
        {
            output.WriteLine($"{f.Name,-20} {f.Person,-15} {f.Face.Outcome}: {f.Face.Detail}");
            Assert.True(f.Face.Descriptor is not null, $"{f.Name}: {f.Face.Detail}");
        }

        var falseAccepts = new List<string>();
        var same = new List<float>();
        var different = new List<float>();
        for (int i = 0; i < faces.Length; i++)
        {
            for (int j = i + 1; j < faces.Length; j++)
            {
                float d = FaceEmbedder.Distance(faces[i].Face.Descriptor, faces[j].Face.Descriptor);
                bool samePerson = faces[i].Person == faces[j].Person;
                (samePerson ? same : different).Add(d);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(samePerson ? "same" : "diff")} {d:F3} (one chip: {FaceEmbedder.Distance(faces[i].Single, faces[j].Single):F3})  {faces[i].Name} / {faces[j].Name}"));
                if (!samePerson && d < threshold)
                {
                    falseAccepts.Add(string.Create(CultureInfo.InvariantCulture, $"{faces[i].Name}/{faces[j].Name} {d:F3}"));
                }
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"threshold {threshold}: same person {same.Count} pairs {same.Min():F3}..{same.Max():F3}; different {different.Count} pairs {different.Min():F3}..{different.Max():F3}; {falseAccepts.Count} different-person pair(s) under it"));

        // Leave-one-out through the gallery: each face against a gallery of all the others.
        var wrong = new List<string>();
        for (int i = 0; i < faces.Length; i++)
        {
            var gallery = FaceGallery.Empty(models.Embedder.SourceSha256!).WithPeople(
                [.. faces.Where((_, k) => k != i).GroupBy(f => f.Person).Select(g => (g.Key, (IReadOnlyList<float[]>)[.. g.Select(f => f.Face.Descriptor!)]))]);
            GalleryMatch match = gallery.FindNearest(faces[i].Face.Descriptor, _ => threshold);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"leave-one-out {faces[i].Name,-20} → {match.Outcome} {match.Person ?? "-"} (nearest {match.Nearest} {match.Distance:F3})"));
            if (match.Person is not null && match.Person != faces[i].Person)
            {
                wrong.Add($"{faces[i].Name} → {match.Person}");
            }
        }

        return (falseAccepts, same, different, wrong);
    }

    [Fact]
    public void The_jittered_mean_stays_near_the_single_aligned_chips_descriptor()
    {
        // The mean of the aligned chip, its mirror image and five slightly shifted copies: a steadier reference, still
        // the same face (far nearer to it than the 0.6 threshold).
        RgbPhoto photo = Decode(VisionTestData.GraceHopper);
        var image = new RgbImage(photo.Pixels, photo.Width, photo.Height, photo.Stride);
        FaceDetection face = Assert.Single(models.Detector.Detect(image, BlazeFaceDetector.DefaultMinScore));
        var chip = new byte[FaceEmbedder.ChipBytes];
        FaceAlignment.AlignBlazeFace(image, face, chip);
        float[] single = models.Embedder.Embed(chip);

        float[] mean = new LocalFaceEnroller(models.Detector, models.Embedder, new LocalEnrolmentRules()).Describe(photo).Descriptor!;

        float d = FaceEmbedder.Distance(single, mean);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"single chip vs jittered mean: {d:F3}"));
        Assert.InRange(d, 1e-3f, 0.2f);
    }

    /// <summary>The rules on detections given by hand (a grey 400×400 photo; the embedder runs only for a usable face).</summary>
    [Theory]
    [InlineData(new[] { 0.9f }, new[] { 100f }, new[] { 0f }, "Added")]
    [InlineData(new[] { 0.9f }, new[] { 80f }, new[] { 0f }, "Added")]
    [InlineData(new[] { 0.9f }, new[] { 79f }, new[] { 0f }, "FaceTooSmall")]
    [InlineData(new[] { 0.9f }, new[] { 100f }, new[] { 60f }, "FaceTurned")]
    [InlineData(new[] { 0.9f }, new[] { 100f }, new[] { 40f }, "Added")]
    [InlineData(new[] { 0.9f, 0.55f }, new[] { 100f, 90f }, new[] { 0f, 0f }, "SeveralFaces")] // a second, weaker face still counts
    [InlineData(new[] { 0.9f, 0.9f }, new[] { 100f, 100f }, new[] { 0f, 0f }, "SeveralFaces")]
    [InlineData(new[] { 0.7f }, new[] { 100f }, new[] { 0f }, "NoFace")]
    [InlineData(new float[0], new float[0], new float[0], "NoFace")]
    public void A_photo_needs_exactly_one_clear_large_enough_frontal_face(float[] scores, float[] sizes, float[] yaws, string outcome)
    {
        var faces = scores.Select((score, i) => Detection(score, sizes[i], yaws[i], x: 10 + (i * 200))).ToList();
        var enroller = new LocalFaceEnroller(new HandDetector(faces), models.Embedder, new LocalEnrolmentRules());

        LocalFaceResult result = enroller.Describe(new RgbPhoto(Enumerable.Repeat((byte)128, 400 * 400 * 3).ToArray(), 400, 400, 1200));

        output.WriteLine($"{result.Outcome}: {result.Detail}");
        Assert.Equal(outcome, result.Outcome.ToString());
        Assert.Equal(outcome == "Added", result.Descriptor is not null);
    }

    // A face of the given size whose nose sits where a head turned by the given yaw puts it between the ears.
    private static FaceDetection Detection(float score, float size, float yawDegrees, float x)
    {
        float y = 100, half = size / 2, cx = x + half;
        float nose = cx + (half * MathF.Sin(yawDegrees * MathF.PI / 180));
        PointF[] keypoints =
        [
            new(cx - (size * 0.2f), y + (size * 0.35f)), new(cx + (size * 0.2f), y + (size * 0.35f)), new(nose, y + (size * 0.55f)),
            new(cx, y + (size * 0.75f)), new(x, y + (size * 0.4f)), new(x + size, y + (size * 0.4f)),
        ];
        return new FaceDetection(new BoxF(x, y, size, size), score, keypoints);
    }

    private sealed class HandDetector(IReadOnlyList<FaceDetection> faces) : IFaceDetector
    {
        public int InputWidth => 256;

        public int InputHeight => 256;

        public IReadOnlyList<FaceDetection> Detect(RgbImage image, float minScore) => [.. faces.Where(f => f.Score >= minScore)];

        public void Dispose()
        {
        }
    }

    // The descriptor of the aligned chip alone (no jitter), printed beside the enrolment descriptor for comparison.
    private float[] SingleChip(RgbPhoto photo)
    {
        var image = new RgbImage(photo.Pixels, photo.Width, photo.Height, photo.Stride);
        FaceDetection face = Assert.Single(models.Detector.Detect(image, BlazeFaceDetector.DefaultMinScore));
        var chip = new byte[FaceEmbedder.ChipBytes];
        FaceAlignment.AlignBlazeFace(image, face, chip);
        return models.Embedder.Embed(chip);
    }

    private static RgbPhoto Decode(string path) => new GstreamerEnrolmentPhotoDecoder().Decode(File.ReadAllBytes(path));

    // The face area with half its size again on every side (clipped to the photo): one face, no neighbour's.
    private static RgbPhoto Crop(RgbPhoto photo, int x, int y, int w, int h)
    {
        int left = Math.Max(0, x - (w / 2)), top = Math.Max(0, y - (h / 2));
        int right = Math.Min(photo.Width, x + w + (w / 2)), bottom = Math.Min(photo.Height, y + h + (h / 2));
        int width = right - left, height = bottom - top;
        var pixels = new byte[width * height * 3];
        for (int r = 0; r < height; r++)
        {
            photo.Pixels.AsSpan(((top + r) * photo.Stride) + (left * 3), width * 3).CopyTo(pixels.AsSpan(r * width * 3));
        }

        return new RgbPhoto(pixels, width, height, width * 3);
    }

    private static void AssertRow(string text, string file, string person, string result, string? detail = null)
    {
        string? row = text.Split('\n').FirstOrDefault(l => l.Contains(Path.DirectorySeparatorChar + file + " ", StringComparison.Ordinal));
        Assert.True(row is not null, $"no row for {file} in:\n{text}");
        var cells = row.Split(['│', '|']).Select(c => c.Trim()).ToArray();
        Assert.Equal(person, cells[2]);
        Assert.Equal(result, cells[3]);
        if (detail is not null)
        {
            Assert.Contains(detail, cells[4], StringComparison.Ordinal);
        }
    }
}

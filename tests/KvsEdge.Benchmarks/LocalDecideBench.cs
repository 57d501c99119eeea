using System.Diagnostics;
using KvsEdge.Access;
using KvsEdge.Offline;
using KvsEdge.Recognition;
using KvsEdge.TestSupport;
using KvsEdge.Triggers;
using KvsEdge.Vision;
using KvsEdge.Vision.BlazeFace;
using KvsEdge.Vision.Detection;
using KvsEdge.Vision.Embedding;

namespace KvsEdge.Benchmarks;

/// <summary>
/// Trigger → local decision (issue 16), in process: from a detected face in a 1280×720 I420 camera frame (a real photo,
/// python-matplotlib-data's grace_hopper.jpg) to the access policy's decision, through the appliance's own code: the
/// face detected again on the full-resolution region and aligned (<see cref="FaceChips"/>), embedded, looked up in a
/// gallery of 1000 people × 5 descriptors (the photo's person among them), and decided by <see cref="AccessPolicy"/>.
/// Not included: the camera's frame interval and the detector's first look (the trigger's own cost, `vision` bench).
/// </summary>
internal static class LocalDecideBench
{
    private const int Warmup = 10;
    private const int W = 1280, H = 720;

    public static Task<int> RunAsync(EmbedBenchOptions options, CancellationToken cancellationToken)
    {
        if (!File.Exists(options.ModelPath))
        {
            throw new BenchException($"{options.ModelPath} is missing: run scripts/build-face-embedder.sh");
        }

        DecodedPhoto photo = VisionTestData.Decode(VisionTestData.GraceHopper);
        RawFrame frame = Compose(photo, out int left, out int top);
        using BlazeFaceDetector detector = BlazeFaceDetector.Load(VisionTestData.BlazeFaceModel);
        using FaceEmbedder embedder = FaceEmbedder.Load(options.ModelPath, options.Threads);
        FaceDetection seen = detector.Detect(new RgbImage(photo.Pixels, photo.Width, photo.Height, photo.Stride), 0.5f)
            .OrderByDescending(f => f.Box.Width * f.Box.Height).First();
        var box = new BoxF(seen.Box.X + left, seen.Box.Y + top, seen.Box.Width, seen.Box.Height);
        IReadOnlyList<FaceDetection> Detect(RgbImage image) => detector.Detect(image, 0.5f);

        FaceChip enrolChip = FaceChips.Make(frame, box, W, H, Detect) ?? throw new BenchException("no face found again in the composed frame");
        float[] grace = embedder.Embed(enrolChip.Rgb);
        var random = new Random(16);
        var people = Enumerable.Range(0, 999)
            .Select(p => ($"person-{p:D4}", (IReadOnlyList<float[]>)[.. Enumerable.Range(0, 5).Select(_ => Far(grace, random))]))
            .Append(("grace", (IReadOnlyList<float[]>)[grace, grace, grace, grace, grace]))
            .ToList();
        FaceGallery gallery = FaceGallery.Empty(embedder.SourceSha256!).WithPeople(people);
        var access = new AccessOptions { Cooldown = TimeSpan.Zero };
        access.People["grace"] = new PersonOptions();
        var policy = new AccessPolicy(access);
        var matcher = new LocalFaceMatcher(new LocalRecognitionOptions { MinAgreeingFrames = 1 }, 80, TimeProvider.System);

        var chips = new List<double>(options.Faces);
        var total = new List<double>(options.Faces);
        int granted = 0;
        for (int i = 0; i < Warmup + options.Faces; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            DateTimeOffset now = DateTimeOffset.UtcNow;
            long t0 = Stopwatch.GetTimestamp();
            FaceChip chip = FaceChips.Make(frame, box, W, H, Detect) ?? throw new BenchException("no chip");
            long t1 = Stopwatch.GetTimestamp();
            LocalMatch match = matcher.Observe($"t{i}", now, embedder.Embed(chip.Rgb), chip.FaceSize, gallery);
            Decision decision = policy.Decide(LocalRecognitionModes.ToObservation(match, 0, now, now, i), now);
            long t2 = Stopwatch.GetTimestamp();
            if (i >= Warmup)
            {
                chips.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
                total.Add(Stopwatch.GetElapsedTime(t0, t2).TotalMilliseconds);
                granted += decision.Kind == DecisionKind.Granted ? 1 : 0;
            }
        }

        var c = Stats.Of(chips)!;
        var t = Stats.Of(total)!;
        Console.WriteLine($"local: {options.Faces} triggers, {options.Threads} ORT thread(s), {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, face {box.Width:0} px, gallery 1000 people × 5");
        Console.WriteLine("| step | p50 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| chip: I420 region → RGB, detect again, 5-point align | {Stats.Ms(c.P50)} | {Stats.Ms(c.P99)} | {Stats.Ms(c.Max)} |");
        Console.WriteLine($"| trigger → local decision (chip + embed + lookup + policy) | {Stats.Ms(t.P50)} | {Stats.Ms(t.P99)} | {Stats.Ms(t.Max)} |");
        Console.WriteLine($"granted {granted} of {options.Faces}");
        return Task.FromResult(granted == options.Faces ? 0 : 1);
    }

    /// <summary>A random unit descriptor, so no one but the photo's person is near it.</summary>
    private static float[] Far(float[] _, Random random)
    {
        var d = new float[FaceEmbedder.DescriptorLength];
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = (float)(random.NextDouble() - 0.5);
        }

        float norm = MathF.Sqrt(d.Sum(v => v * v));
        return [.. d.Select(v => v / norm)];
    }

    /// <summary>The photo pasted at the centre of a grey 1280×720 I420 frame (GStreamer's layout), as the vision branch delivers it.</summary>
    private static RawFrame Compose(DecodedPhoto photo, out int left, out int top)
    {
        left = ((W - photo.Width) / 2) & ~1;
        top = ((H - photo.Height) / 2) & ~1;
        var rgb = new byte[W * H * 3];
        Array.Fill(rgb, (byte)128);
        for (int y = 0; y < photo.Height && top + y < H; y++)
        {
            Buffer.BlockCopy(photo.Pixels, y * photo.Stride, rgb, (((top + y) * W) + left) * 3, Math.Min(photo.Width, W - left) * 3);
        }

        var i420 = new byte[(W * H) + (2 * (W / 2) * (H / 2))];
        int u = W * H, v = u + ((W / 2) * (H / 2));
        for (int y = 0; y < H; y++)
        {
            for (int x = 0; x < W; x++)
            {
                int o = ((y * W) + x) * 3;
                int r = rgb[o], g = rgb[o + 1], b = rgb[o + 2];
                i420[(y * W) + x] = (byte)Math.Clamp((((66 * r) + (129 * g) + (25 * b) + 128) >> 8) + 16, 0, 255);
                if ((x & 1) == 0 && (y & 1) == 0)
                {
                    int c = ((y / 2) * (W / 2)) + (x / 2);
                    i420[u + c] = (byte)Math.Clamp((((-38 * r) - (74 * g) + (112 * b) + 128) >> 8) + 128, 0, 255);
                    i420[v + c] = (byte)Math.Clamp((((112 * r) - (94 * g) - (18 * b) + 128) >> 8) + 128, 0, 255);
                }
            }
        }

        return new RawFrame(i420, W, H, "I420", DateTimeOffset.UtcNow);
    }
}

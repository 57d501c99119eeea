using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using KvsEdge.Offline;
using KvsEdge.Vision.Detection;
using KvsEdge.Vision.Embedding;

namespace KvsEdge.Benchmarks;

internal sealed record EmbedBenchOptions(int Faces, int Threads, string ModelPath)
{
    public static string DefaultModelPath => Path.Combine(
        Environment.GetEnvironmentVariable("KVSEDGE_MODEL_CACHE") is { Length: > 0 } m ? m : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "kvsedge", "models"),
        "dlib-face-resnet-v1", "dlib_face_recognition_resnet_model_v1.onnx");

    public static bool TryParse(ReadOnlySpan<string> args, [NotNullWhen(true)] out EmbedBenchOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        int faces = 300, threads = 1;
        string model = DefaultModelPath;
        if (!BenchArguments.TryParse(args, (name, value) => name switch
            {
                "--faces" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out faces) && faces >= 20,
                "--threads" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out threads) && threads is >= 1 and <= 16,
                "--model" => File.Exists(model = Path.GetFullPath(value)),
                _ => false,
            }, out error))
        {
            return false;
        }

        options = new EmbedBenchOptions(faces, threads, model);
        return true;
    }
}

/// <summary>
/// The local embedder's cost per face (issue 16): five-point alignment of a face in a 1280×720 frame into a 150×150 chip,
/// and the ONNX embedding of one chip, each timed per face after a warm-up. Target: embedding + gallery lookup ≤ 10 ms
/// per face on x64, with the gallery lookup over 1000 people × 5 photos.
/// </summary>
internal static class EmbedBench
{
    private const int Warmup = 20;
    private const int GalleryPeople = 1000, GalleryPhotos = 5;

    /// <summary>
    /// <see cref="FaceGallery.FindNearest"/> over 1000 people × 5 random unit descriptors (the cost depends on the count,
    /// not on the values), each query near one enrolled descriptor.
    /// </summary>
    private static List<double> GalleryLookupMs(int queries, CancellationToken cancellationToken)
    {
        var random = new Random(16);
        float[] Unit()
        {
            var d = new float[FaceEmbedder.DescriptorLength];
            for (int i = 0; i < d.Length; i++)
            {
                d[i] = (float)(random.NextDouble() - 0.5);
            }

            float norm = MathF.Sqrt(d.Sum(v => v * v));
            return [.. d.Select(v => v / norm)];
        }

        var gallery = FaceGallery.Empty(new string('0', 64)).WithPeople(
            [.. Enumerable.Range(0, GalleryPeople).Select(p => ($"person-{p:D4}", (IReadOnlyList<float[]>)[.. Enumerable.Range(0, GalleryPhotos).Select(_ => Unit())]))]);

        var times = new List<double>(queries);
        for (int i = 0; i < Warmup + queries; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            float[] query = gallery.DescriptorsOf($"person-{random.Next(GalleryPeople):D4}")[0];
            query[0] += 0.01f;
            long t0 = Stopwatch.GetTimestamp();
            _ = gallery.FindNearest(query, _ => FaceEmbedder.DlibSamePersonThreshold);
            if (i >= Warmup)
            {
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        }

        return times;
    }

    public static Task<int> RunAsync(EmbedBenchOptions options, CancellationToken cancellationToken)
    {
        if (!File.Exists(options.ModelPath))
        {
            throw new BenchException($"{options.ModelPath} is missing: run scripts/build-face-embedder.sh");
        }

        FaceEmbedder embedder;
        try
        {
            embedder = FaceEmbedder.Load(options.ModelPath, options.Threads);
        }
        catch (FaceEmbedderModelException e)
        {
            throw new BenchException(e.Message);
        }

        using (embedder)
        {
            // A frame with a textured "face" region; content does not change the cost of either step.
            const int W = 1280, H = 720;
            var frame = new byte[W * H * 3];
            new Random(16).NextBytes(frame);
            var chip = new byte[FaceEmbedder.ChipBytes];
            var align = new List<double>(options.Faces);
            var embed = new List<double>(options.Faces);
            for (int i = 0; i < Warmup + options.Faces; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // A 200 px face near the frame centre, its position and roll varying per face.
                double angle = ((i % 11) - 5) * 0.04, scale = 2.0 + ((i % 7) * 0.05);
                var truth = new SimilarityTransform(scale * Math.Cos(angle), scale * Math.Sin(angle), 480 + (i % 13), 200 + (i % 17));
                var landmarks = FaceAlignment.Dlib5Template
                    .Select(p => truth.Apply((0.25 + p.X) / 1.5 * FaceEmbedder.ChipSize, (0.25 + p.Y) / 1.5 * FaceEmbedder.ChipSize))
                    .Select(p => new PointF((float)p.X, (float)p.Y)).ToArray();

                long t0 = Stopwatch.GetTimestamp();
                FaceAlignment.AlignDlib5(new RgbImage(frame, W, H, W * 3), landmarks, chip);
                long t1 = Stopwatch.GetTimestamp();
                _ = embedder.Embed(chip);
                long t2 = Stopwatch.GetTimestamp();
                if (i >= Warmup)
                {
                    align.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
                    embed.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
                }
            }

            var a = Stats.Of(align)!;
            var e = Stats.Of(embed)!;
            Console.WriteLine($"embed: {options.Faces} faces, {options.Threads} ORT thread(s), {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, model {options.ModelPath}");
            Console.WriteLine("| step | p50 ms | p99 ms | max ms |");
            Console.WriteLine("|---|---|---|---|");
            Console.WriteLine($"| 5-point alignment, 200 px face → 150×150 chip | {Stats.Ms(a.P50)} | {Stats.Ms(a.P99)} | {Stats.Ms(a.Max)} |");
            Console.WriteLine($"| embedding (ResNet, 128-D) | {Stats.Ms(e.P50)} | {Stats.Ms(e.P99)} | {Stats.Ms(e.Max)} |");
            var l = Stats.Of(GalleryLookupMs(options.Faces, cancellationToken))!;
            Console.WriteLine($"| gallery lookup, {GalleryPeople} people × {GalleryPhotos} descriptors | {Stats.Ms(l.P50)} | {Stats.Ms(l.P99)} | {Stats.Ms(l.Max)} |");
            double total = e.P50 + l.P50;
            Console.WriteLine($"embedding + lookup p50 {Stats.Ms(total)} ms: {(total <= 10 ? "within" : "MISSED")} the 10 ms per face target");
        }

        return Task.FromResult(0);
    }
}

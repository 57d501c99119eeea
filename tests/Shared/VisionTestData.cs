using KvsEdge.Gstreamer;

namespace KvsEdge.TestSupport;

/// <summary>A photo decoded to RGB24 (rows <see cref="Stride"/> bytes apart, GStreamer pads them to 4 bytes).</summary>
public sealed record DecodedPhoto(string Path, byte[] Pixels, int Width, int Height, int Stride);

/// <summary>
/// The vision tests' photos and model, from caches that scripts/fetch-test-photos.sh and scripts/fetch-models.sh fill
/// (both run by scripts/install-prerequisites.sh). A missing file fails the test with the script to run: these tests
/// never skip, so CI cannot pass without them. Photos are decoded by GStreamer through our binding (no image library).
/// </summary>
public static class VisionTestData
{
    private static readonly Dictionary<string, DecodedPhoto> Decoded = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    public static string TestDataRoot =>
        Environment.GetEnvironmentVariable("KVSEDGE_TEST_DATA") is { Length: > 0 } root
            ? root
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "kvsedge", "test-data");

    /// <summary>A python3-skimage photo: astronaut.png, coffee.png, rocket.jpg, hubble_deep_field.jpg, chelsea.png.</summary>
    public static string Skimage(string name) => Existing(
        System.IO.Path.Combine(TestDataRoot, "usr/lib/python3/dist-packages/skimage/data", name), "scripts/fetch-test-photos.sh");

    /// <summary>python-matplotlib-data's grace_hopper.jpg.</summary>
    public static string GraceHopper => Existing(
        System.IO.Path.Combine(TestDataRoot, "usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"), "scripts/fetch-test-photos.sh");

    /// <summary>A kphotoalbum demo photo (or index.xml).</summary>
    public static string KPhotoAlbum(string name) => Existing(
        System.IO.Path.Combine(TestDataRoot, "usr/share/kphotoalbum/demo", name), "scripts/fetch-test-photos.sh");

    /// <summary>The BlazeFace model in its cache (KVSEDGE_MODEL_CACHE or ~/.cache/kvsedge/models).</summary>
    public static string BlazeFaceModel => Existing(KvsEdge.Vision.BlazeFace.BlazeFaceModel.CachePath(), "scripts/fetch-models.sh");

    /// <summary>Decodes <paramref name="path"/> to RGB24 with GStreamer (our binding, in-process), once per path.</summary>
    public static DecodedPhoto Decode(string path)
    {
        lock (Gate)
        {
            if (Decoded.TryGetValue(path, out DecodedPhoto? cached))
            {
                return cached;
            }
        }

        using var pipeline = Pipeline.Parse(
            $"filesrc location=\"{path}\" ! decodebin ! videoconvert ! video/x-raw,format=RGB ! appsink name=photo sync=false");
        using AppSink sink = pipeline.GetAppSink("photo");
        pipeline.SetState(PipelineState.Playing);
        try
        {
            using Sample sample = sink.TryPullSample(TimeSpan.FromSeconds(30))
                ?? throw new InvalidOperationException($"GStreamer decoded no frame from {path}");
            if (sample is not { Format: "RGB", Width: int width, Height: int height, Stride: int stride } || sample.Size < stride * height)
            {
                throw new InvalidOperationException(
                    $"{path} decoded to {sample.Format} {sample.Width}x{sample.Height}, stride {sample.Stride}, {sample.Size} bytes; expected RGB");
            }

            var photo = new DecodedPhoto(path, sample.ToArray(), width, height, stride);
            lock (Gate)
            {
                Decoded[path] = photo;
            }

            return photo;
        }
        finally
        {
            pipeline.SetState(PipelineState.Null);
        }
    }

    private static string Existing(string path, string script) =>
        File.Exists(path)
            ? path
            : throw new FileNotFoundException(
                $"{path} is missing: run `bash {script}` (or `bash scripts/install-prerequisites.sh`, which runs it). "
                + "The vision tests need it and do not skip.", path);
}

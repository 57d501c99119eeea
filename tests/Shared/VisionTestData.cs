using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace KvsEdge.TestSupport;

/// <summary>A photo decoded to RGB24 (rows <see cref="Stride"/> bytes apart, GStreamer pads them to 4 bytes).</summary>
public sealed record DecodedPhoto(string Path, byte[] Pixels, int Width, int Height, int Stride);

/// <summary>
/// The vision tests' photos and model, from caches that scripts/fetch-test-photos.sh and scripts/fetch-models.sh fill
/// (both run by scripts/install-prerequisites.sh). A missing file fails the test with the script to run: these tests
/// never skip, so CI cannot pass without them. Photos are decoded by gst-launch-1.0 (no image library).
/// </summary>
public static partial class VisionTestData
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

    /// <summary>Decodes <paramref name="path"/> to RGB24 with gst-launch-1.0, once per path.</summary>
    public static DecodedPhoto Decode(string path)
    {
        lock (Gate)
        {
            if (Decoded.TryGetValue(path, out DecodedPhoto? cached))
            {
                return cached;
            }
        }

        string raw = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"kvsedge-photo-{Environment.ProcessId}-{Guid.NewGuid():N}.rgb");
        try
        {
            var info = new ProcessStartInfo("gst-launch-1.0")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string arg in (string[])["-v", "filesrc", $"location={path}", "!", "decodebin", "!", "videoconvert", "!",
                "video/x-raw,format=RGB", "!", "filesink", $"location={raw}"])
            {
                info.ArgumentList.Add(arg);
            }

            using Process gst = Process.Start(info) ?? throw new InvalidOperationException("gst-launch-1.0 did not start");
            Task<string> stderr = gst.StandardError.ReadToEndAsync();
            string stdout = gst.StandardOutput.ReadToEnd();
            gst.WaitForExit();
            if (gst.ExitCode != 0)
            {
                throw new InvalidOperationException($"gst-launch-1.0 could not decode {path} (exit {gst.ExitCode}): {stdout}{stderr.Result}");
            }

            // The filesink's negotiated caps say the size; the file's length gives the row stride.
            Match caps = RgbCaps().Matches(stdout).LastOrDefault()
                ?? throw new InvalidOperationException($"gst-launch-1.0 printed no RGB caps for {path}: {stdout}");
            int width = int.Parse(Dimension(caps.Value, "width"), CultureInfo.InvariantCulture);
            int height = int.Parse(Dimension(caps.Value, "height"), CultureInfo.InvariantCulture);
            byte[] pixels = File.ReadAllBytes(raw);
            if (pixels.Length % height != 0 || pixels.Length / height < width * 3)
            {
                throw new InvalidOperationException($"{path} decoded to {pixels.Length} bytes, not {height} rows of at least {width * 3}");
            }

            var photo = new DecodedPhoto(path, pixels, width, height, pixels.Length / height);
            lock (Gate)
            {
                Decoded[path] = photo;
            }

            return photo;
        }
        finally
        {
            File.Delete(raw);
        }
    }

    private static string Existing(string path, string script) =>
        File.Exists(path)
            ? path
            : throw new FileNotFoundException(
                $"{path} is missing: run `bash {script}` (or `bash scripts/install-prerequisites.sh`, which runs it). "
                + "The vision tests need it and do not skip.", path);

    private static string Dimension(string caps, string name) =>
        Field().Matches(caps).FirstOrDefault(m => m.Groups[1].Value == name)?.Groups[2].Value
            ?? throw new InvalidOperationException($"no {name} in {caps}");

    [GeneratedRegex(@"GstFileSink:filesink\d+\.GstPad:sink: caps = video/x-raw,[^\n]*format=\(string\)RGB[^\n]*")]
    private static partial Regex RgbCaps();

    [GeneratedRegex(@"\b(width|height)=\(int\)(\d+)")]
    private static partial Regex Field();
}

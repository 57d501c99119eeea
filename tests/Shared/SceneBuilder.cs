using System.Diagnostics;
using System.Globalization;

namespace KvsEdge.TestSupport;

/// <summary>Where a photo goes in a scene frame, in frame pixels; the photo is scaled to fill it (keep its aspect ratio yourself).</summary>
public readonly record struct ScenePlacement(int X, int Y, int Width, int Height);

/// <summary>One stretch of a scene: the background alone, or with a photo composited over it.</summary>
public sealed record SceneSegment(TimeSpan Duration, string? Photo = null, ScenePlacement? Placement = null);

/// <summary>
/// Builds a video file from segments of photos over a background with GStreamer, e.g. 10 s background, 5 s a face photo
/// over it, 10 s background: a reproducible "camera" for the `file` source in end-to-end tests. The output is MJPEG in
/// AVI: every frame decodes on its own with jpegdec (gst-plugins-good), quickly, without an H.264 decoder; a 25 s
/// scene builds in well under a second.
/// </summary>
/// <remarks>
/// Frame <c>n</c> of the file is at <c>n / Framerate</c> seconds, so a test knows which frames show the photo:
/// segment <c>k</c> starts at the sum of the earlier durations.
/// </remarks>
public sealed class SceneBuilder
{
    private readonly List<SceneSegment> _segments = [];

    public SceneBuilder(int width, int height, int framerate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(framerate, 1);
        (Width, Height, Framerate) = (width, height, framerate);
    }

    public int Width { get; }

    public int Height { get; }

    public int Framerate { get; }

    /// <summary>An image scaled to the frame; null: a plain grey wall.</summary>
    public string? Background { get; init; }

    public IReadOnlyList<SceneSegment> Segments => _segments;

    /// <summary>The whole scene's length.</summary>
    public TimeSpan Duration => _segments.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Duration);

    /// <summary>The background alone for <paramref name="duration"/>.</summary>
    public SceneBuilder Empty(TimeSpan duration) => Add(new SceneSegment(duration));

    /// <summary><paramref name="photo"/> over the background at <paramref name="placement"/> (null: the middle half of the frame).</summary>
    public SceneBuilder Photo(TimeSpan duration, string photo, ScenePlacement? placement = null) =>
        Add(new SceneSegment(duration, photo, placement));

    public SceneBuilder Add(SceneSegment segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        if (Frames(segment.Duration) < 1)
        {
            throw new ArgumentException($"A segment must last at least one frame (1/{Framerate} s).", nameof(segment));
        }

        if (segment.Photo is { } photo && !File.Exists(photo))
        {
            throw new FileNotFoundException($"Scene photo '{photo}' does not exist.", photo);
        }

        _segments.Add(segment);
        return this;
    }

    /// <summary>When segment <paramref name="index"/> starts in the file.</summary>
    public TimeSpan StartOf(int index) => _segments.Take(index).Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Duration);

    /// <summary>gst-launch-1.0 arguments that render segment <paramref name="index"/>'s picture as one JPEG to <paramref name="output"/>.</summary>
    public IReadOnlyList<string> DescribeSegment(int index, string output)
    {
        SceneSegment segment = _segments[index];
        string caps = Invariant($"video/x-raw,format=I420,width={Width},height={Height},framerate={Framerate}/1,pixel-aspect-ratio=1/1");
        List<string> a = [];
        if (segment.Photo is not { } photo)
        {
            a.AddRange(BackgroundChain());
            a.AddRange(["!", caps, "!", "jpegenc", "quality=90", "!", "filesink", "location=" + output]);
            return a;
        }

        ScenePlacement p = segment.Placement ?? new ScenePlacement(Width / 4, Height / 4, Width / 2, Height / 2);
        a.AddRange(
        [
            "compositor", "name=m", "background=black",
            Invariant($"sink_1::xpos={p.X}"), Invariant($"sink_1::ypos={p.Y}"), Invariant($"sink_1::width={p.Width}"), Invariant($"sink_1::height={p.Height}"),
            "!", "videoconvert", "!", caps, "!", "jpegenc", "quality=90", "!", "filesink", "location=" + output,
        ]);
        a.AddRange(BackgroundChain());
        a.AddRange(["!", caps, "!", "m.sink_0"]);
        a.AddRange(["filesrc", "location=" + photo, "!", "decodebin", "!", "videoconvert", "!", "imagefreeze", "num-buffers=1", "!", Invariant($"video/x-raw,framerate={Framerate}/1"), "!", "m.sink_1"]);
        return a;
    }

    /// <summary>
    /// Writes the scene to <paramref name="output"/>: one JPEG per segment, then every frame of the file as a link to
    /// its segment's JPEG, muxed without re-encoding (a concat of compositors deadlocks in GStreamer 1.22's preroll).
    /// </summary>
    public async Task<string> BuildAsync(string output, CancellationToken cancellationToken = default)
    {
        if (_segments.Count == 0)
        {
            throw new InvalidOperationException("A scene needs at least one segment.");
        }

        string work = Directory.CreateTempSubdirectory("kvsedge-scene-").FullName;
        try
        {
            int frame = 0;
            for (int i = 0; i < _segments.Count; i++)
            {
                string picture = Path.Combine(work, Invariant($"segment-{i}.jpg"));
                await GstLaunchAsync(DescribeSegment(i, picture), picture, cancellationToken).ConfigureAwait(false);
                for (int n = Frames(_segments[i].Duration); n > 0; n--, frame++)
                {
                    File.CreateSymbolicLink(Path.Combine(work, Invariant($"frame-{frame:D6}.jpg")), picture);
                }
            }

            await GstLaunchAsync(
                [
                    "multifilesrc", "location=" + Path.Combine(work, "frame-%06d.jpg"), "index=0", Invariant($"caps=image/jpeg,framerate={Framerate}/1"),
                    "!", "jpegparse", "!", "avimux", "!", "filesink", "location=" + output,
                ],
                output,
                cancellationToken).ConfigureAwait(false);
            return output;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Runs gst-launch-1.0; each argument is one token (gst-launch escapes spaces inside one, so paths need no quoting).</summary>
    private static async Task GstLaunchAsync(IReadOnlyList<string> arguments, string output, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("gst-launch-1.0") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-q");
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException("gst-launch-1.0 did not start.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        string log = await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0 || !File.Exists(output) || new FileInfo(output).Length == 0)
        {
            throw new InvalidOperationException($"gst-launch-1.0 {string.Join(' ', arguments)} failed (exit {process.ExitCode}):\n{log}");
        }
    }

    private int Frames(TimeSpan duration) => (int)Math.Round(duration.TotalSeconds * Framerate);

    private string[] BackgroundChain() => Background is { } background
        ? ["filesrc", "location=" + background, "!", "decodebin", "!", "videoconvert", "!", "videoscale", "!", "imagefreeze", "num-buffers=1"]
        : ["videotestsrc", "num-buffers=1", "pattern=solid-color", "foreground-color=0xFF808080"];

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

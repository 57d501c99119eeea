using System.Diagnostics;
using KvsEdge.Camera;

namespace KvsEdge.Tests.Camera;

/// <summary>Runs generated descriptions through the real gst-launch-1.0 parser and elements available here.</summary>
[Trait("Category", "Integration")]
public sealed class GstLaunchPipelineTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kvsedge camera " + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("x264enc", "mp4", true)]
    [InlineData("x264enc", "mkv", false)]
    [InlineData("openh264enc", "mp4", true)]
    public void Test_source_into_record_produces_segments(string encoder, string format, bool tap)
    {
        CameraOptions options = new()
        {
            Source = CameraOptions.TestSource,
            Width = 320,
            Height = 240,
            Encoder = encoder,
            Sinks = [CameraOptions.RecordSink],
            Record = new RecordOptions { Directory = _directory, Format = format, SegmentDuration = TimeSpan.FromSeconds(1), MaxSegments = 5 },
            FrameTap = new FrameTapOptions { Enabled = tap, Width = 160, Height = 120 },
        };
        Directory.CreateDirectory(_directory);
        PipelineDescription p = PipelineBuilder.Build(options, Exists, new PipelineBuildRequest { TestNumBuffers = 45, RecordStartIndex = 7 });

        Assert.Equal(0, Launch(p.Description));
        IReadOnlyList<RecordingSegment> segments = new RecordingRing(_directory, 10, long.MaxValue).ListSegments();
        // 45 frames at 30 fps with a 30-frame GOP and 1 s segments: two segments, numbered from the start index.
        Assert.Equal([7, 8], segments.Select(s => s.Index));
        Assert.EndsWith("." + format, segments[0].Path, StringComparison.Ordinal);
    }

    [Fact]
    public void None_sink_with_tap_runs()
    {
        CameraOptions options = new()
        {
            Source = CameraOptions.TestSource,
            Width = 320,
            Height = 240,
            Encoder = CameraOptions.AutoEncoder,
            Sinks = [CameraOptions.NoSink],
        };
        PipelineDescription p = PipelineBuilder.Build(options, Exists, new PipelineBuildRequest { TestNumBuffers = 15 });
        Assert.Equal(0, Launch(p.Description));
    }

    [Fact]
    public void Kvs_and_record_without_kvssink_still_runs_the_record_branch()
    {
        CameraOptions options = new()
        {
            Source = CameraOptions.TestSource,
            Width = 320,
            Height = 240,
            Sinks = [CameraOptions.KvsSink, CameraOptions.RecordSink],
            Kvs = new KvsSinkOptions { StreamName = "front-door" },
            Record = new RecordOptions { Directory = _directory, SegmentDuration = TimeSpan.FromSeconds(1) },
        };
        Directory.CreateDirectory(_directory);
        PipelineDescription p = PipelineBuilder.Build(options, e => e != "kvssink" && Exists(e), new PipelineBuildRequest { TestNumBuffers = 30 });
        Assert.Single(p.UnavailableSinks);
        Assert.Equal(0, Launch(p.Description));
        Assert.NotEmpty(Directory.GetFiles(_directory, "segment-*.mp4"));
    }

    private static readonly Dictionary<string, bool> Known = [];

    private static bool Exists(string element)
    {
        lock (Known)
        {
            if (!Known.TryGetValue(element, out bool exists))
            {
                using var process = Process.Start(new ProcessStartInfo("gst-inspect-1.0", ["--exists", element]) { UseShellExecute = false })!;
                process.WaitForExit();
                exists = process.ExitCode == 0;
                Known[element] = exists;
            }

            return exists;
        }
    }

    internal static List<string> ShellWords(string text)
    {
        List<string> words = [];
        var word = new System.Text.StringBuilder();
        bool quoted = false;
        bool any = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted && c == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\')
            {
                word.Append(text[++i]);
            }
            else if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (c == ' ' && !quoted)
            {
                if (word.Length > 0 || any)
                {
                    words.Add(word.ToString());
                }

                word.Clear();
                any = false;
            }
            else
            {
                word.Append(c);
            }
        }

        if (word.Length > 0 || any)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static int Launch(string description)
    {
        // gst-launch escapes each argument as one token (gst_parse_launchv), so split the description the way a
        // shell would; the supervisor hands the whole string to gst_parse_launch instead.
        var start = new ProcessStartInfo("gst-launch-1.0", ["-q", .. ShellWords(description)]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(15)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("gst-launch-1.0 did not finish within 15 s: " + description);
        }

        Assert.True(process.ExitCode == 0, $"gst-launch-1.0 exit {process.ExitCode}: {output.Result} {error.Result}\n{description}");
        return process.ExitCode;
    }
}

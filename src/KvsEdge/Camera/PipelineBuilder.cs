using System.Globalization;
using System.Text;

namespace KvsEdge.Camera;

/// <summary>The configuration cannot produce a pipeline on this machine (e.g. a configured element is not installed).</summary>
public sealed class CameraConfigurationException : Exception
{
    public CameraConfigurationException()
    {
    }

    public CameraConfigurationException(string message)
        : base(message)
    {
    }

    public CameraConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A requested sink left out of the pipeline because an element it needs is not installed.</summary>
public sealed record UnavailableSink(string Sink, string Element, string Message);

/// <summary>What the supervisor asks of one build besides the options.</summary>
public sealed record PipelineBuildRequest
{
    /// <summary>Sinks to leave out even though they are configured (e.g. `kvs` after kvssink keeps failing).</summary>
    public IReadOnlyCollection<string> ExcludedSinks { get; init; } = [];

    /// <summary>splitmuxsink start-index: <see cref="RecordingRing.NextStartIndex"/>, so a restart does not overwrite segments.</summary>
    public int RecordStartIndex { get; init; }

    /// <summary>Region used when `Camera:Kvs:Region` is not set (the caller passes AWS_DEFAULT_REGION); null leaves it to kvssink.</summary>
    public string? DefaultRegion { get; init; }

    /// <summary>Adds the GRAY8 motion tap (`Triggers:Motion`) when set.</summary>
    public MotionTapRequest? MotionTap { get; init; }

    /// <summary>
    /// The frame branches off the raw video, in this order (the supervisor passes its registrations). Null: the JPEG
    /// tap when `Camera:FrameTap:Enabled`, as a build from options alone always had.
    /// </summary>
    public IReadOnlyList<FrameBranch>? Branches { get; init; }

    /// <summary>Tests only: ends the videotestsrc source after this many buffers so gst-launch exits.</summary>
    internal int? TestNumBuffers { get; init; }
}

/// <summary>A gst-launch style pipeline description plus what the supervisor needs to know about it.</summary>
public sealed record PipelineDescription(
    string Description,
    string Encoder,
    IReadOnlyList<string> Sinks,
    IReadOnlyList<UnavailableSink> UnavailableSinks,
    bool HasFrameTap,
    string? RecordDirectory)
{
    /// <summary>True when the GRAY8 motion appsink (<see cref="MotionTapName"/>) is in the pipeline.</summary>
    public bool HasMotionTap { get; init; }

    /// <summary>
    /// True for a `file` source playing a video: the supervisor loops it with segment seeks (a still image is
    /// frozen into a live stream instead and needs nothing).
    /// </summary>
    public bool LoopsSource { get; init; }

    /// <summary>Every frame branch in the pipeline, each ending in an appsink named <see cref="FrameBranch.Name"/>.</summary>
    public IReadOnlyList<FrameBranch> Branches { get; init; } = [];

    /// <summary>The appsink that receives small GRAY8 frames for motion detection.</summary>
    public const string MotionTapName = "motion";

    /// <summary>The source element.</summary>
    public const string SourceName = "src";

    /// <summary>The H.264 encoder.</summary>
    public const string EncoderName = "enc";

    /// <summary>An identity after the encoder whose src pad the supervisor probes to count frames and bytes.</summary>
    public const string CounterName = "counter";

    /// <summary>The appsink that receives JPEG frames.</summary>
    public const string TapName = "tap";

    /// <summary>The splitmuxsink of the `record` branch.</summary>
    public const string RecorderName = "rec";

    /// <summary>The kvssink of the `kvs` branch (its stream-error signal tells about cloud trouble).</summary>
    public const string KvsName = "kvs";

    public override string ToString() => Description;
}

/// <summary>Builds the camera pipeline description from validated options; pure (no GStreamer calls).</summary>
public static class PipelineBuilder
{
    public const string KvssinkMissingMessage =
        "kvssink (the GStreamer plugin of the Kinesis Video Streams producer SDK) is not installed: build " +
        "amazon-kinesis-video-streams-producer-sdk-cpp with -DBUILD_GSTREAMER_PLUGIN=ON and set GST_PLUGIN_PATH to its build directory";

    /// <summary>Encoders tried by `auto`, best first: the Pi's hardware encoder, then software.</summary>
    public static readonly IReadOnlyList<string> AutoEncoderOrder = [CameraOptions.V4l2Encoder, CameraOptions.X264Encoder, CameraOptions.OpenH264Encoder];

    /// <summary>`Camera:File` extensions played as a still image (frozen); anything else is decoded as a video and looped.</summary>
    public static readonly IReadOnlyList<string> StillImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".pnm", ".ppm", ".pgm"];

    /// <summary>Segment files are named <c>segment-00042.mp4</c>; <see cref="RecordingRing"/> relies on it.</summary>
    public const string SegmentPattern = "segment-%05d";

    // Enough to ride out a short hiccup in one branch; beyond that the branch drops instead of stalling the others.
    private const long BranchQueueNanoseconds = 4_000_000_000;

    /// <summary>Builds the pipeline for <paramref name="options"/>; sinks whose elements are missing are left out and reported.</summary>
    /// <param name="hasElement">Whether a GStreamer element factory exists (the real one is Gst.HasElement).</param>
    /// <exception cref="CameraConfigurationException">The source, the configured encoder or a core element is missing, or the camera is disabled.</exception>
    public static PipelineDescription Build(CameraOptions options, Func<string, bool> hasElement, PipelineBuildRequest? request = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hasElement);
        request ??= new PipelineBuildRequest();
        if (!options.Enabled)
        {
            throw new CameraConfigurationException($"{CameraOptions.SectionName}:Enabled is false: no camera pipeline to build.");
        }

        string source = options.Source.ToLowerInvariant();
        string sourceElement = source switch
        {
            CameraOptions.V4l2Source => "v4l2src",
            CameraOptions.LibcameraSource => "libcamerasrc",
            CameraOptions.TestSource => "videotestsrc",
            CameraOptions.FileSource => "filesrc",
            _ => throw new CameraConfigurationException($"{CameraOptions.SectionName}:Source '{options.Source}' is not supported."),
        };
        Require(hasElement, sourceElement, $"{CameraOptions.SectionName}:Source '{options.Source}'");
        bool loops = false;
        if (source == CameraOptions.FileSource)
        {
            loops = !IsStillImage(options.File);
            foreach (string element in FileSourceElements(loops))
            {
                Require(hasElement, element, $"{CameraOptions.SectionName}:Source 'file'");
            }
        }

        foreach (string core in (string[])["videoconvert", "h264parse", "tee", "queue", "identity"])
        {
            Require(hasElement, core, "the camera pipeline");
        }

        string encoder = ChooseEncoder(options.Encoder, hasElement);
        List<string> sinks = [];
        List<UnavailableSink> unavailable = [];
        string recordFormat = (options.Record?.Format ?? RecordOptions.Mp4Format).ToLowerInvariant();
        string muxer = recordFormat == RecordOptions.MkvFormat ? "matroskamux" : "mp4mux";
        foreach (string requested in options.EffectiveSinks.Select(x => x.ToLowerInvariant()))
        {
            if (request.ExcludedSinks.Contains(requested, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            switch (requested)
            {
                case CameraOptions.KvsSink when !hasElement("kvssink"):
                    unavailable.Add(new UnavailableSink(requested, "kvssink", KvssinkMissingMessage));
                    break;
                case CameraOptions.RecordSink when !hasElement("splitmuxsink") || !hasElement(muxer):
                    string missing = hasElement("splitmuxsink") ? muxer : "splitmuxsink";
                    unavailable.Add(new UnavailableSink(requested, missing, $"{missing} is not installed (gst-plugins-good): the 'record' sink cannot run"));
                    break;
                default:
                    sinks.Add(requested);
                    break;
            }
        }

        FrameBranch[] branches = EffectiveBranches(options, request);
        foreach (FrameBranch branch in branches)
        {
            foreach (string element in branch.Elements)
            {
                Require(hasElement, element, branch.RequiredBy);
            }
        }

        var d = new StringBuilder();
        d.Append(SourceElement(options, source, request)).Append(" ! ")
            .Append(Invariant($"video/x-raw,width={options.Width},height={options.Height},framerate={options.Framerate}/1"));
        if (branches.Length > 0)
        {
            // Tee the raw video so branch frames (JPEG, motion, ...) do not depend on decoding H.264.
            d.Append(" ! tee name=raw ! queue");
        }

        // The software encoders take I420 (openh264enc only I420); v4l2h264enc on the Pi takes it as well.
        d.Append(" ! videoconvert ! video/x-raw,format=I420 ! ").Append(EncoderElement(encoder, options))
            .Append(" ! identity name=").Append(PipelineDescription.CounterName).Append(" silent=true")
            // config-interval=-1 repeats SPS/PPS with every IDR so each KVS fragment and each segment is decodable on its own.
            .Append(" ! h264parse config-interval=-1 ! video/x-h264,stream-format=avc,alignment=au ! tee name=t");

        if (sinks.Count == 0 || sinks.Contains(CameraOptions.NoSink))
        {
            // Nothing left to feed (only `none`, or every sink unavailable): keep the encoder running for the tap and the frame counter.
            d.Append(" t. ! queue ! fakesink sync=false async=false");
        }

        string? recordDirectory = null;
        foreach (string sink in sinks)
        {
            switch (sink)
            {
                case CameraOptions.KvsSink:
                    d.Append(" t. ! ").Append(LeakyQueue()).Append(" ! ").Append(KvsElement(options.Kvs ?? new(), request.DefaultRegion));
                    break;
                case CameraOptions.RecordSink:
                    RecordOptions record = options.Record ?? new();
                    recordDirectory = record.Directory!;
                    d.Append(" t. ! ").Append(LeakyQueue()).Append(" ! ").Append(RecordElement(record, muxer, recordFormat, request.RecordStartIndex));
                    break;
                default:
                    break;
            }
        }

        foreach (FrameBranch branch in branches)
        {
            d.Append(branch.Describe());
        }

        bool Has(string name) => branches.Any(b => b.Name == name);
        return new PipelineDescription(d.ToString(), encoder, sinks.Where(x => x != CameraOptions.NoSink).ToArray(), unavailable, Has(PipelineDescription.TapName), recordDirectory)
        {
            HasMotionTap = Has(PipelineDescription.MotionTapName),
            Branches = branches,
            LoopsSource = loops,
        };
    }

    /// <summary>The requested branches (or the configured JPEG tap), then the motion tap of <see cref="PipelineBuildRequest.MotionTap"/>.</summary>
    private static FrameBranch[] EffectiveBranches(CameraOptions options, PipelineBuildRequest request)
    {
        List<FrameBranch> branches = request.Branches is { } requested
            ? [.. requested]
            : options.FrameTap is { Enabled: true } tap ? [FrameBranch.Jpeg(tap)] : [];
        if (request.MotionTap is { } motion && !branches.Exists(b => b.Name == PipelineDescription.MotionTapName))
        {
            branches.Add(FrameBranch.Motion(motion));
        }

        var names = new HashSet<string>(ReservedNames, StringComparer.Ordinal);
        foreach (FrameBranch branch in branches)
        {
            // The name becomes an element name in a gst-launch description: a plain identifier, used once.
            if (string.IsNullOrEmpty(branch.Name) || !branch.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') || !names.Add(branch.Name))
            {
                throw new CameraConfigurationException($"Frame branch name '{branch.Name}' ({branch.RequiredBy}) is not a unique element name.");
            }

            if (branch.Width < 1 || branch.Height < 1 || branch.Rate < 1
                || (branch.Format is { } format && !format.All(char.IsAsciiLetterOrDigit)))
            {
                throw new CameraConfigurationException($"Frame branch '{branch.Name}' ({branch.RequiredBy}) has an unusable size, rate or format.");
            }
        }

        return [.. branches];
    }

    private static readonly string[] ReservedNames =
        [PipelineDescription.SourceName, PipelineDescription.EncoderName, PipelineDescription.CounterName, PipelineDescription.RecorderName, PipelineDescription.KvsName, "raw", "t"];

    private static string ChooseEncoder(string configured, Func<string, bool> hasElement)
    {
        if (string.Equals(configured, CameraOptions.AutoEncoder, StringComparison.OrdinalIgnoreCase))
        {
            return AutoEncoderOrder.FirstOrDefault(hasElement)
                ?? throw new CameraConfigurationException(
                    $"{CameraOptions.SectionName}:Encoder is 'auto' but none of {string.Join(", ", AutoEncoderOrder)} is installed (gst-plugins-ugly has x264enc, gst-plugins-bad openh264enc).");
        }

        string encoder = configured.ToLowerInvariant();
        if (!AutoEncoderOrder.Contains(encoder))
        {
            throw new CameraConfigurationException($"{CameraOptions.SectionName}:Encoder '{configured}' is not supported; use auto, {string.Join(", ", AutoEncoderOrder)}.");
        }

        return hasElement(encoder)
            ? encoder
            : throw new CameraConfigurationException($"{CameraOptions.SectionName}:Encoder '{encoder}' is not installed; install it or set {CameraOptions.SectionName}:Encoder to 'auto'.");
    }

    private static void Require(Func<string, bool> hasElement, string element, string neededBy)
    {
        if (!hasElement(element))
        {
            throw new CameraConfigurationException($"GStreamer element '{element}' needed by {neededBy} is not installed.");
        }
    }

    private static string SourceElement(CameraOptions options, string source, PipelineBuildRequest request)
    {
        const string name = "name=" + PipelineDescription.SourceName;
        return source switch
        {
            CameraOptions.V4l2Source => $"v4l2src {name} device={Quote(options.Device)}",
            CameraOptions.LibcameraSource => $"libcamerasrc {name}",
            CameraOptions.FileSource => FileSourceElement(options, name),
            _ => $"videotestsrc {name} is-live=true pattern={Quote(options.TestPattern)}"
                + (request.TestNumBuffers is int n ? Invariant($" num-buffers={n}") : string.Empty),
        };
    }

    /// <summary>Whether `Camera:File` is played as a still image.</summary>
    public static bool IsStillImage(string? file) =>
        file is not null && StillImageExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase);

    private static string[] FileSourceElements(bool video) =>
        video ? ["decodebin", "videoscale", "videorate", "clocksync"] : ["decodebin", "videoscale", "imagefreeze"];

    private static string FileSourceElement(CameraOptions options, string name)
    {
        string decode = $"filesrc {name} location={Quote(options.File ?? string.Empty)} ! decodebin";

        // A still: imagefreeze is-live repeats the decoded picture at the rate the caps ask for, timestamped on the
        // clock like a camera. A video: clocksync paces the decoded frames to the clock (every sink runs sync=false),
        // videorate fits them to the configured rate; the supervisor loops it (LoopsSource) with segment seeks, and
        // identity single-segment restamps each loop's buffers in running time, so timestamps only grow. videoscale keeps the
        // aspect ratio (borders), so faces are not distorted.
        return IsStillImage(options.File)
            ? decode + " ! imagefreeze is-live=true ! videoconvert ! videoscale"
            : decode + " ! videoconvert ! videoscale ! videorate ! clocksync sync=true ! identity single-segment=true";
    }

    private static string EncoderElement(string encoder, CameraOptions options)
    {
        int gop = options.EffectiveKeyframeInterval;
        int kbps = options.Bitrate;
        const string name = "name=" + PipelineDescription.EncoderName;

        // Every encoder: no B-frames (KVS/Rekognition want decode order = display order) and an I-frame every `gop`
        // frames, which must be at most one fragment so every fragment can start on an I-frame.
        return encoder switch
        {
            CameraOptions.V4l2Encoder => Invariant(
                $"v4l2h264enc {name} extra-controls=\"controls,video_bitrate={kbps * 1000},h264_i_frame_period={gop},repeat_sequence_header=1\" ! video/x-h264,level=(string)4"),
            CameraOptions.X264Encoder => Invariant(
                $"x264enc {name} bitrate={kbps} speed-preset=ultrafast tune=zerolatency bframes=0 key-int-max={gop}"),
            _ => Invariant(
                $"openh264enc {name} bitrate={kbps * 1000} rate-control=bitrate gop-size={gop} complexity=low usage-type=camera"),
        };
    }

    private static string LeakyQueue() =>
        Invariant($"queue leaky=downstream max-size-buffers=0 max-size-bytes=0 max-size-time={BranchQueueNanoseconds}");

    private static string KvsElement(KvsSinkOptions kvs, string? defaultRegion)
    {
        var e = new StringBuilder("kvssink name=").Append(PipelineDescription.KvsName);
        e.Append(" stream-name=").Append(Quote(kvs.StreamName ?? string.Empty))
            .Append(Invariant($" storage-size={kvs.StorageSizeMb} retention-period={kvs.RetentionHours} fragment-duration={kvs.FragmentDuration}"))
            .Append(" key-frame-fragmentation=true");
        if ((string.IsNullOrWhiteSpace(kvs.Region) ? defaultRegion : kvs.Region) is { Length: > 0 } region)
        {
            e.Append(" aws-region=").Append(Quote(region));
        }

        if (kvs.IotCertificate is { IsEmpty: false } iot)
        {
            var structure = new StringBuilder("iot-certificate");
            AddField(structure, "endpoint", iot.Endpoint);
            AddField(structure, "cert-path", iot.CertPath);
            AddField(structure, "key-path", iot.KeyPath);
            AddField(structure, "ca-path", iot.CaPath);
            AddField(structure, "role-aliases", iot.RoleAlias);
            AddField(structure, "iot-thing-name", iot.ThingName);
            e.Append(" iot-certificate=").Append(QuoteAlways(structure.ToString()));
        }
        else if (!string.IsNullOrWhiteSpace(kvs.CredentialPath))
        {
            e.Append(" credential-path=").Append(Quote(kvs.CredentialPath));
        }

        // Otherwise kvssink reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN from its environment:
        // never access-key / secret-key / session-token here, the description gets logged.
        return e.ToString();
    }

    private static void AddField(StringBuilder structure, string field, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            // GstStructure values have their own quoting, applied before the launch-level quoting of the whole structure.
            structure.Append(',').Append(field).Append('=').Append(NeedsQuoting(value, allowSlashColon: true) ? QuoteAlways(value) : value);
        }
    }

    private static string RecordElement(RecordOptions record, string muxer, string format, int startIndex)
    {
        string location = Path.Combine(record.Directory!, SegmentPattern + "." + format);
        long maxSizeTime = record.SegmentDuration.Ticks * 100; // 1 tick = 100 ns
        // async-finalize=true: finishing a segment (writing the mp4 index) does not block the next one, and it is
        // what lets muxer-factory pick the muxer. No max-files: splitmuxsink then wraps the file index back to 0
        // once it reaches max-files, which would overwrite after a restart with start-index; RecordingRing enforces
        // the count and byte limits instead (the supervisor trims on each closed fragment).
        return Invariant(
            $"splitmuxsink name={PipelineDescription.RecorderName} location={Quote(location)} max-size-time={maxSizeTime} start-index={Math.Max(0, startIndex)} async-finalize=true muxer-factory={muxer}");
    }

    /// <summary>Quotes a gst-launch property value when it holds anything beyond a safe set of characters.</summary>
    internal static string Quote(string value) => NeedsQuoting(value, allowSlashColon: true) ? QuoteAlways(value) : value;

    private static bool NeedsQuoting(string value, bool allowSlashColon) =>
        value.Length == 0 || value.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '%' || (allowSlashColon && c is '/' or ':')));

    private static string QuoteAlways(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

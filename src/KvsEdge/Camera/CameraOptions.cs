namespace KvsEdge.Camera;

/// <summary>The `Camera` configuration section: capture, encoding, where the video goes, and supervision timing.</summary>
/// <remarks>
/// There are deliberately no AWS key properties: kvssink reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
/// AWS_SESSION_TOKEN from its process environment, or uses the IoT certificate or the credential file, so
/// secrets never land in a configuration file or in a pipeline description that gets logged.
/// </remarks>
public sealed class CameraOptions
{
    public const string SectionName = "Camera";

    public const string V4l2Source = "v4l2";
    public const string LibcameraSource = "libcamera";
    public const string TestSource = "test";
    public const string FileSource = "file";

    public const string AutoEncoder = "auto";
    public const string V4l2Encoder = "v4l2h264enc";
    public const string X264Encoder = "x264enc";
    public const string OpenH264Encoder = "openh264enc";

    public const string KvsSink = "kvs";
    public const string RecordSink = "record";
    public const string NoSink = "none";


    public bool Enabled { get; set; } = true;

    /// <summary>`v4l2` (USB cameras), `libcamera` (CSI cameras), `test` (videotestsrc) or `file` (<see cref="File"/>).</summary>
    public string Source { get; set; } = V4l2Source;

    /// <summary>
    /// For the `file` source: a video file, looped, or a still image (by extension, <see cref="PipelineBuilder.StillImageExtensions"/>),
    /// shown as a live camera at <see cref="Width"/>×<see cref="Height"/> and <see cref="Framerate"/>.
    /// </summary>
    public string? File { get; set; }

    /// <summary>The V4L2 device for the `v4l2` source.</summary>
    public string Device { get; set; } = "/dev/video0";

    public int Width { get; set; } = 1280;

    public int Height { get; set; } = 720;

    /// <summary>Frames per second asked of the source; Rekognition works best near 30.</summary>
    public int Framerate { get; set; } = 30;

    /// <summary>`auto` (first present of v4l2h264enc, x264enc, openh264enc) or one of those element names.</summary>
    public string Encoder { get; set; } = AutoEncoder;

    /// <summary>Target bitrate in kbit/s; Rekognition suggests about 1.5–3 Mbit/s.</summary>
    public int Bitrate { get; set; } = 2000;

    /// <summary>Frames between I-frames; null means one per second (= <see cref="Framerate"/>).</summary>
    public int? KeyframeInterval { get; set; }

    /// <summary>
    /// `kvs`, `record` and/or `none`. Not configured: `kvs` when `Camera:Kvs:StreamName` names a stream, else
    /// `none` (the camera then feeds only the frame tap), so a door-only configuration stays valid. (A default
    /// list here would be appended to by the configuration binder instead of replaced.)
    /// </summary>
    public IList<string>? Sinks { get; set; }

    /// <summary>videotestsrc pattern nick for the `test` source.</summary>
    public string TestPattern { get; set; } = "smpte";

    public KvsSinkOptions Kvs { get; set; } = new();

    public RecordOptions Record { get; set; } = new();

    public FrameTapOptions FrameTap { get; set; } = new();

    /// <summary>No frame for this long while playing counts as a stall and restarts the pipeline.</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RestartMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan RestartMaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    internal IReadOnlyList<string> EffectiveSinks => Sinks is { Count: > 0 } sinks
        ? [.. sinks]
        : [string.IsNullOrWhiteSpace(Kvs.StreamName) ? NoSink : KvsSink];

    internal int EffectiveKeyframeInterval => KeyframeInterval ?? Framerate;
}

/// <summary>`Camera:Kvs`: the kvssink branch.</summary>
public sealed class KvsSinkOptions
{
    public string? StreamName { get; set; }

    /// <summary>Optional; kvssink falls back to AWS_DEFAULT_REGION.</summary>
    public string? Region { get; set; }

    /// <summary>kvssink's in-memory content store in MB; it buffers video while the network is down.</summary>
    public int StorageSizeMb { get; set; } = 128;

    /// <summary>kvssink retention-period, used when it creates the stream.</summary>
    public int RetentionHours { get; set; } = 24;

    /// <summary>Fragment length in milliseconds; Rekognition wants 2–10 s fragments that start on an I-frame.</summary>
    public int FragmentDuration { get; set; } = 2000;

    /// <summary>Optional AWS IoT credential provider settings (certificate instead of keys).</summary>
    public IotCertificateOptions? IotCertificate { get; set; }

    /// <summary>Optional credential file for kvssink's credential-path.</summary>
    public string? CredentialPath { get; set; }
}

/// <summary>`Camera:Kvs:IotCertificate`: kvssink's iot-certificate structure.</summary>
public sealed class IotCertificateOptions
{
    /// <summary>The IoT credentials endpoint (`aws iot describe-endpoint --endpoint-type iot:CredentialProvider`).</summary>
    public string? Endpoint { get; set; }

    public string? CertPath { get; set; }

    public string? KeyPath { get; set; }

    public string? CaPath { get; set; }

    public string? RoleAlias { get; set; }

    /// <summary>Optional IoT thing name; kvssink uses the stream name when absent.</summary>
    public string? ThingName { get; set; }

    internal bool IsEmpty =>
        string.IsNullOrWhiteSpace(Endpoint) && string.IsNullOrWhiteSpace(CertPath) && string.IsNullOrWhiteSpace(KeyPath)
        && string.IsNullOrWhiteSpace(CaPath) && string.IsNullOrWhiteSpace(RoleAlias) && string.IsNullOrWhiteSpace(ThingName);
}

/// <summary>`Camera:Record`: local segment recording through splitmuxsink.</summary>
public sealed class RecordOptions
{
    public const string Mp4Format = "mp4";
    public const string MkvFormat = "mkv";

    public string? Directory { get; set; }

    public TimeSpan SegmentDuration { get; set; } = TimeSpan.FromMinutes(1);

    public int MaxSegments { get; set; } = 60;

    /// <summary>`mp4` or `mkv` (Matroska survives a power cut better: no index written at the end).</summary>
    public string Format { get; set; } = Mp4Format;

    public long MaxTotalBytes { get; set; } = 2L * 1024 * 1024 * 1024;
}

/// <summary>`Camera:FrameTap`: small JPEG frames for the image API path, taken from the raw video.</summary>
public sealed class FrameTapOptions
{
    public bool Enabled { get; set; } = true;

    public int Width { get; set; } = 640;

    public int Height { get; set; } = 480;

    /// <summary>Frames per second delivered to the tap.</summary>
    public int Rate { get; set; } = 2;
}

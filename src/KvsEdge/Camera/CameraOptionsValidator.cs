using System.Globalization;
using System.Text.RegularExpressions;
using KvsEdge.Door;
using Microsoft.Extensions.Options;

namespace KvsEdge.Camera;

/// <summary>Validates <see cref="CameraOptions"/>; every message names the configuration key it is about.</summary>
public sealed partial class CameraOptionsValidator : IValidateOptions<CameraOptions>
{
    internal const int MinWidth = 160;
    internal const int MaxWidth = 3840;
    internal const int MinHeight = 120;
    internal const int MaxHeight = 2160;
    internal const int MaxFramerate = 60;
    internal const int MinBitrate = 500;
    internal const int MaxBitrate = 8000;

    private static readonly string[] KnownSources = [CameraOptions.V4l2Source, CameraOptions.LibcameraSource, CameraOptions.TestSource, CameraOptions.FileSource];
    private static readonly string[] KnownEncoders = [CameraOptions.AutoEncoder, CameraOptions.V4l2Encoder, CameraOptions.X264Encoder, CameraOptions.OpenH264Encoder];
    private static readonly string[] KnownSinks = [CameraOptions.KvsSink, CameraOptions.RecordSink, CameraOptions.NoSink];
    private static readonly string[] KnownFormats = [RecordOptions.Mp4Format, RecordOptions.MkvFormat];

    /// <summary>videotestsrc pattern nicks (GStreamer 1.22, `gst-inspect-1.0 videotestsrc`).</summary>
    internal static readonly string[] TestPatterns =
    [
        "smpte", "snow", "black", "white", "red", "green", "blue", "checkers-1", "checkers-2", "checkers-4", "checkers-8",
        "circular", "blink", "smpte75", "zone-plate", "gamut", "chroma-zone-plate", "solid-color", "ball", "smpte100",
        "bar", "pinwheel", "spokes", "gradient", "colors", "smpte-rp-219",
    ];

    public ValidateOptionsResult Validate(string? name, CameraOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = [];
        const string s = CameraOptions.SectionName;

        if (!options.Enabled)
        {
            // A disabled camera builds no pipeline; its other settings must not stop the appliance from starting.
            return ValidateOptionsResult.Success;
        }

        OneOf(failures, $"{s}:Source", options.Source, KnownSources);
        if (Is(options.Source, CameraOptions.V4l2Source) && (string.IsNullOrWhiteSpace(options.Device) || !options.Device.StartsWith('/')))
        {
            failures.Add($"{s}:Device must be an absolute device path such as /dev/video0 (was '{options.Device}').");
        }

        if (Is(options.Source, CameraOptions.FileSource) && ReadableFileProblem(options.File) is { } problem)
        {
            failures.Add($"{s}:File must name a readable video or image file for the 'file' source ({problem}).");
        }

        if (Is(options.Source, CameraOptions.TestSource))
        {
            OneOf(failures, $"{s}:TestPattern", options.TestPattern, TestPatterns);
        }

        Size(failures, $"{s}:Width", options.Width, MinWidth, MaxWidth);
        Size(failures, $"{s}:Height", options.Height, MinHeight, MaxHeight);
        Range(failures, $"{s}:Framerate", options.Framerate, 1, MaxFramerate);
        OneOf(failures, $"{s}:Encoder", options.Encoder, KnownEncoders);
        Range(failures, $"{s}:Bitrate", options.Bitrate, MinBitrate, MaxBitrate);

        IReadOnlyList<string> sinks = options.EffectiveSinks;
        foreach (string sink in sinks)
        {
            OneOf(failures, $"{s}:Sinks", sink, KnownSinks);
        }

        if (sinks.Distinct(StringComparer.OrdinalIgnoreCase).Count() != sinks.Count)
        {
            failures.Add($"{s}:Sinks must not name a sink twice (was {string.Join(", ", sinks)}).");
        }

        if (sinks.Any(x => Is(x, CameraOptions.NoSink)) && sinks.Count > 1)
        {
            failures.Add($"{s}:Sinks 'none' cannot be combined with other sinks (was {string.Join(", ", sinks)}).");
        }

        bool kvs = sinks.Any(x => Is(x, CameraOptions.KvsSink));
        bool record = sinks.Any(x => Is(x, CameraOptions.RecordSink));
        KvsSinkOptions k = options.Kvs ?? new();
        if (kvs)
        {
            ValidateKvs(failures, k);
        }

        // The keyframe interval is checked against the fragment length even without kvs: recordings split on keyframes too.
        int fragmentMs = k.FragmentDuration is >= 1000 and <= 10000 ? k.FragmentDuration : 2000;
        int maxGop = (int)Math.Max(1, (long)fragmentMs * Math.Max(1, options.Framerate) / 1000);
        if (options.KeyframeInterval is int gop && (gop < 1 || gop > maxGop))
        {
            failures.Add(Invariant($"{s}:KeyframeInterval must be between 1 and {maxGop} frames ({s}:Kvs:FragmentDuration × {s}:Framerate, so every fragment starts on an I-frame) (was {gop})."));
        }
        else if (options.KeyframeInterval is null && options.Framerate > maxGop && options.Framerate <= MaxFramerate)
        {
            failures.Add(Invariant($"{s}:KeyframeInterval defaults to {s}:Framerate ({options.Framerate}), more than {maxGop} frames per {s}:Kvs:FragmentDuration: set it explicitly."));
        }

        if (record)
        {
            ValidateRecord(failures, options.Record ?? new());
        }

        FrameTapOptions tap = options.FrameTap ?? new();
        if (tap.Enabled)
        {
            Size(failures, $"{s}:FrameTap:Width", tap.Width, 16, MaxWidth);
            Size(failures, $"{s}:FrameTap:Height", tap.Height, 16, MaxHeight);
            Range(failures, $"{s}:FrameTap:Rate", tap.Rate, 1, Math.Max(1, Math.Min(MaxFramerate, options.Framerate)));
        }

        TimeRange(failures, $"{s}:StallTimeout", options.StallTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        TimeRange(failures, $"{s}:RestartMaxDelay", options.RestartMaxDelay, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        TimeRange(failures, $"{s}:RestartMinDelay", options.RestartMinDelay, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        if (options.RestartMinDelay > options.RestartMaxDelay)
        {
            failures.Add($"{s}:RestartMinDelay ({DoorOptionsValidator.Format(options.RestartMinDelay)}) must not exceed {s}:RestartMaxDelay ({DoorOptionsValidator.Format(options.RestartMaxDelay)}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateKvs(List<string> failures, KvsSinkOptions k)
    {
        const string p = CameraOptions.SectionName + ":Kvs";
        if (string.IsNullOrEmpty(k.StreamName) || !StreamNamePattern().IsMatch(k.StreamName))
        {
            failures.Add($"{p}:StreamName is required by the 'kvs' sink and must be 1–256 characters of a-z, A-Z, 0-9, '_', '.', '-' (was '{k.StreamName}').");
        }

        if (k.Region is { } region && !RegionPattern().IsMatch(region))
        {
            failures.Add($"{p}:Region must look like eu-west-1 or be left out to use AWS_DEFAULT_REGION (was '{region}').");
        }

        Range(failures, $"{p}:StorageSizeMb", k.StorageSizeMb, 1, 4096);
        Range(failures, $"{p}:RetentionHours", k.RetentionHours, 0, 87600);
        Range(failures, $"{p}:FragmentDuration", k.FragmentDuration, 1000, 10000);

        if (k.CredentialPath is { } credentialPath && string.IsNullOrWhiteSpace(credentialPath))
        {
            failures.Add($"{p}:CredentialPath must be a file path or left out.");
        }

        if (k.IotCertificate is { IsEmpty: false } iot)
        {
            Required(failures, $"{p}:IotCertificate:Endpoint", iot.Endpoint);
            Required(failures, $"{p}:IotCertificate:CertPath", iot.CertPath);
            Required(failures, $"{p}:IotCertificate:KeyPath", iot.KeyPath);
            Required(failures, $"{p}:IotCertificate:CaPath", iot.CaPath);
            Required(failures, $"{p}:IotCertificate:RoleAlias", iot.RoleAlias);
            if (!string.IsNullOrWhiteSpace(k.CredentialPath))
            {
                failures.Add($"{p}:IotCertificate and {p}:CredentialPath are alternatives: configure one of them.");
            }
        }
    }

    private static void ValidateRecord(List<string> failures, RecordOptions r)
    {
        const string p = CameraOptions.SectionName + ":Record";
        if (string.IsNullOrWhiteSpace(r.Directory))
        {
            failures.Add($"{p}:Directory is required by the 'record' sink.");
        }

        TimeRange(failures, $"{p}:SegmentDuration", r.SegmentDuration, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Range(failures, $"{p}:MaxSegments", r.MaxSegments, 2, 10000);
        OneOf(failures, $"{p}:Format", r.Format, KnownFormats);
        if (r.MaxTotalBytes < 1024 * 1024)
        {
            failures.Add(Invariant($"{p}:MaxTotalBytes must be at least 1048576 (1 MiB) (was {r.MaxTotalBytes})."));
        }
    }

    /// <summary>Null when the file can be opened for reading; otherwise why not.</summary>
    internal static string? ReadableFileProblem(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return "not set";
        }

        try
        {
            using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return stream.Length == 0 ? $"'{path}' is empty" : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"'{path}': {e.Message}";
        }
    }

    private static bool Is(string? value, string expected) => string.Equals(value, expected, StringComparison.OrdinalIgnoreCase);

    private static void OneOf(List<string> failures, string key, string? value, string[] known)
    {
        if (!known.Contains(value ?? string.Empty, StringComparer.OrdinalIgnoreCase))
        {
            failures.Add($"{key} must be one of {string.Join(", ", known.Select(d => $"'{d}'"))} (was '{value}').");
        }
    }

    private static void Range(List<string> failures, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add(Invariant($"{key} must be between {min} and {max} (was {value})."));
        }
    }

    // Encoders and chroma subsampling need even sizes.
    private static void Size(List<string> failures, string key, int value, int min, int max)
    {
        if (value < min || value > max || value % 2 != 0)
        {
            failures.Add(Invariant($"{key} must be an even number between {min} and {max} (was {value})."));
        }
    }

    private static void TimeRange(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{key} must be between {DoorOptionsValidator.Format(min)} and {DoorOptionsValidator.Format(max)} (was {DoorOptionsValidator.Format(value)}).");
        }
    }

    private static void Required(List<string> failures, string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            failures.Add($"{key} is required when any IotCertificate setting is given.");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-zA-Z0-9_.-]{1,256}$")]
    private static partial Regex StreamNamePattern();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();
}

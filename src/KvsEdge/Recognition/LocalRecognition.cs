using KvsEdge.Access;
using KvsEdge.Offline;
using KvsEdge.Status;
using KvsEdge.Triggers;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Recognition;

/// <summary>Face chip → descriptor, for one model (the ONNX embedder in the appliance).</summary>
public interface IFaceDescriber
{
    /// <summary>The lower-case hex SHA-256 of the model's source weights: the gallery must have been made with it.</summary>
    string ModelSha256 { get; }

    float[] Describe(ReadOnlySpan<byte> chipRgb);
}

/// <summary>
/// Local recognition in the appliance (issue 16): the gallery under the state directory, loaded at start and again
/// whenever the file changes or the access rules are reloaded, and the matcher. A gallery that cannot be used (missing,
/// truncated, damaged, another model's) is logged and reported on the `recognition` state, and local matching is off
/// until a usable one appears: every opinion is then <see cref="LocalMatchOutcome.Unavailable"/>, which never unlocks.
/// </summary>
public sealed partial class LocalRecognition : IDisposable
{
    private readonly LocalRecognitionOptions _options;
    private readonly IFaceDescriber _describer;
    private readonly LocalFaceMatcher _matcher;
    private readonly RecognitionStatusReporter _reporter;
    private readonly ILogger<LocalRecognition> _logger;
    private readonly Lock _gate = new();
    private FileSystemWatcher? _watcher;
    private FaceGallery? _gallery;
    private string? _error;
    private LocalMatch? _last;

    public LocalRecognition(
        LocalRecognitionOptions options, IFaceDescriber describer, string galleryPath, float minFaceSize,
        RecognitionStatusReporter reporter, TimeProvider time, ILogger<LocalRecognition> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _describer = describer;
        GalleryPath = galleryPath;
        _matcher = new LocalFaceMatcher(options, minFaceSize, time);
        _reporter = reporter;
        _logger = logger;
    }

    public string Mode => _options.Mode;

    /// <summary>`Recognition:Local:CloudTimeout`: the bound of one cloud call in `fallback`.</summary>
    public TimeSpan CloudTimeout => _options.CloudTimeout;

    public string GalleryPath { get; }

    /// <summary>The gallery in use; null while local matching is off (<see cref="Error"/> says why).</summary>
    public FaceGallery? Gallery
    {
        get
        {
            lock (_gate)
            {
                return _gallery;
            }
        }
    }

    public string? Error
    {
        get
        {
            lock (_gate)
            {
                return _error;
            }
        }
    }

    /// <summary>Loads the gallery now (at start, on a file change, on a rules reload). Never throws for a bad file.</summary>
    public void Reload()
    {
        FaceGallery? gallery = null;
        string? error = null;
        try
        {
            gallery = FaceGallery.Load(GalleryPath, _describer.ModelSha256);
        }
        catch (FaceGalleryException ex)
        {
            error = ex.Message;
        }

        lock (_gate)
        {
            _gallery = gallery;
            _error = error;
            _matcher.Reset();
        }

        if (gallery is null)
        {
            Log.GalleryRefused(_logger, error!);
        }
        else
        {
            Log.GalleryLoaded(_logger, GalleryPath, gallery.People.Count, gallery.DescriptorCount);
        }

        Report();
    }

    /// <summary>
    /// Applies the `Recognition:Local` thresholds of a reloaded configuration; refused (and logged, the thresholds in
    /// force kept) when they do not validate. The mode and the other settings need a restart.
    /// </summary>
    /// <returns>The validation failures; empty when applied.</returns>
    public IReadOnlyList<string> ReloadThresholds(LocalRecognitionOptions reloaded, string? bindError = null)
    {
        ArgumentNullException.ThrowIfNull(reloaded);
        var failures = new List<string>();
        if (bindError is not null)
        {
            failures.Add(bindError);
        }
        else
        {
            reloaded.Validate(failures);
        }

        if (failures.Count > 0)
        {
            Log.ThresholdsRefused(_logger, string.Join("; ", failures));
            return failures;
        }

        _matcher.UseThresholds(reloaded);
        Log.ThresholdsApplied(_logger, reloaded.Threshold, reloaded.Thresholds.Count);
        return failures;
    }

    /// <summary>Loads the gallery and reloads it whenever its file is written, replaced or removed.</summary>
    public void Start()
    {
        Reload();
        string? directory = Path.GetDirectoryName(Path.GetFullPath(GalleryPath));
        if (directory is null || !Directory.Exists(directory))
        {
            return; // no state directory yet: a rules reload still reloads
        }

        var watcher = new FileSystemWatcher(directory, Path.GetFileName(GalleryPath))
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Changed += (_, _) => Reload();
        watcher.Created += (_, _) => Reload();
        watcher.Deleted += (_, _) => Reload();
        watcher.Renamed += (_, _) => Reload(); // the atomic replace renames a temporary file onto it
        watcher.EnableRaisingEvents = true;
        _watcher = watcher;
    }

    /// <summary>The local opinion of the frame captured at <paramref name="frameTime"/> of the face <paramref name="trackKey"/>.</summary>
    public LocalMatch Evaluate(string trackKey, DateTimeOffset frameTime, FaceChip? chip)
    {
        FaceGallery? gallery = Gallery;
        LocalMatch match;
        if (gallery is null)
        {
            match = new LocalMatch(LocalMatchOutcome.Unavailable, null, null, float.PositiveInfinity, float.NaN, 0, Error ?? "no usable face gallery");
        }
        else if (chip is null)
        {
            match = new LocalMatch(LocalMatchOutcome.Unusable, null, null, float.PositiveInfinity, float.NaN, 0, "the face could not be aligned");
        }
        else
        {
            match = _matcher.Observe(trackKey, frameTime, _describer.Describe(chip.Rgb), chip.FaceSize, gallery);
        }

        Log.LocalOpinion(_logger, trackKey, match.Outcome, match.Nearest, match.Distance, match.Threshold, match.Detail);
        lock (_gate)
        {
            _last = match;
        }

        Report();
        return match;
    }

    private void Report()
    {
        LocalRecognitionState state;
        lock (_gate)
        {
            state = new LocalRecognitionState(
                _gallery is null ? LocalRecognitionState.Failed : LocalRecognitionState.Ready,
                _options.Mode,
                _gallery?.People.Count ?? 0,
                _error,
                _last?.Nearest,
                _last is { Distance: float d } && float.IsFinite(d) ? Math.Round(d, 4) : null,
                _last?.Outcome.ToString().ToLowerInvariant());
        }

        _reporter.ReportLocal(state);
    }

    public void Dispose() => _watcher?.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = 1963, EventName = "LocalThresholdsApplied", Level = LogLevel.Information,
            Message = "Local recognition thresholds reloaded: default {Threshold:0.###}, {Overrides} per-person")]
        public static partial void ThresholdsApplied(ILogger logger, float threshold, int overrides);

        [LoggerMessage(EventId = 1964, EventName = "LocalThresholdsRefused", Level = LogLevel.Warning,
            Message = "Reloaded Recognition:Local settings refused, the thresholds in force stay: {Errors}")]
        public static partial void ThresholdsRefused(ILogger logger, string errors);

        [LoggerMessage(EventId = 1960, EventName = "LocalGalleryLoaded", Level = LogLevel.Information,
            Message = "Local face gallery {Path} loaded: {People} people, {Descriptors} descriptors; local matching is on")]
        public static partial void GalleryLoaded(ILogger logger, string path, int people, int descriptors);

        [LoggerMessage(EventId = 1961, EventName = "LocalGalleryRefused", Level = LogLevel.Error,
            Message = "{Error} Local matching is off (nothing unlocks through it) until a usable gallery is written")]
        public static partial void GalleryRefused(ILogger logger, string error);

        [LoggerMessage(EventId = 1962, EventName = "LocalOpinion", Level = LogLevel.Information,
            Message = "Local opinion on {Track}: {Outcome}, nearest {Nearest} at distance {Distance:0.###} (threshold {Threshold:0.###}); {Detail}")]
        public static partial void LocalOpinion(ILogger logger, string track, LocalMatchOutcome outcome, string? nearest, float distance, float threshold, string? detail);
    }
}

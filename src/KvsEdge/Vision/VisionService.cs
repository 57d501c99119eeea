using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using KvsEdge.Camera;
using KvsEdge.Status;
using KvsEdge.Triggers;
using KvsEdge.Vision.Detection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Vision;

/// <summary>The retained `vision` state. Field names are a contract (docs/mqtt.md).</summary>
internal sealed record VisionPayload(string State, int Faces, double DetectorFps, double? InferenceMsP50, long CallsSaved, long Searches, string? Model);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(VisionPayload))]
internal sealed partial class VisionJsonContext : JsonSerializerContext;

/// <summary>
/// The vision loop: pulls the detector branch at `Vision:Rate`, runs the detector, keeps faces of at least
/// `MinFaceSize` (camera pixels) inside `Region`, tracks them, and fires one `face` trigger per new person with the
/// best frame's per-face JPEG crops. It also answers the image-API source's gate (<see cref="ILocalFaces"/>): the
/// newest look, so a motion or doorbell trigger on an empty frame costs no call.
/// </summary>
public sealed partial class VisionService : BackgroundService, ILocalFaces
{
    public const string StateTopic = "vision";

    /// <summary>A look older than this is not handed to a new search (a stalled camera's last frame must not be reused).</summary>
    public static readonly TimeSpan ReuseLimit = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan StateInterval = TimeSpan.FromSeconds(10);

    private readonly VisionOptions _options;
    private readonly IFaceDetector _detector;
    private readonly IVisionFrameSource _frames;
    private readonly IFaceCropEncoder _encoder;
    private readonly TriggerChannel _triggers;
    private readonly IStatusPublisher _status;
    private readonly TimeProvider _time;
    private readonly ILogger<VisionService> _logger;
    private readonly FaceTracker<Look> _tracker;
    private readonly DetectionPacer _pacer;
    private readonly int _cameraWidth;
    private readonly int _cameraHeight;
    private readonly string? _modelName;
    private readonly Lock _gate = new();
    private readonly Lock _detectorGate = new(); // the vision loop and the local chips share one detector
    private readonly bool _makeChips;
    private readonly Queue<double> _inferenceMs = new();
    private readonly Queue<long> _detections = new();
    private Look? _latest;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sequence;
    private long _callsSaved;
    private long _searches;
    private long _lastProgress;
    private long _lastState;
    private int _lastFaces = -1;

    public VisionService(
        VisionOptions options, FaceDetectorHolder detector, IVisionFrameSource frames, IFaceCropEncoder encoder, TriggerChannel triggers,
        IStatusPublisher status, int cameraWidth, int cameraHeight, TimeProvider time, ILogger<VisionService> logger, bool makeChips = false)
    {
        _makeChips = makeChips;
        ArgumentNullException.ThrowIfNull(detector);
        _options = options;
        _detector = detector.Detector ?? throw new InvalidOperationException("The face detector was not loaded (VisionModelValidator runs at start).");
        _modelName = detector.ModelPath is { } p ? Path.GetFileName(p) : null;
        _frames = frames;
        _encoder = encoder;
        _triggers = triggers;
        _status = status;
        _cameraWidth = cameraWidth;
        _cameraHeight = cameraHeight;
        _time = time;
        _logger = logger;
        _tracker = new FaceTracker<Look>(options, time);
        _pacer = new DetectionPacer(options.Rate);
        _lastProgress = time.GetTimestamp();
    }

    /// <summary>The loop's latest sign of life (a detection, or a wait for a frame that ended).</summary>
    public long LastProgressTimestamp => Interlocked.Read(ref _lastProgress);

    public long CallsSaved => Interlocked.Read(ref _callsSaved);

    public long Searches => Interlocked.Read(ref _searches);

    /// <summary>Faces counted in the newest detection.</summary>
    public int FacesNow => Volatile.Read(ref _latest)?.Faces.Count ?? 0;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        PublishState("running", force: true);
        TimeSpan wait = TimeSpan.FromSeconds(1);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                DetectionFrame? frame = await _frames.NextDetectionFrameAsync(wait, stoppingToken).ConfigureAwait(false);
                Interlocked.Exchange(ref _lastProgress, _time.GetTimestamp());
                if (frame is null)
                {
                    // No pipeline (starting, restarting): tracks from before may not confirm across the gap.
                    _tracker.Reset();
                    await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                if (!ShouldDetect(frame))
                {
                    continue; // between slots, and no face awaiting confirmation
                }

                try
                {
                    await OnFrameAsync(frame, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One bad frame (a detector error, a crop that failed) must not stop detection; nothing unlocks from here.
                    Log.FrameFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            PublishState("stopped", force: true);
        }
    }

    /// <summary>Whether this branch frame is detected: one per 1/Rate slot, and the next one while a face awaits confirmation.</summary>
    internal bool ShouldDetect(DetectionFrame frame) =>
        _pacer.ShouldDetect(frame.Pts ?? frame.CapturedAt - DateTimeOffset.UnixEpoch, _tracker.Confirming);

    /// <summary>One detection: detect, keep, track, maybe fire a `face` trigger. Returns the trigger fired, if any.</summary>
    internal async Task<Trigger?> OnFrameAsync(DetectionFrame frame, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        IReadOnlyList<FaceDetection> found = DetectLocked(new RgbImage(frame.Pixels, frame.Width, frame.Height, frame.Stride));
        double inferenceMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var faces = new List<LocalFace>();
        foreach (FaceDetection face in found)
        {
            BoxF box = VisionGeometry.ToCamera(face.Box, frame.Width, frame.Height, _cameraWidth, _cameraHeight);
            if (VisionGeometry.Counts(box, _options, _cameraWidth, _cameraHeight))
            {
                faces.Add(new LocalFace(box, face.Score, FaceYaw.Degrees(face.Keypoints)));
            }
        }

        faces.Sort((a, b) => b.Box.Area.CompareTo(a.Box.Area));
        // The full-resolution frame is copied only when there is a face to cut out of it.
        RawFrame? full = faces.Count > 0
            ? await _frames.FullFrameAsync(frame, TimeSpan.FromSeconds(1.0 / _options.Rate), cancellationToken).ConfigureAwait(false)
            : null;
        var look = new Look(Interlocked.Increment(ref _sequence), full?.CapturedAt ?? frame.CapturedAt, faces, full);
        Record(inferenceMs);
        TaskCompletionSource next;
        lock (_gate)
        {
            _latest = look;
            next = _next;
            _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        next.TrySetResult();
        if (faces.Count > 0 && _lastFaces <= 0)
        {
            Log.FaceSeen(_logger, faces.Count, look.CapturedAt);
        }

        FaceSearch<Look>? search = _tracker.Update(look, faces);
        Trigger? fired = null;
        if (search is not null)
        {
            Look best = search.Frame;
            LocalFaceLook evidence = best.ToLookFor(search.Faces, this);
            if (evidence.Crops.Count > 0)
            {
                Interlocked.Increment(ref _searches);
                Log.FaceTrigger(_logger, search.TrackIds.Count, evidence.Crops[0].Width, evidence.Crops[0].Height);
                fired = _triggers.Fire(
                    TriggerKinds.Face, $"{search.Faces.Count} face(s), largest {Math.Min(search.Faces[0].Box.Width, search.Faces[0].Box.Height):0} px",
                    input: null, new TriggerEvidence(Faces: evidence.Faces) { Crops = evidence.Crops, Chips = evidence.Chips });
            }
        }

        PublishState("running", force: faces.Count != _lastFaces);
        _lastFaces = faces.Count;
        return fired;
    }

    public async Task<LocalFaceLook?> NextLookAsync(LocalFaceLook? after, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task waitNext;
        lock (_gate)
        {
            if (_latest is { } latest && (after is null || latest.Sequence > after.Sequence) && _time.GetUtcNow() - latest.CapturedAt <= ReuseLimit)
            {
                return latest.ToLook(this);
            }

            waitNext = _next.Task;
        }

        try
        {
            await waitNext.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }

        Look? newest = Volatile.Read(ref _latest);
        return newest is null || (after is not null && newest.Sequence <= after.Sequence) ? null : newest.ToLook(this);
    }

    public void CallSaved()
    {
        Interlocked.Increment(ref _callsSaved);
        PublishState("running", force: true);
    }

    private IReadOnlyList<FaceDetection> DetectLocked(RgbImage image)
    {
        lock (_detectorGate)
        {
            return _detector.Detect(image, (float)_options.MinScore);
        }
    }

    /// <summary>The aligned chip of <paramref name="face"/> for the local matcher (null when it could not be made).</summary>
    private FaceChip? Chip(RawFrame frame, LocalFace face)
    {
        try
        {
            return FaceChips.Make(frame, face.Box, _cameraWidth, _cameraHeight, DetectLocked);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            Log.CropRefused(_logger, "no chip for the local matcher: " + ex.Message);
            return null;
        }
    }

    private JpegFrame? Crop(RawFrame frame, LocalFace face)
    {
        // The box is in camera pixels; the full frame should be that size, but scale in case the camera delivers another.
        float sx = (float)frame.Width / _cameraWidth, sy = (float)frame.Height / _cameraHeight;
        var box = new BoxF(face.Box.X * sx, face.Box.Y * sy, face.Box.Width * sx, face.Box.Height * sy);
        if (VisionGeometry.Crop(box, _options.CropMargin, frame.Width, frame.Height) is not { } plan)
        {
            Log.CropRefused(_logger, "the face lies outside the frame");
            return null;
        }

        JpegFrame? jpeg = _encoder.Encode(frame, plan);
        if (jpeg is null || jpeg.Width < VisionGeometry.MinCropSide || jpeg.Height < VisionGeometry.MinCropSide)
        {
            Log.CropRefused(_logger, jpeg is null ? "the encoder gave no image" : $"{jpeg.Width}x{jpeg.Height} is below {VisionGeometry.MinCropSide} px a side");
            return null;
        }

        return jpeg;
    }

    private void Record(double inferenceMs)
    {
        long now = _time.GetTimestamp();
        lock (_gate)
        {
            _inferenceMs.Enqueue(inferenceMs);
            while (_inferenceMs.Count > 100)
            {
                _inferenceMs.Dequeue();
            }

            _detections.Enqueue(now);
            while (_detections.Count > 0 && _time.GetElapsedTime(_detections.Peek(), now) > TimeSpan.FromSeconds(10))
            {
                _detections.Dequeue();
            }
        }
    }

    /// <summary>The retained `vision` payload as published now (tests read it).</summary>
    internal string StatePayload(string state)
    {
        double? p50;
        double fps;
        lock (_gate)
        {
            double[] sorted = [.. _inferenceMs.Order()];
            p50 = sorted.Length == 0 ? null : Math.Round(sorted[sorted.Length / 2], 1);
            fps = _detections.Count < 2 ? _detections.Count : Math.Round((_detections.Count - 1) / Math.Max(0.001, _time.GetElapsedTime(_detections.Peek()).TotalSeconds), 1);
        }

        var payload = new VisionPayload(state, FacesNow, fps, p50, CallsSaved, Searches, _modelName);
        return JsonSerializer.Serialize(payload, VisionJsonContext.Default.VisionPayload);
    }

    private void PublishState(string state, bool force)
    {
        long now = _time.GetTimestamp();
        if (!force && _lastState != 0 && _time.GetElapsedTime(_lastState, now) < StateInterval)
        {
            return;
        }

        _lastState = now;
        _status.PublishState(StateTopic, StatePayload(state));
    }

    /// <summary>One detection's result: the faces that count and the full frame they are in (null without faces).</summary>
    internal sealed class Look(long sequence, DateTimeOffset capturedAt, IReadOnlyList<LocalFace> faces, RawFrame? full)
    {
        private LocalFaceLook? _all;

        public long Sequence { get; } = sequence;

        public DateTimeOffset CapturedAt { get; } = capturedAt;

        public IReadOnlyList<LocalFace> Faces { get; } = faces;

        /// <summary>All faces with their crops; made once, on first request (the gate), then reused.</summary>
        public LocalFaceLook ToLook(VisionService owner)
        {
            lock (this)
            {
                return _all ??= ToLookFor(Faces, owner);
            }
        }

        /// <summary>These faces (largest first) with a crop each; a face whose crop failed is left out.</summary>
        public LocalFaceLook ToLookFor(IReadOnlyList<LocalFace> faces, VisionService owner)
        {
            var kept = new List<TriggerFace>();
            var crops = new List<JpegFrame>();
            List<FaceChip?>? chips = owner._makeChips ? [] : null;
            foreach (LocalFace face in faces.OrderByDescending(f => f.Box.Area))
            {
                if (full is not null && owner.Crop(full, face) is { } crop)
                {
                    kept.Add(new TriggerFace(
                        face.Box.X / owner._cameraWidth, face.Box.Y / owner._cameraHeight, face.Box.Width / owner._cameraWidth, face.Box.Height / owner._cameraHeight, face.Score));
                    crops.Add(crop);
                    chips?.Add(owner.Chip(full, face));
                }
            }

            return new LocalFaceLook(Sequence, CapturedAt, kept, crops) { Chips = chips };
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1950, EventName = "VisionFaceTrigger", Level = LogLevel.Information,
            Message = "Face trigger: {Tracks} new face(s); largest crop {Width}x{Height}")]
        public static partial void FaceTrigger(ILogger logger, int tracks, int width, int height);

        [LoggerMessage(EventId = 1951, EventName = "VisionCropRefused", Level = LogLevel.Warning,
            Message = "Face crop refused: {Reason}; no call is made for that face")]
        public static partial void CropRefused(ILogger logger, string reason);

        [LoggerMessage(EventId = 1953, EventName = "VisionFaceSeen", Level = LogLevel.Information,
            Message = "Face at the door: {Count} face(s) in the frame captured at {CapturedAt:O}")]
        public static partial void FaceSeen(ILogger logger, int count, DateTimeOffset capturedAt);

        [LoggerMessage(EventId = 1952, EventName = "VisionFrameFailed", Level = LogLevel.Error,
            Message = "Face detection failed on a frame; detection goes on with the next one")]
        public static partial void FrameFailed(ILogger logger, Exception exception);
    }
}

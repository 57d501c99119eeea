using System.Globalization;
using System.Threading.Channels;
using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Aws;
using KvsEdge.Camera;
using KvsEdge.Common;
using KvsEdge.Snapshots;
using KvsEdge.Status;
using KvsEdge.Triggers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Recognition;

/// <summary>How one trigger's search ended (the `last_outcome` of the `recognition` state).</summary>
public static class ImageApiOutcomes
{
    public const string Decided = "decided";
    public const string NoFace = "no_face";

    /// <summary>The on-device detector found no face on the frames looked at: no call was made.</summary>
    public const string NoFaceLocal = "no_face_local";
    public const string NoFrame = "no_frame";
    public const string BudgetExhausted = "budget_exhausted";
    public const string Error = "error";
    public const string Undecided = "undecided";
}

/// <summary>
/// The recognition source for accounts without stream processors: on a trigger it takes the newest JPEGs from the
/// frame tap and asks SearchFacesByImage, up to `MaxFrames` frames within `Window`, stopping at the first decision.
/// Each answer becomes the same <see cref="FaceObservation"/> the Kinesis path produces (frame time = capture time)
/// and goes through the same executor: policy, grant ledger, door and audit. Triggers that arrive while a search
/// runs are coalesced into it; triggers that arrive when the cost budget is spent are counted and ignored.
/// </summary>
public sealed partial class ImageApiFaceMatchSource : BackgroundService
{
    /// <summary>How often the idle loop proves it is alive (the service watchdog reads the reporter's progress).</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);

    private readonly ImageApiSourceOptions _options;
    private readonly RekognitionClient _client;
    private readonly IJpegFrameSource _frames;
    private readonly TriggerChannel _triggers;
    private readonly DecisionExecutor _executor;
    private readonly RecognitionStatusReporter _reporter;
    private readonly ImageApiBudget _budget;
    private readonly TimeProvider _time;
    private readonly ILogger<ImageApiFaceMatchSource> _logger;
    private readonly SearchFacesByImageOptions _searchOptions;
    private readonly string _collectionId;
    private readonly ILocalFaces? _localFaces;
    private readonly LocalRecognition? _local;
    private long _triggerCount;
    private long _searches;
    private long _frameSequence;
    private string? _lastTrigger;
    private string? _lastOutcome;

    public ImageApiFaceMatchSource(
        IOptions<RecognitionOptions> options,
        RekognitionClient client,
        IJpegFrameSource frames,
        TriggerChannel triggers,
        DecisionExecutor executor,
        RecognitionStatusReporter reporter,
        ImageApiBudget budget,
        TimeProvider time,
        ILogger<ImageApiFaceMatchSource> logger,
        ILocalFaces? localFaces = null,
        LocalRecognition? local = null)
    {
        _localFaces = localFaces;
        // Local matching works on the detector's chips: without the detector (refused at start) it has nothing to match.
        _local = localFaces is null ? null : local;
        _options = options.Value.ImageApi;
        _collectionId = _options.CollectionId ?? throw new InvalidOperationException("Recognition:ImageApi:CollectionId is required.");
        _client = client;
        _frames = frames;
        _triggers = triggers;
        _executor = executor;
        _reporter = reporter;
        _budget = budget;
        _time = time;
        _logger = logger;
        _searchOptions = new SearchFacesByImageOptions { FaceMatchThreshold = _options.FaceMatchThreshold, MaxFaces = _options.MaxFaces };
    }

    /// <summary>Raised when a trigger's search has ended, with its outcome (tests and the demo view listen).</summary>
    public event EventHandler<ImageApiSearchEnded>? SearchEnded;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        ChannelReader<Trigger> reader = _triggers.Reader;
        Report("running");
        Task<bool>? waiting = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                _reporter.Heartbeat(RecognitionSources.ImageApi);
                waiting ??= reader.WaitToReadAsync(stoppingToken).AsTask();
                if (!waiting.IsCompleted)
                {
                    // Wake up now and then even when idle, so the watchdog sees this loop alive.
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    Task tick = Task.Delay(HeartbeatInterval, _time, idle.Token);
                    await Task.WhenAny(waiting, tick).ConfigureAwait(false);
                    await idle.CancelAsync().ConfigureAwait(false);
                    stoppingToken.ThrowIfCancellationRequested();
                    if (!waiting.IsCompleted)
                    {
                        continue;
                    }
                }

                if (!await waiting.ConfigureAwait(false))
                {
                    return; // the channel was completed: no more triggers
                }

                waiting = null;
                if (!reader.TryRead(out Trigger? trigger))
                {
                    continue;
                }

                int coalesced = Drain(reader);
                try
                {
                    await HandleTriggerAsync(trigger, coalesced, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // Unexpected (a malformed answer, a bug): this trigger is lost and the door stays locked, but the
                    // source must keep answering the next ones rather than stop the appliance.
                    Log.TriggerFailed(_logger, trigger.Kind, ex);
                    Report("error", ex.Message);
                }
                // Whatever arrived during the search asked for the same look: it has been answered.
                int during = Drain(reader);
                if (during > 0)
                {
                    Log.Coalesced(_logger, during);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            Report("stopped");
        }
    }

    private int Drain(ChannelReader<Trigger> reader)
    {
        int count = 0;
        while (reader.TryRead(out _))
        {
            count++;
            Interlocked.Increment(ref _triggerCount);
        }

        return count;
    }

    /// <summary>Answers one trigger (and <paramref name="coalesced"/> more that asked for the same look).</summary>
    internal async Task<ImageApiSearchEnded> HandleTriggerAsync(Trigger trigger, int coalesced, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _triggerCount);
        _lastTrigger = trigger.Kind;
        if (_budget.Snapshot.Exhausted && !(_local is not null && LocalRecognitionModes.LocalDecides(_local.Mode, CloudAnswer.BudgetSpent)))
        {
            // Spent: the trigger is reported, never acted on, and costs nothing.
            _budget.TriggerIgnored();
            for (int i = 0; i < coalesced; i++)
            {
                _budget.TriggerIgnored();
            }

            ImageApiBudgetSnapshot spent = _budget.Snapshot;
            Log.BudgetExhausted(_logger, trigger.Kind, spent.CallsLastMinute, spent.CallsToday);
            return End(trigger, ImageApiOutcomes.BudgetExhausted, 0, []);
        }

        Log.Triggered(_logger, trigger.Kind, trigger.Detail, coalesced);
        return _localFaces is null
            ? await SearchAsync(trigger, cancellationToken).ConfigureAwait(false)
            : await SearchFacesAsync(trigger, _localFaces, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Searches up to MaxFrames frames within Window of the trigger; returns when a decision was made or the search gave up.</summary>
    private async Task<ImageApiSearchEnded> SearchAsync(Trigger trigger, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(_options.RetryMinDelay, _options.RetryMaxDelay);
        var decisions = new List<Decision>();
        int frames = 0;
        string outcome = ImageApiOutcomes.Undecided;
        string? error = null;
        JpegFrame? previous = null;
        while (frames < _options.MaxFrames && _time.GetElapsedTime(trigger.Timestamp) < _options.Window)
        {
            _reporter.Heartbeat(RecognitionSources.ImageApi);
            // Each frame of one search is newer than the one before: the same image would only get the same answer.
            JpegFrame? frame = await _frames.TryGetFrameAsync(previous, _options.FrameTimeout, cancellationToken).ConfigureAwait(false);
            previous = frame;
            if (frame is null || frame.Data.Length == 0)
            {
                outcome = ImageApiOutcomes.NoFrame;
                error = "no frame from the camera's frame tap";
                Log.NoFrame(_logger, _options.FrameTimeout);
                break;
            }

            RekognitionImage image;
            try
            {
                image = RekognitionImage.FromBytes(frame.Data);
            }
            catch (ArgumentException ex)
            {
                // Larger than the API's 5 MB: Camera:FrameTap is misconfigured; no call is spent on it.
                outcome = ImageApiOutcomes.Error;
                error = ex.Message;
                Log.SearchFailed(_logger, ex.Message);
                break;
            }

            if (!_budget.TryAcquire())
            {
                outcome = ImageApiOutcomes.BudgetExhausted;
                ImageApiBudgetSnapshot spent = _budget.Snapshot;
                Log.BudgetExhausted(_logger, trigger.Kind, spent.CallsLastMinute, spent.CallsToday);
                break;
            }

            SearchFacesByImageResult result;
            try
            {
                Interlocked.Increment(ref _searches);
                result = await _client.SearchFacesByImageAsync(_collectionId, image, _searchOptions, cancellationToken)
                    .ConfigureAwait(false);
                backoff.Reset();
            }
            catch (AwsServiceException ex) when (RekognitionClient.IsNoFaceInImage(ex))
            {
                // A normal answer for a door camera: look at the next frame.
                frames++;
                outcome = ImageApiOutcomes.NoFace;
                error = null;
                continue;
            }
            catch (AwsThrottlingException ex)
            {
                // Retried (each retry is a counted call) while the window and the budget last.
                TimeSpan delay = backoff.Next();
                Log.Throttled(_logger, ex.ErrorCode, delay);
                outcome = ImageApiOutcomes.Error;
                error = ex.Message;
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (Exception ex) when (KinesisFaceMatchSource.IsTransient(ex, cancellationToken))
            {
                frames++;
                outcome = ImageApiOutcomes.Error;
                error = ex.Message;
                Log.SearchFailed(_logger, ex.Message);
                continue;
            }
            catch (Exception ex) when (ex is AwsServiceException or ArgumentException)
            {
                // Access denied, no such collection, a rejected image: retrying cannot help; the door stays locked.
                outcome = ImageApiOutcomes.Error;
                error = ex.Message;
                Log.SearchFailed(_logger, ex.Message);
                break;
            }

            frames++;
            FaceObservation? observation = ToObservation(result, frame, _time.GetUtcNow(), Interlocked.Increment(ref _frameSequence), out string? malformed);
            IReadOnlyList<Decision> frameDecisions = observation is null
                ? [_executor.HandleMalformed(malformed!)]
                // The snapshot is the exact JPEG sent to SearchFacesByImage.
                : await _executor.HandleFrameAsync([observation], SnapshotEvidence.FromBytes(SnapshotOrigins.ImageApi, frame.Data), cancellationToken).ConfigureAwait(false);
            decisions.AddRange(frameDecisions);
            _reporter.ShardProgress(RecognitionSources.ImageApi, RecognitionSources.ImageApi, (long)(_time.GetUtcNow() - frame.CapturedAt).TotalMilliseconds, frame.CapturedAt);
            error = null;
            if (frameDecisions.Any(IsFinal))
            {
                outcome = ImageApiOutcomes.Decided;
                break;
            }

            outcome = ImageApiOutcomes.Undecided;
        }

        return End(trigger, outcome, frames, decisions, error);
    }

    /// <summary>
    /// With the on-device detector (`Vision:Enabled`): every call is a face crop. The face trigger brings the crops of
    /// its best frame; any other trigger, and each later frame of the search, takes the detector's newest look. A look
    /// without a face costs nothing (`no_face_local`). A look with several faces costs one call per face, largest
    /// first, while the budget lasts, and each face is decided on its own (one observation per face, as a stream
    /// processor record with several faces).
    /// </summary>
    private async Task<ImageApiSearchEnded> SearchFacesAsync(Trigger trigger, ILocalFaces localFaces, CancellationToken cancellationToken)
    {
        var decisions = new List<Decision>();
        int frames = 0;
        string outcome = ImageApiOutcomes.Undecided;
        string? error = null;
        LocalFaceLook? look = trigger.Evidence is { Crops: { Count: > 0 } crops, Faces: { } faces } && faces.Count == crops.Count
            ? new LocalFaceLook(0, crops[0].CapturedAt, faces, crops) { Chips = trigger.Evidence.Chips }
            : null;
        LocalFaceLook? previous = null;
        while (frames < _options.MaxFrames && _time.GetElapsedTime(trigger.Timestamp) < _options.Window)
        {
            _reporter.Heartbeat(RecognitionSources.ImageApi);
            look ??= await localFaces.NextLookAsync(previous, _options.FrameTimeout, cancellationToken).ConfigureAwait(false);
            if (look is null)
            {
                outcome = ImageApiOutcomes.NoFrame;
                error = "no frame from the face detector";
                Log.NoFrame(_logger, _options.FrameTimeout);
                break;
            }

            // The trigger's own look has sequence 0: the next one is any newer detection.
            previous = look.Sequence == 0 ? null : look;
            LocalFaceLook current = look;
            look = null;
            frames++;
            if (current.Crops.Count == 0)
            {
                localFaces.CallSaved();
                outcome = ImageApiOutcomes.NoFaceLocal;
                error = null;
                continue;
            }

            var observations = new List<FaceObservation>();
            bool stop = false, spent = false;
            long sequence = Interlocked.Increment(ref _frameSequence);
            for (int i = 0; i < current.Crops.Count && !stop; i++)
            {
                JpegFrame crop = current.Crops[i];
                (CloudAnswer answer, FaceObservation? cloud, string? cloudError) = await AskCloudAsync(trigger, crop, sequence, decisions, cancellationToken).ConfigureAwait(false);
                switch (answer)
                {
                    case CloudAnswer.BudgetSpent:
                        spent = true;
                        break;
                    case CloudAnswer.NoFace:
                        outcome = ImageApiOutcomes.NoFace;
                        break;
                    case CloudAnswer.Unreachable:
                        outcome = ImageApiOutcomes.Error;
                        error = cloudError;
                        break;
                    case CloudAnswer.Failed:
                        // Retrying cannot help (access denied, no such collection): the door stays locked.
                        outcome = ImageApiOutcomes.Error;
                        error = cloudError;
                        stop = true;
                        break;
                }

                FaceObservation? observation = cloud;
                if (_local is { } local)
                {
                    LocalMatch? opinion = LocalRecognitionModes.NeedsLocal(local.Mode, answer, cloud)
                        // One face of one search: the frames of a search agree or not (faces are ordered largest first).
                        ? local.Evaluate(FormattableString.Invariant($"{trigger.Timestamp}#{i}"), crop.CapturedAt, current.Chips is { } chips && i < chips.Count ? chips[i] : null)
                        : null;
                    observation = LocalRecognitionModes.Resolve(local.Mode, answer, cloud, opinion, l =>
                        LocalRecognitionModes.ToObservation(l, i, crop.CapturedAt, _time.GetUtcNow(), sequence));
                    if (answer == CloudAnswer.BudgetSpent && LocalRecognitionModes.LocalDecides(local.Mode, answer))
                    {
                        spent = false; // the local matcher answers in its place: nothing is left unsearched
                    }
                }

                if (answer == CloudAnswer.BudgetSpent && spent)
                {
                    stop = true;
                }

                if (observation is not null)
                {
                    observations.Add(observation with { FaceIndex = i });
                }
            }

            if (observations.Count > 0)
            {
                IReadOnlyList<Decision> frameDecisions = await _executor.HandleFrameAsync(observations, cancellationToken).ConfigureAwait(false);
                decisions.AddRange(frameDecisions);
                _reporter.ShardProgress(RecognitionSources.ImageApi, RecognitionSources.ImageApi, (long)(_time.GetUtcNow() - current.CapturedAt).TotalMilliseconds, current.CapturedAt);
                error = null;
                outcome = frameDecisions.Any(IsFinal) ? ImageApiOutcomes.Decided : ImageApiOutcomes.Undecided;
                stop |= outcome == ImageApiOutcomes.Decided;
            }

            if (spent)
            {
                // Faces were left unsearched: say so, whatever the searched ones decided.
                outcome = ImageApiOutcomes.BudgetExhausted;
            }

            if (stop)
            {
                break;
            }
        }

        return End(trigger, outcome, frames, decisions, error);
    }

    /// <summary>
    /// One face crop to SearchFacesByImage, unless the mode is `only` or the budget is spent. A malformed answer is
    /// audited into <paramref name="decisions"/> and counts as answered without an observation.
    /// </summary>
    private async Task<(CloudAnswer Answer, FaceObservation? Observation, string? Error)> AskCloudAsync(
        Trigger trigger, JpegFrame crop, long sequence, List<Decision> decisions, CancellationToken cancellationToken)
    {
        if (_local is not null && !LocalRecognitionModes.AsksCloud(_local.Mode))
        {
            return (CloudAnswer.NotAsked, null, null);
        }

        if (!_budget.TryAcquire())
        {
            ImageApiBudgetSnapshot budget = _budget.Snapshot;
            Log.BudgetExhausted(_logger, trigger.Kind, budget.CallsLastMinute, budget.CallsToday);
            return (CloudAnswer.BudgetSpent, null, null);
        }

        // In `fallback` a hanging cloud must give way to the local matcher within the search, not after the client's timeout.
        using CancellationTokenSource? timer = _local is { Mode: LocalRecognitionOptions.Fallback }
            ? new CancellationTokenSource(_local.CloudTimeout, _time)
            : null;
        using CancellationTokenSource? bound = timer is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            Interlocked.Increment(ref _searches);
            SearchFacesByImageResult result = await _client.SearchFacesByImageAsync(_collectionId, RekognitionImage.FromBytes(crop.Data), _searchOptions, bound?.Token ?? cancellationToken)
                .ConfigureAwait(false);
            FaceObservation? observation = ToObservation(result, crop, _time.GetUtcNow(), sequence, out string? malformed);
            if (observation is null)
            {
                decisions.Add(_executor.HandleMalformed(malformed!));
            }

            return (CloudAnswer.Answered, observation, null);
        }
        catch (AwsServiceException ex) when (RekognitionClient.IsNoFaceInImage(ex))
        {
            return (CloudAnswer.NoFace, null, null); // the cloud disagreed with the detector for this face
        }
        catch (Exception ex) when (ex is AwsThrottlingException || KinesisFaceMatchSource.IsTransient(ex, cancellationToken))
        {
            Log.SearchFailed(_logger, ex.Message);
            return (CloudAnswer.Unreachable, null, ex.Message);
        }
        catch (Exception ex) when (ex is AwsServiceException or ArgumentException)
        {
            Log.SearchFailed(_logger, ex.Message);
            return (CloudAnswer.Failed, null, ex.Message);
        }
    }

    /// <summary>
    /// A decision that ends the search. Not final: a face below its threshold, awaiting N-of-M confirmation, or a frame
    /// too old or from the future — the next frame may decide.
    /// </summary>
    private static bool IsFinal(Decision decision) => decision.Kind != DecisionKind.Ignored
        || decision.Reason is DecisionReasons.Cooldown or DecisionReasons.Duplicate or DecisionReasons.Malformed;

    /// <summary>
    /// One SearchFacesByImage answer as the observation both paths share. The API searches only the largest face, so
    /// one answer is one face; an empty FaceMatches list is a face that is not in the collection (unknown face).
    /// </summary>
    /// <returns>The observation, or null when the answer is malformed (<paramref name="malformed"/> says why): like a
    /// malformed stream processor record, it is audited and never reaches the policy.</returns>
    public static FaceObservation? ToObservation(
        SearchFacesByImageResult result, JpegFrame frame, DateTimeOffset receivedAt, long sequence, out string? malformed)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(frame);
        for (int i = 0; i < result.FaceMatches.Count; i++)
        {
            // The same range check the Kinesis parser makes: NaN, infinities and values outside 0-100 are not a similarity.
            double similarity = result.FaceMatches[i].Similarity;
            if (!(similarity is >= 0 and <= 100))
            {
                malformed = string.Create(CultureInfo.InvariantCulture, $"FaceMatches[{i}].Similarity {similarity:R} is outside 0-100");
                return null;
            }
        }

        malformed = null;
        FaceCandidate[] candidates = result.FaceMatches
            .Select(m => new FaceCandidate(m.Face.ExternalImageId ?? string.Empty, m.Face.FaceId, m.Similarity))
            .ToArray();
        string recordKey = string.Create(CultureInfo.InvariantCulture, $"image-api|{frame.CapturedAt.ToUnixTimeMilliseconds()}|{sequence}");
        return new FaceObservation(
            RecognitionSources.ImageApi, recordKey, 0, frame.CapturedAt, receivedAt, StreamArn: null, FragmentNumber: null, ProducerTimestamp: null, candidates);
    }

    private ImageApiSearchEnded End(Trigger trigger, string outcome, int frames, IReadOnlyList<Decision> decisions, string? error = null)
    {
        _lastOutcome = outcome;
        Report(outcome == ImageApiOutcomes.Error ? "error" : "running", error);
        TimeSpan elapsed = _time.GetElapsedTime(trigger.Timestamp);
        Log.SearchEnded(_logger, trigger.Kind, outcome, frames, elapsed);
        var ended = new ImageApiSearchEnded(trigger, outcome, frames, decisions, error);
        SearchEnded?.Invoke(this, ended);
        return ended;
    }

    private void Report(string state, string? error = null)
    {
        ImageApiBudgetSnapshot b = _budget.Snapshot;
        var counters = new ImageApiCounters(
            Interlocked.Read(ref _triggerCount), b.TriggersIgnored, Interlocked.Read(ref _searches),
            b.CallsLastMinute, b.CallsToday, b.RemainingThisMinute, b.RemainingToday, _lastTrigger, _lastOutcome);
        _reporter.ImageApiProgress(state, counters, error: error);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1710, EventName = "ImageApiTriggered", Level = LogLevel.Information,
            Message = "Trigger {Kind} ({Detail}); {Coalesced} more coalesced")]
        public static partial void Triggered(ILogger logger, string kind, string? detail, int coalesced);

        [LoggerMessage(EventId = 1711, EventName = "ImageApiSearchEnded", Level = LogLevel.Information,
            Message = "Search for trigger {Kind} ended: {Outcome} after {Frames} frames in {Elapsed}")]
        public static partial void SearchEnded(ILogger logger, string kind, string outcome, int frames, TimeSpan elapsed);

        [LoggerMessage(EventId = 1712, EventName = "ImageApiBudgetExhausted", Level = LogLevel.Warning,
            Message = "Cost budget spent ({CallsLastMinute} calls in the last minute, {CallsToday} today): trigger {Kind} ignored")]
        public static partial void BudgetExhausted(ILogger logger, string kind, int callsLastMinute, int callsToday);

        [LoggerMessage(EventId = 1713, EventName = "ImageApiThrottled", Level = LogLevel.Warning,
            Message = "SearchFacesByImage throttled ({Code}); retrying in {Delay}")]
        public static partial void Throttled(ILogger logger, string? code, TimeSpan delay);

        [LoggerMessage(EventId = 1714, EventName = "ImageApiSearchFailed", Level = LogLevel.Warning,
            Message = "SearchFacesByImage failed: {Error}; the door stays locked")]
        public static partial void SearchFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 1715, EventName = "ImageApiNoFrame", Level = LogLevel.Warning,
            Message = "No frame from the camera's frame tap within {Timeout}")]
        public static partial void NoFrame(ILogger logger, TimeSpan timeout);

        [LoggerMessage(EventId = 1717, EventName = "ImageApiTriggerFailed", Level = LogLevel.Error,
            Message = "Trigger {Kind} failed unexpectedly; the door stays locked and the next trigger is answered")]
        public static partial void TriggerFailed(ILogger logger, string kind, Exception exception);

        [LoggerMessage(EventId = 1716, EventName = "ImageApiCoalesced", Level = LogLevel.Debug,
            Message = "{Count} triggers arrived during the search and were answered by it")]
        public static partial void Coalesced(ILogger logger, int count);
    }
}

/// <summary>One trigger's search, ended.</summary>
public sealed record ImageApiSearchEnded(Trigger Trigger, string Outcome, int Frames, IReadOnlyList<Decision> Decisions, string? Error = null);

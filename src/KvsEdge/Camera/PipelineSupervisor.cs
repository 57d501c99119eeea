using KvsEdge.Common;
using KvsEdge.Gstreamer;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Camera;

/// <summary>
/// Runs the camera pipeline and keeps it running: reads its bus, counts frames after the encoder, declares a stall
/// when frames stop, restarts with capped backoff, and publishes the retained `camera` state. It never blocks the
/// host's start and nothing on the door path waits on it.
/// </summary>
public sealed partial class PipelineSupervisor : BackgroundService
{
    /// <summary>How often frame counters are read (fps, stall detection, status, recording ring).</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>A pipeline that played this long before failing was healthy: the next restart waits the shortest delay.</summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan PublishEvery = TimeSpan.FromSeconds(5);

    /// <summary>How long a stop waits for end-of-stream to reach the sinks.</summary>
    private static readonly TimeSpan FinishTimeout = TimeSpan.FromSeconds(5);

    private readonly CameraOptions _options;
    private readonly ICameraStatusSink _status;
    private readonly IReadOnlyList<FrameBranchRegistration> _branches;
    private readonly TimeProvider _time;
    private readonly ILogger<PipelineSupervisor> _logger;
    private readonly Func<CameraOptions, PipelineBuildRequest, PipelineDescription> _plan;
    private readonly HashSet<string> _reportedUnavailable = new(StringComparer.Ordinal);
    private readonly object _statusGate = new();
    private CameraStatus _current;
    private int _restarts;
    private long _kvsStreamError;
    private long _lastProgressTimestamp;

    /// <param name="motionTap">Registered only when motion triggering is on: the pipeline then gets the GRAY8 branch.</param>
    public PipelineSupervisor(
        IOptions<CameraOptions> options, ICameraStatusSink status, FrameTap frameTap, TimeProvider time, ILogger<PipelineSupervisor> logger, MotionFrameTap? motionTap = null)
        : this(options.Value, status, frameTap, time, logger, plan: null, motionTap)
    {
    }

    /// <param name="branches">Every registered frame branch (JPEG tap, motion tap, ...), in registration order.</param>
    public PipelineSupervisor(
        IOptions<CameraOptions> options, ICameraStatusSink status, IEnumerable<FrameBranchRegistration> branches, TimeProvider time, ILogger<PipelineSupervisor> logger)
        : this(options.Value, status, branches, time, logger, plan: null)
    {
    }

    /// <summary>
    /// The fault suite's camera stall (KVSEDGE_FAULT_POINT=camera-stall): the configured pipeline with a closed valve
    /// right after the source, so it plays but no frame reaches the tee: what a camera that stops delivering looks like.
    /// </summary>
    internal static PipelineDescription StalledSourcePlan(CameraOptions options, PipelineBuildRequest request)
    {
        PipelineDescription description = PipelineBuilder.Build(options, Gst.HasElement, request);
        const string Tee = " ! tee name=raw";
        if (!description.Description.Contains(Tee, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("camera-stall: the pipeline has no raw tee to put the valve in front of.");
        }

        return description with { Description = description.Description.Replace(Tee, " ! valve drop=true" + Tee, StringComparison.Ordinal) };
    }

    /// <param name="plan">Builds the description; tests pass their own to make pipelines fail or stall on purpose.</param>
    internal PipelineSupervisor(
        CameraOptions options,
        ICameraStatusSink status,
        FrameTap frameTap,
        TimeProvider time,
        ILogger<PipelineSupervisor> logger,
        Func<CameraOptions, PipelineBuildRequest, PipelineDescription>? plan,
        MotionFrameTap? motionTap = null)
        : this(options, status, LegacyBranches(options, frameTap, motionTap), time, logger, plan)
    {
    }

    /// <param name="plan">Builds the description; tests pass their own to make pipelines fail or stall on purpose.</param>
    internal PipelineSupervisor(
        CameraOptions options,
        ICameraStatusSink status,
        IEnumerable<FrameBranchRegistration> branches,
        TimeProvider time,
        ILogger<PipelineSupervisor> logger,
        Func<CameraOptions, PipelineBuildRequest, PipelineDescription>? plan)
    {
        ArgumentNullException.ThrowIfNull(branches);
        _branches = [.. branches];
        _options = options;
        _status = status;
        _time = time;
        _logger = logger;
        _plan = plan ?? ((o, request) => PipelineBuilder.Build(o, Gst.HasElement, request));
        _current = new CameraStatus(CameraState.Stopped, options.Source, null, [], 0, 0, 0, null, time.GetUtcNow());
    }

    /// <summary>The JPEG tap when `Camera:FrameTap` is on, then the motion tap when given: the two branches as they were wired by hand.</summary>
    private static FrameBranchRegistration[] LegacyBranches(CameraOptions options, FrameTap frameTap, MotionFrameTap? motionTap)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(frameTap);
        List<FrameBranchRegistration> branches = [];
        if (options.FrameTap is { Enabled: true } tap)
        {
            branches.Add(new FrameBranchRegistration(FrameBranch.Jpeg(tap), frameTap));
        }

        if (motionTap is not null)
        {
            branches.Add(motionTap.Registration);
        }

        return [.. branches];
    }

    /// <summary>Raised on every published camera state (the demo's live view listens).</summary>
    public event EventHandler<CameraStatus>? StatusChanged;

    public CameraStatus Current
    {
        get
        {
            lock (_statusGate)
            {
                return _current;
            }
        }
    }

    /// <summary>TimeProvider timestamp of the supervisor's last loop turn, for the service watchdog.</summary>
    public long LastProgressTimestamp => Interlocked.Read(ref _lastProgressTimestamp);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // StartAsync must return at once: parsing and starting a pipeline are blocking native calls.
        await Task.Yield();
        if (!_options.Enabled)
        {
            // No camera, no camera topic: the empty retained payload also deletes one left from when it was on.
            Publish(CameraState.Stopped, null, [], 0, 0, null, publish: false);
            _status.Clear();
            return;
        }

        try
        {
            Gst.Initialize();
        }
        catch (GstreamerException ex)
        {
            Log.GstreamerUnavailable(_logger, ex.Message);
            Publish(CameraState.Error, null, [], 0, 0, ex.Message);
            return;
        }

        var backoff = new Backoff(_options.RestartMinDelay, _options.RestartMaxDelay);
        RecordingRing? ring = _options.EffectiveSinks.Contains(CameraOptions.RecordSink, StringComparer.OrdinalIgnoreCase)
            ? RecordingRing.FromOptions(_options.Record)
            : null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Heartbeat();
                long started = _time.GetTimestamp();
                string reason = await RunOnceAsync(ring, stoppingToken).ConfigureAwait(false);
                stoppingToken.ThrowIfCancellationRequested();
                TrimRing(ring);

                int restarts = Interlocked.Increment(ref _restarts);
                if (_time.GetElapsedTime(started) >= StableAfter)
                {
                    backoff.Reset();
                }

                TimeSpan delay = backoff.Next();
                Log.Restarting(_logger, reason, delay, restarts);
                CameraStatus last = Current;
                Publish(CameraState.Error, last.Encoder, last.Sinks, 0, 0, reason);
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }

        CameraStatus final = Current;
        Publish(CameraState.Stopped, final.Encoder, final.Sinks, 0, 0, final.LastError);
    }

    /// <summary>Builds, starts and watches one pipeline; returns why it ended.</summary>
    private async Task<string> RunOnceAsync(RecordingRing? ring, CancellationToken cancellationToken)
    {
        PipelineDescription plan;
        try
        {
            plan = _plan(_options, new PipelineBuildRequest
            {
                RecordStartIndex = ring?.NextStartIndex() ?? 0,
                DefaultRegion = Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION"),
                Branches = [.. _branches.Select(b => b.Branch)],
            });
        }
        catch (CameraConfigurationException ex)
        {
            return ex.Message;
        }

        // A missing sink element (kvssink is not packaged by Debian) is said once, clearly; the other sinks run on.
        string? unavailable = plan.UnavailableSinks.Count == 0 ? null : string.Join(" ", plan.UnavailableSinks.Select(u => u.Message));
        foreach (UnavailableSink sink in plan.UnavailableSinks.Where(u => _reportedUnavailable.Add(u.Sink)))
        {
            Log.SinkUnavailable(_logger, sink.Sink, sink.Element, sink.Message);
        }

        string sinks = string.Join(",", plan.Sinks);
        Log.PipelineStarting(_logger, plan.Encoder, sinks, plan.Description); // the description never holds secrets
        Publish(CameraState.Starting, plan.Encoder, plan.Sinks, 0, 0, unavailable ?? Current.LastError);

        if (plan.RecordDirectory is { } directory)
        {
            try
            {
                Directory.CreateDirectory(directory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return $"cannot create the recording directory {directory}: {ex.Message}";
            }
        }

        Pipeline pipeline;
        try
        {
            pipeline = Pipeline.Parse(plan.Description);
        }
        catch (GstreamerException ex)
        {
            return ex.Message;
        }

        using (pipeline)
        {
            using Element counterElement = pipeline.GetElement(PipelineDescription.CounterName)
                ?? throw new InvalidOperationException($"The pipeline has no '{PipelineDescription.CounterName}' element to count frames on.");
            using BufferCounter counter = pipeline.AddBufferProbe(counterElement, "src");
            BusReader bus = pipeline.CreateBusReader();
            await using (bus.ConfigureAwait(false))
            {
                using Element? kvs = plan.Sinks.Contains(CameraOptions.KvsSink) ? pipeline.GetElement(PipelineDescription.KvsName) : null;
                Interlocked.Exchange(ref _kvsStreamError, 0);
                using SignalSubscription? kvsErrors = kvs?.ConnectStreamError(code => Interlocked.Exchange(ref _kvsStreamError, (long)code));
                List<(IFrameBranchConsumer Consumer, AppSink Sink, BufferCounter Arrivals)> taps = [];
                try
                {
                    foreach (FrameBranchRegistration registration in _branches.Where(r => InPlan(plan, r.Branch.Name)))
                    {
                        if (pipeline.GetAppSink(registration.Branch.Name) is not { } sink)
                        {
                            continue;
                        }

                        try
                        {
                            // Stamps each frame's arrival at the appsink: its capture time (the access policy ages JPEGs by it).
                            taps.Add((registration.Consumer, sink, pipeline.AddBufferProbe(sink.Element, "sink")));
                        }
                        catch
                        {
                            sink.Dispose();
                            throw;
                        }
                    }

                    return await PlayAsync(pipeline, plan, bus, counter, ring, unavailable, taps, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    foreach ((_, AppSink sink, BufferCounter arrivals) in taps)
                    {
                        arrivals.Dispose();
                        sink.Dispose();
                    }
                }
            }
        }
    }

    private async Task<string> PlayAsync(
        Pipeline pipeline,
        PipelineDescription plan,
        BusReader bus,
        BufferCounter counter,
        RecordingRing? ring,
        string? unavailable,
        List<(IFrameBranchConsumer Consumer, AppSink Sink, BufferCounter Arrivals)> taps,
        CancellationToken cancellationToken)
    {
        try
        {
            if (pipeline.SetState(PipelineState.Playing) == StateChangeResult.Failure)
            {
                return await FirstErrorAsync(bus, cancellationToken).ConfigureAwait(false) ?? "the pipeline refused to start";
            }

            foreach ((IFrameBranchConsumer consumer, AppSink sink, BufferCounter arrivals) in taps)
            {
                consumer.Attach(sink, arrivals);
            }

            return await WatchAsync(pipeline, plan, bus, counter, ring, unavailable, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await FinishAsync(pipeline, bus).ConfigureAwait(false);
            throw;
        }
        finally
        {
            // Every consumer, attached or not: detaching waits for a pull in flight before the sinks are disposed.
            foreach (FrameBranchRegistration registration in _branches)
            {
                registration.Consumer.Detach();
            }

            pipeline.SetState(PipelineState.Null);
        }
    }

    /// <summary>Branches the plan holds; hand-made plans (tests) only set the flags of the two original taps.</summary>
    private static bool InPlan(PipelineDescription plan, string name) =>
        plan.Branches.Any(b => b.Name == name)
        || (name == PipelineDescription.TapName && plan.HasFrameTap)
        || (name == PipelineDescription.MotionTapName && plan.HasMotionTap);

    private async Task<string> WatchAsync(
        Pipeline pipeline, PipelineDescription plan, BusReader bus, BufferCounter counter, RecordingRing? ring, string? unavailable, CancellationToken cancellationToken)
    {
        var meter = new FrameRateMeter(TimeSpan.FromSeconds(5));
        long start = _time.GetTimestamp();
        long lastBuffers = -1;
        long lastFrameAt = start;
        long lastPublished = start;
        string state = CameraState.Starting;
        bool looping = false;
        Task<bool>? message = null;
        Task? tick = null;
        while (true)
        {
            // Keep one pending wait of each kind across turns, so idle seconds do not pile up waiters and timers.
            message ??= bus.Messages.WaitToReadAsync(cancellationToken).AsTask();
            tick ??= Task.Delay(Tick, _time, cancellationToken);
            await Task.WhenAny(message, tick).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            Heartbeat();

            if (message.IsCompleted)
            {
                message = null;
                while (bus.Messages.TryRead(out BusMessage? m))
                {
                    switch (m.Type)
                    {
                        case BusMessageType.Error:
                            Log.PipelineError(_logger, m.SourceName, m.Text, m.DebugInfo);
                            return $"{m.SourceName}: {m.Text}";
                        case BusMessageType.EndOfStream:
                            return "end of stream";
                        case BusMessageType.AsyncDone when plan.LoopsSource && !looping && m.SourceName == pipeline.Name:
                            // Playing: from now on the file ends in SEGMENT_DONE, not EOS. Not flushing, so the few
                            // frames already shown are followed by the start again and running time never goes back.
                            looping = pipeline.SeekSegmentToStart(flush: false);
                            if (!looping)
                            {
                                return "the camera file cannot seek, so it cannot loop";
                            }

                            break;
                        case BusMessageType.SegmentDone when looping:
                            // Non-flushing: the next loop follows on, running time keeps growing as with a camera.
                            if (!pipeline.SeekSegmentToStart(flush: false))
                            {
                                return "the camera file could not seek back to its start";
                            }

                            Log.FileLooped(_logger);
                            break;
                        case BusMessageType.Warning:
                            Log.PipelineWarning(_logger, m.SourceName, m.Text);
                            break;
                        case BusMessageType.StateChanged when m.SourceName == pipeline.Name && m.NewState == PipelineState.Playing:
                            state = CameraState.Playing;
                            Publish(state, plan.Encoder, plan.Sinks, meter.Fps, (int)meter.Kbps, unavailable);
                            break;
                    }
                }
            }

            if (!tick.IsCompleted)
            {
                continue;
            }

            tick = null;
            long now = _time.GetTimestamp();
            long buffers = counter.Buffers;
            meter.Add(_time.GetElapsedTime(start, now), buffers, counter.Bytes);
            if (buffers != lastBuffers)
            {
                lastBuffers = buffers;
                lastFrameAt = now;
            }
            else if (_time.GetElapsedTime(lastFrameAt, now) >= _options.StallTimeout)
            {
                return $"stalled: no frame for {_options.StallTimeout.TotalSeconds:0.#} s";
            }

            if (Interlocked.Read(ref _kvsStreamError) is var code and not 0)
            {
                return $"kvssink reported stream error 0x{code:x}";
            }

            if (_time.GetElapsedTime(lastPublished, now) >= PublishEvery)
            {
                lastPublished = now;
                TrimRing(ring);
                Publish(state, plan.Encoder, plan.Sinks, meter.Fps, (int)meter.Kbps, unavailable);
            }
        }
    }

    /// <summary>
    /// A clean stop ends the stream first, so muxers write their index and the last recording segment stays
    /// playable; bounded, because a wedged element must not hold up the service's stop.
    /// </summary>
    private async Task FinishAsync(Pipeline pipeline, BusReader bus)
    {
        if (!pipeline.SendEndOfStream())
        {
            return;
        }

        using var limit = new CancellationTokenSource(FinishTimeout);
        try
        {
            await foreach (BusMessage m in bus.Messages.ReadAllAsync(limit.Token).ConfigureAwait(false))
            {
                if (m.Type is BusMessageType.EndOfStream or BusMessageType.Error)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Log.FinishTimedOut(_logger, FinishTimeout);
        }
    }

    /// <summary>After a failed start the reason is on the bus; wait for it briefly.</summary>
    private static async Task<string?> FirstErrorAsync(BusReader bus, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await foreach (BusMessage m in bus.Messages.ReadAllAsync(timeout.Token).ConfigureAwait(false))
            {
                if (m.Type == BusMessageType.Error)
                {
                    return $"{m.SourceName}: {m.Text}";
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // No error message came.
        }

        return null;
    }

    private void TrimRing(RecordingRing? ring)
    {
        if (ring is null)
        {
            return;
        }

        try
        {
            foreach (RecordingSegment deleted in ring.Trim())
            {
                Log.SegmentDeleted(_logger, deleted.Path);
            }
        }
        catch (IOException ex)
        {
            Log.RingTrimFailed(_logger, ex.Message);
        }
    }

    private void Heartbeat() => Interlocked.Exchange(ref _lastProgressTimestamp, _time.GetTimestamp());

    private void Publish(string state, string? encoder, IReadOnlyList<string> sinks, double fps, int kbps, string? lastError, bool publish = true)
    {
        CameraStatus status = new(state, _options.Source, encoder, sinks, fps, kbps, Volatile.Read(ref _restarts), lastError, _time.GetUtcNow());
        lock (_statusGate)
        {
            _current = status;
        }

        if (publish)
        {
            _status.Publish(status);
        }

        StatusChanged?.Invoke(this, status);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1600, EventName = "PipelineStarting", Level = LogLevel.Information,
            Message = "Starting camera pipeline (encoder {Encoder}, sinks {Sinks}): {Description}")]
        public static partial void PipelineStarting(ILogger logger, string encoder, string sinks, string description);

        [LoggerMessage(EventId = 1601, EventName = "PipelineError", Level = LogLevel.Error,
            Message = "Camera pipeline error from {Element}: {Text} ({Debug})")]
        public static partial void PipelineError(ILogger logger, string? element, string? text, string? debug);

        [LoggerMessage(EventId = 1602, EventName = "PipelineWarning", Level = LogLevel.Warning,
            Message = "Camera pipeline warning from {Element}: {Text}")]
        public static partial void PipelineWarning(ILogger logger, string? element, string? text);

        [LoggerMessage(EventId = 1603, EventName = "Restarting", Level = LogLevel.Warning,
            Message = "Camera pipeline ended ({Reason}); restart {Restarts} in {Delay}")]
        public static partial void Restarting(ILogger logger, string reason, TimeSpan delay, int restarts);

        [LoggerMessage(EventId = 1604, EventName = "SinkUnavailable", Level = LogLevel.Error,
            Message = "Camera sink '{Sink}' is unavailable ({Element}); the other sinks keep running. {Message}")]
        public static partial void SinkUnavailable(ILogger logger, string sink, string element, string message);

        [LoggerMessage(EventId = 1605, EventName = "GstreamerUnavailable", Level = LogLevel.Error,
            Message = "GStreamer cannot be loaded; the camera stays off, door access is unaffected: {Error}")]
        public static partial void GstreamerUnavailable(ILogger logger, string error);

        [LoggerMessage(EventId = 1606, EventName = "SegmentDeleted", Level = LogLevel.Debug,
            Message = "Deleted old recording segment {Path}")]
        public static partial void SegmentDeleted(ILogger logger, string path);

        [LoggerMessage(EventId = 1608, EventName = "FinishTimedOut", Level = LogLevel.Warning,
            Message = "End of stream did not reach the sinks within {Timeout}; the last segment may be incomplete")]
        public static partial void FinishTimedOut(ILogger logger, TimeSpan timeout);

        [LoggerMessage(EventId = 1609, EventName = "FileLooped", Level = LogLevel.Debug,
            Message = "The camera file reached its end and plays again from the start")]
        public static partial void FileLooped(ILogger logger);

        [LoggerMessage(EventId = 1607, EventName = "RingTrimFailed", Level = LogLevel.Warning,
            Message = "Could not trim the recording ring: {Error}")]
        public static partial void RingTrimFailed(ILogger logger, string error);
    }
}

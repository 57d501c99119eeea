using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Snapshots;

/// <summary>Where a snapshot's JPEG came from (the `origin` of its metadata).</summary>
public static class SnapshotOrigins
{
    /// <summary>The exact bytes sent to SearchFacesByImage.</summary>
    public const string ImageApi = "image-api";

    /// <summary>The local frame tap's newest frame when a stream processor record arrived: the local view, not the cloud's frame.</summary>
    public const string FrameTap = "frame-tap";
}

/// <summary>
/// The JPEG a frame was decided on, handed to the executor by the source. <see cref="Start"/> is called only when the
/// snapshot is kept (so a throttled one costs no frame pull); its task may still be running (the frame tap's pull): the
/// writer loop awaits it, the decision never does; null bytes mean there is nothing to keep.
/// </summary>
public sealed record SnapshotEvidence(string Origin, Func<Task<byte[]?>> Start)
{
    public SnapshotEvidence(string origin, Task<byte[]?> jpeg)
        : this(origin, () => jpeg)
    {
    }

    public static SnapshotEvidence FromBytes(string origin, byte[] jpeg) => new(origin, Task.FromResult<byte[]?>(jpeg));
}

/// <summary>A snapshot the writer loop handled: the bytes, and whether the ring kept them (a full disk does not).</summary>
public sealed record SnapshotWritten(SnapshotInfo Info, byte[] Jpeg, bool Stored);

/// <summary>
/// Keeps decision snapshots off the decision's critical path: <see cref="Submit"/> only names the snapshot and queues
/// it (a bounded queue; full → dropped), and this loop waits for the bytes, writes them to the <see cref="SnapshotRing"/>
/// and raises <see cref="Written"/> (the MQTT image topic listens). A read-only or full directory drops snapshots and
/// logs once until a write succeeds again; it never delays or changes a decision.
/// </summary>
public sealed partial class SnapshotWriter : BackgroundService
{
    /// <summary>The decision label of a grant: its snapshot is always kept.</summary>
    public const string GrantedDecision = "access_granted";

    /// <summary>Snapshots waiting to be written; beyond this they are dropped, never waited for.</summary>
    public const int QueueCapacity = 8;

    /// <summary>How long the loop waits for a frame tap pull still running when the decision was made.</summary>
    public static readonly TimeSpan FrameWait = TimeSpan.FromSeconds(2);

    private readonly SnapshotRing _ring;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<(SnapshotInfo Info, Task<byte[]?> Jpeg)> _queue =
        Channel.CreateBounded<(SnapshotInfo, Task<byte[]?>)>(new BoundedChannelOptions(QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then says false instead of dropping silently
            SingleReader = true,
        });

    private readonly TimeSpan _minInterval;
    private readonly Lock _throttleGate = new();
    private DateTimeOffset? _lastWithoutGrant;
    private long _sequence;
    private long _throttled;
    private int _writeFailing;
    private int _queueFull;
    private long _dropped;

    public SnapshotWriter(SnapshotOptions options, string stateDirectory, TimeProvider time, ILogger<SnapshotWriter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Enabled = options.Enabled;
        _minInterval = options.MinInterval;
        _ring = new SnapshotRing(stateDirectory, options.MaxCount, options.MaxBytes);
        _time = time;
        _logger = logger;
    }

    public bool Enabled { get; }

    public SnapshotRing Ring => _ring;

    /// <summary>Snapshots dropped: queue full, no bytes, or the directory could not be written.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Snapshots of decisions without a grant not kept because one was kept less than MinInterval before.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>Raised by the writer loop for each snapshot with bytes, kept or not (the image topic shows it either way).</summary>
    public event EventHandler<SnapshotWritten>? Written;

    /// <summary>
    /// Names a snapshot and queues it; never blocks. Null when snapshots are off, when a decision without a grant comes
    /// within MinInterval of the last one kept, or when the queue is full (then the decision's event carries no snapshot id).
    /// </summary>
    public string? Submit(DateTimeOffset decidedAt, string decision, string? person, SnapshotEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        if (!Enabled || IsThrottled(decidedAt, decision))
        {
            return null;
        }

        string id = SnapshotRing.NewId(decidedAt, Interlocked.Increment(ref _sequence));
        var info = new SnapshotInfo(id, decidedAt, decision, person, evidence.Origin, 0);
        if (!_queue.Writer.TryWrite((info, evidence.Start())))
        {
            Interlocked.Increment(ref _dropped);
            if (Interlocked.Exchange(ref _queueFull, 1) == 0)
            {
                Log.QueueFull(_logger, QueueCapacity);
            }

            return null;
        }

        Interlocked.Exchange(ref _queueFull, 0);
        return id;
    }

    private bool IsThrottled(DateTimeOffset decidedAt, string decision)
    {
        if (decision == GrantedDecision || _minInterval == TimeSpan.Zero)
        {
            return false;
        }

        lock (_throttleGate)
        {
            // A clock stepped back (NTP) counts as due, so a wrong clock never silences the evidence for long.
            if (_lastWithoutGrant is { } last && decidedAt >= last && decidedAt - last < _minInterval)
            {
                Interlocked.Increment(ref _throttled);
                return true;
            }

            _lastWithoutGrant = decidedAt;
            return false;
        }
    }

    /// <summary>Applies the bounds to what earlier runs stored (they may have been lowered) and clears interrupted writes.</summary>
    public void PruneAtStart()
    {
        try
        {
            int deleted = _ring.Prune();
            Log.Pruned(_logger, deleted, _ring.Directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.PruneFailed(_logger, _ring.Directory, ex.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        await Task.Yield();
        PruneAtStart();
        try
        {
            await foreach ((SnapshotInfo info, Task<byte[]?> jpeg) in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await WriteAsync(info, jpeg, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is still queued is dropped, like any snapshot the disk could not take.
        }
    }

    private async Task WriteAsync(SnapshotInfo info, Task<byte[]?> jpeg, CancellationToken cancellationToken)
    {
        byte[]? bytes;
        try
        {
            bytes = await jpeg.WaitAsync(FrameWait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            bytes = null;
        }

        if (bytes is not { Length: > 0 })
        {
            Interlocked.Increment(ref _dropped);
            Log.NoImage(_logger, info.Id);
            return;
        }

        info = info with { Bytes = bytes.Length };
        bool stored = false;
        try
        {
            stored = _ring.Store(info, bytes);
            if (!stored)
            {
                Log.TooLarge(_logger, info.Id, bytes.Length);
            }
            else if (Interlocked.Exchange(ref _writeFailing, 0) == 1)
            {
                Log.WritableAgain(_logger, _ring.Directory);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Read-only or full: drop it and say so once, not once per decision.
            Interlocked.Increment(ref _dropped);
            if (Interlocked.Exchange(ref _writeFailing, 1) == 0)
            {
                Log.WriteFailed(_logger, _ring.Directory, ex.Message);
            }
        }

        try
        {
            Written?.Invoke(this, new SnapshotWritten(info, bytes, stored));
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            Log.PublishFailed(_logger, info.Id, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1350, EventName = "SnapshotWriteFailed", Level = LogLevel.Warning,
            Message = "Cannot write decision snapshots to {Directory} ({Error}): snapshots are dropped until it is writable; decisions are unaffected")]
        public static partial void WriteFailed(ILogger logger, string directory, string error);

        [LoggerMessage(EventId = 1351, EventName = "SnapshotWritableAgain", Level = LogLevel.Information,
            Message = "Decision snapshots are written to {Directory} again")]
        public static partial void WritableAgain(ILogger logger, string directory);

        [LoggerMessage(EventId = 1352, EventName = "SnapshotQueueFull", Level = LogLevel.Warning,
            Message = "{Capacity} decision snapshots are waiting to be written: new ones are dropped until the writer catches up")]
        public static partial void QueueFull(ILogger logger, int capacity);

        [LoggerMessage(EventId = 1353, EventName = "SnapshotNoImage", Level = LogLevel.Debug,
            Message = "Snapshot {Id} has no image (the frame tap gave no frame in time): not kept")]
        public static partial void NoImage(ILogger logger, string id);

        [LoggerMessage(EventId = 1354, EventName = "SnapshotTooLarge", Level = LogLevel.Warning,
            Message = "Snapshot {Id} ({Bytes} bytes) is larger than Snapshots:MaxBytes: not kept")]
        public static partial void TooLarge(ILogger logger, string id, int bytes);

        [LoggerMessage(EventId = 1355, EventName = "SnapshotsPruned", Level = LogLevel.Information,
            Message = "Snapshot ring checked at start: {Deleted} old snapshots removed from {Directory}")]
        public static partial void Pruned(ILogger logger, int deleted, string directory);

        [LoggerMessage(EventId = 1356, EventName = "SnapshotPruneFailed", Level = LogLevel.Warning,
            Message = "Cannot check the snapshot ring {Directory} at start: {Error}")]
        public static partial void PruneFailed(ILogger logger, string directory, string error);

        [LoggerMessage(EventId = 1357, EventName = "SnapshotPublishFailed", Level = LogLevel.Warning,
            Message = "Snapshot {Id} could not be published: {Error}")]
        public static partial void PublishFailed(ILogger logger, string id, string error);
    }
}

using KvsEdge.Status;

namespace KvsEdge.Recognition;

/// <summary>
/// Folds the progress of a source (and its shards) into the retained `recognition` state. Lag changes on every
/// poll, so an unchanged state is re-published at most every <see cref="RepublishInterval"/>.
/// </summary>
public sealed class RecognitionStatusReporter
{
    public static readonly TimeSpan RepublishInterval = TimeSpan.FromSeconds(5);

    private readonly IStatusPublisher _publisher;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, long> _lagByShard = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private RecognitionStatus? _last;
    private DateTimeOffset _lastPublished;
    private readonly Dictionary<string, long> _progressBySource = new(StringComparer.Ordinal);
    private ImageApiCounters? _imageApi;
    private string _ledger = RecognitionStatus.LedgerOk;
    private string? _configError;
    private LocalRecognitionState? _local;

    public RecognitionStatusReporter(IStatusPublisher publisher, TimeProvider time)
    {
        _publisher = publisher;
        _time = time;
    }

    public RecognitionStatus? Current
    {
        get
        {
            lock (_gate)
            {
                return _last;
            }
        }
    }

    /// <summary>
    /// Monotonic timestamp (TimeProvider.GetTimestamp) of the latest update (a poll, a record, a retry on schedule, an
    /// idle heartbeat) of the source that updated least recently; 0 before any. With two sources (`kinesis,image-api`)
    /// a hung loop shows here even while the other one keeps going. A source that reported `stopped` no longer counts.
    /// </summary>
    public long LastProgressTimestamp
    {
        get
        {
            lock (_gate)
            {
                return _progressBySource.Count == 0 ? 0 : _progressBySource.Values.Min();
            }
        }
    }

    public void Report(string source, string state, string? error = null) => Update(source, state, shard: null, lagMs: null, lastRecordAt: null, error);

    /// <summary>A shard poll succeeded: its lag and, if it carried records, the newest frame time.</summary>
    public void ShardProgress(string source, string shardId, long? lagMs, DateTimeOffset? lastRecordAt) =>
        Update(source, "running", shardId, lagMs, lastRecordAt, error: null);

    /// <summary>
    /// A loop that waits for work (the image-API source waiting for triggers) is alive: advances
    /// <see cref="LastProgressTimestamp"/> without publishing anything.
    /// </summary>
    public void Heartbeat(string source)
    {
        lock (_gate)
        {
            _progressBySource[source] = _time.GetTimestamp();
        }
    }

    /// <summary>New image-API counters; published at once when the budget or the outcome changed.</summary>
    public void ImageApiProgress(string state, ImageApiCounters counters, DateTimeOffset? lastRecordAt = null, string? error = null)
    {
        lock (_gate)
        {
            _imageApi = counters;
        }

        Update(RecognitionSources.ImageApi, state, shard: null, lagMs: null, lastRecordAt, error);
    }

    /// <summary>The grant ledger became unavailable or usable again: re-published at once with the last state.</summary>
    public void LedgerAvailability(bool available)
    {
        RecognitionStatus? next;
        lock (_gate)
        {
            _ledger = available ? RecognitionStatus.LedgerOk : RecognitionStatus.LedgerUnavailable;
            if (_last is null)
            {
                return; // carried by the first state a source reports
            }

            next = _last with { Ledger = _ledger };
            _last = next;
            _lastPublished = _time.GetUtcNow();
        }

        _publisher.PublishRecognition(next);
    }

    /// <summary>
    /// Sets (or clears, with null) the `config_error` of the retained state: a refused configuration reload. Published
    /// at once when it changed and a state exists; otherwise it goes out with the first state.
    /// </summary>
    public void ReportConfigError(string? error)
    {
        RecognitionStatus next;
        lock (_gate)
        {
            if (_configError == error)
            {
                return;
            }

            _configError = error;
            if (_last is null)
            {
                return;
            }

            next = _last with { ConfigError = error };
            _last = next;
            _lastPublished = _time.GetUtcNow();
        }

        _publisher.PublishRecognition(next);
    }

    /// <summary>
    /// Sets the `local` object (gallery loaded or refused, last local match): published at once when it changed and a
    /// state exists; otherwise it goes out with the first state.
    /// </summary>
    public void ReportLocal(LocalRecognitionState local)
    {
        RecognitionStatus next;
        lock (_gate)
        {
            if (_local == local)
            {
                return;
            }

            _local = local;
            if (_last is null)
            {
                return;
            }

            next = _last with { Local = local };
            _last = next;
            _lastPublished = _time.GetUtcNow();
        }

        _publisher.PublishRecognition(next);
    }

    public void ShardClosed(string shardId)
    {
        lock (_gate)
        {
            _lagByShard.Remove(shardId);
        }
    }

    private void Update(string source, string state, string? shard, long? lagMs, DateTimeOffset? lastRecordAt, string? error)
    {
        RecognitionStatus next;
        lock (_gate)
        {
            if (state == "stopped")
            {
                _progressBySource.Remove(source); // ended cleanly: no longer expected to progress
            }
            else
            {
                _progressBySource[source] = _time.GetTimestamp(); // any update, a backoff retry too, shows the loop alive
            }

            if (shard is not null)
            {
                _lagByShard[shard] = lagMs ?? 0;
            }

            long? lag = _lagByShard.Count > 0 ? _lagByShard.Values.Max() : _last?.LagMs;
            next = new RecognitionStatus(source, state, lag, lastRecordAt ?? _last?.LastRecordAt, error) { ImageApi = _imageApi, ConfigError = _configError, Ledger = _ledger, Local = _local };
            DateTimeOffset now = _time.GetUtcNow();
            bool changed = _last is null || _last.State != next.State || _last.LastError != next.LastError || _last.Source != next.Source
                || _last.LastRecordAt != next.LastRecordAt || _last.ImageApi != next.ImageApi || _last.ConfigError != next.ConfigError
                || _last.Ledger != next.Ledger || _last.Local != next.Local;
            if (!changed && now - _lastPublished < RepublishInterval)
            {
                _last = next;
                return;
            }

            _last = next;
            _lastPublished = now;
        }

        _publisher.PublishRecognition(next);
    }
}

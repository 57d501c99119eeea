using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Camera;
using KvsEdge.Snapshots;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Recognition;

/// <summary>What came of one record: how many faces unlocked the door, and the frame time if it parsed.</summary>
public readonly record struct RecordOutcome(int Grants, DateTimeOffset? FrameTime);

/// <summary>
/// Parses one stream-processor record and hands its faces to the executor. A malformed record is audited and
/// skipped; it can never stop the loop that read it.
/// </summary>
public sealed partial class FaceSearchRecordHandler
{
    private readonly DecisionExecutor _executor;
    private readonly TimeProvider _time;
    private readonly ILogger<FaceSearchRecordHandler> _logger;
    private readonly IJpegFrameSource? _frames;
    private readonly SnapshotWriter? _snapshots;

    /// <param name="frames">The local frame tap: its newest frame when a record arrives is the decision's snapshot.</param>
    public FaceSearchRecordHandler(
        DecisionExecutor executor, TimeProvider time, ILogger<FaceSearchRecordHandler> logger, IJpegFrameSource? frames = null, SnapshotWriter? snapshots = null)
    {
        _executor = executor;
        _time = time;
        _logger = logger;
        _frames = frames;
        _snapshots = snapshots;
    }

    /// <param name="context">Where the record came from (shard and sequence number), for the log and the event.</param>
    public async Task<RecordOutcome> HandleAsync(ReadOnlyMemory<byte> data, string source, string context, CancellationToken cancellationToken)
    {
        FaceSearchParseResult result = FaceSearchRecordParser.Parse(data.Span, source, _time.GetUtcNow());
        if (result.Frame is not { } frame)
        {
            Log.MalformedRecord(_logger, context, result.Error);
            _executor.HandleMalformed($"{context}: {result.Error}");
            return new RecordOutcome(0, null);
        }

        IReadOnlyList<Decision> decisions = await _executor.HandleFrameAsync(frame.Faces, Evidence(), cancellationToken).ConfigureAwait(false);
        return new RecordOutcome(decisions.Count(d => d.Kind == DecisionKind.Granted), frame.FrameTime);
    }

    /// <summary>
    /// The frame tap's newest frame as the record arrived: the local camera's view, not the frame the cloud analysed
    /// (the stream processor sends no image). The pull runs beside the decision, which never waits for it; with no
    /// frame tap running there is no snapshot.
    /// </summary>
    private readonly Lock _pullLock = new();
    private Task<byte[]?>? _pull;

    private SnapshotEvidence? Evidence()
    {
        if (_snapshots is not { Enabled: true } || _frames is null || _frames is FrameTap { IsAttached: false })
        {
            return null;
        }

        // Started only when the snapshot is kept; one pull in flight at most: records arriving faster than the camera's
        // frames share it (they arrived before the same next frame), so waits never pile up behind a slow camera.
        IJpegFrameSource frames = _frames;
        return new SnapshotEvidence(SnapshotOrigins.FrameTap, () =>
        {
            lock (_pullLock)
            {
                if (_pull is null || _pull.IsCompleted)
                {
                    _pull = PullAsync(frames);
                }

                return _pull;
            }
        });

        static async Task<byte[]?> PullAsync(IJpegFrameSource frames)
        {
            JpegFrame? frame = await frames.TryGetFrameAsync(null, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
            return frame?.Data;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1100, EventName = "MalformedRecord", Level = LogLevel.Warning,
            Message = "Skipping malformed record {Context}: {Error}")]
        public static partial void MalformedRecord(ILogger logger, string context, string? error);
    }
}

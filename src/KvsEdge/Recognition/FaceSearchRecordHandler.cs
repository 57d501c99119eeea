using KvsEdge.Access;
using KvsEdge.Actions;
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

    public FaceSearchRecordHandler(DecisionExecutor executor, TimeProvider time, ILogger<FaceSearchRecordHandler> logger)
    {
        _executor = executor;
        _time = time;
        _logger = logger;
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

        IReadOnlyList<Decision> decisions = await _executor.HandleFrameAsync(frame.Faces, cancellationToken).ConfigureAwait(false);
        return new RecordOutcome(decisions.Count(d => d.Kind == DecisionKind.Granted), frame.FrameTime);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1100, EventName = "MalformedRecord", Level = LogLevel.Warning,
            Message = "Skipping malformed record {Context}: {Error}")]
        public static partial void MalformedRecord(ILogger logger, string context, string? error);
    }
}

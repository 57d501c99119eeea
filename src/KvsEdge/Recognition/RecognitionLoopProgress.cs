using KvsEdge.Systemd;
using Microsoft.Extensions.Options;

namespace KvsEdge.Recognition;

/// <summary>
/// Recognition makes progress when its source polls, delivers a record or retries on schedule (every
/// RecognitionStatusReporter update). A source that reported `stopped` (or has not started) does not count.
/// </summary>
public sealed class RecognitionLoopProgress : ILoopProgress
{
    private readonly RecognitionStatusReporter _reporter;

    public RecognitionLoopProgress(RecognitionStatusReporter reporter, IOptions<RecognitionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _reporter = reporter ?? throw new ArgumentNullException(nameof(reporter));
        StallAfter = LongestQuiet(options.Value) + SystemdNotifier.Grace;
    }

    public string Name => "recognition";

    public bool IsActive => _reporter.Current is { } current && current.State != "stopped";

    public long LastProgressTimestamp => _reporter.LastProgressTimestamp;

    public TimeSpan StallAfter { get; }

    /// <summary>
    /// The longest wait of a healthy source between two updates. With several sources (`kinesis,image-api`) the
    /// reporter's stamp is the least recent of them, so the bound is the longest of their rules.
    /// </summary>
    internal static TimeSpan LongestQuiet(RecognitionOptions options) => options.Sources.Select(source => LongestQuiet(options, source)).Max();

    // Each source declares its own bound; a name no source registered (refused at start anyway) gets two minutes.
    private static TimeSpan LongestQuiet(RecognitionOptions options, string source) =>
        RecognitionSourceCatalog.Find(source)?.LongestQuiet(options) ?? TimeSpan.FromMinutes(2);
}

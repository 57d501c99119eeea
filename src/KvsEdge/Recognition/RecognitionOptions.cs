using System.ComponentModel.DataAnnotations;

namespace KvsEdge.Recognition;

/// <summary>The `Recognition` configuration section.</summary>
public sealed class RecognitionOptions
{
    public const string SectionName = "Recognition";

    /// <summary>`kinesis` (stream processor records from a Kinesis data stream) or `replay` (a record file; demo).</summary>
    [Required]
    public string Source { get; set; } = RecognitionSources.Kinesis;

    public KinesisSourceOptions Kinesis { get; set; } = new();

    public ReplaySourceOptions Replay { get; set; } = new();
}

public sealed class KinesisSourceOptions
{
    /// <summary>The data stream the Rekognition stream processor writes to.</summary>
    public string? StreamName { get; set; }

    /// <summary>
    /// Pause between GetRecords calls on a shard that has caught up. AWS allows 5 calls/s per shard, so anything
    /// below 200 ms would only earn throttling.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>GetRecords Limit (1-10000).</summary>
    public int MaxRecordsPerCall { get; set; } = 1000;

    /// <summary>How often the shard list is read again to pick up resharding.</summary>
    public TimeSpan ShardDiscoveryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First delay after throttling or a transient error; doubles up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryMinDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class ReplaySourceOptions
{
    /// <summary>A JSON file of records to replay (the demo's bundled file when empty).</summary>
    public string? File { get; set; }

    /// <summary>Play the file again after <see cref="LoopDelay"/> once it ends.</summary>
    public bool Loop { get; set; } = true;

    public TimeSpan LoopDelay { get; set; } = TimeSpan.FromSeconds(15);
}

using System.ComponentModel.DataAnnotations;

namespace KvsEdge.Recognition;

/// <summary>The `Recognition` configuration section.</summary>
public sealed class RecognitionOptions
{
    public const string SectionName = "Recognition";

    /// <summary>
    /// `kinesis` (stream processor records from a Kinesis data stream), `image-api` (SearchFacesByImage on a trigger),
    /// `replay` (a record file; demo), or several separated by commas (`kinesis,image-api` runs both).
    /// </summary>
    [Required]
    public string Source { get; set; } = RecognitionSources.Kinesis;

    public KinesisSourceOptions Kinesis { get; set; } = new();

    public ImageApiSourceOptions ImageApi { get; set; } = new();

    /// <summary>The configured sources, lower-case, in order, without duplicates.</summary>
    public IReadOnlyList<string> Sources => ParseSources(Source);

    /// <summary>Splits a `Recognition:Source` value (`kinesis`, `image-api`, `kinesis,image-api`, …).</summary>
    public static IReadOnlyList<string> ParseSources(string? value) =>
        (value ?? RecognitionSources.Kinesis)
            .Split([',', '+'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.ToLowerInvariant())
            .Distinct(StringComparer.Ordinal)
            .ToArray();

    public ReplaySourceOptions Replay { get; set; } = new();

    public LocalRecognitionOptions Local { get; set; } = new();
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

/// <summary>`Recognition:ImageApi`: SearchFacesByImage on the frame tap's JPEGs when a trigger fires.</summary>
public sealed class ImageApiSourceOptions
{
    /// <summary>The face collection (the one IndexFaces filled).</summary>
    public string? CollectionId { get; set; }

    /// <summary>Matches below this similarity are not returned (0-100).</summary>
    public float FaceMatchThreshold { get; set; } = 80;

    /// <summary>Most collection faces returned per search (best first).</summary>
    public int MaxFaces { get; set; } = 5;

    /// <summary>N: at most this many frames are searched per trigger, stopping at the first decision.</summary>
    public int MaxFrames { get; set; } = 3;

    /// <summary>M: the search for one trigger ends this long after the trigger.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long to wait for a frame from the tap before giving up on this trigger.</summary>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Cost guard: SearchFacesByImage calls allowed in any 60 s.</summary>
    public int MaxCallsPerMinute { get; set; } = 20;

    /// <summary>Cost guard: calls allowed per UTC day (kept in Device:StateDirectory across restarts).</summary>
    public int MaxCallsPerDay { get; set; } = 1000;

    /// <summary>First delay after throttling; doubles up to <see cref="RetryMaxDelay"/> (each retry is a counted call).</summary>
    public TimeSpan RetryMinDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(2);
}

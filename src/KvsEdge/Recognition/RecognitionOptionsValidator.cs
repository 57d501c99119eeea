using Microsoft.Extensions.Options;

namespace KvsEdge.Recognition;

/// <summary>Checks what data annotations cannot express; every message names the configuration key.</summary>
public sealed class RecognitionOptionsValidator : IValidateOptions<RecognitionOptions>
{
    public ValidateOptionsResult Validate(string? name, RecognitionOptions options)
    {
        var failures = new List<string>();
        IReadOnlyList<string> sources = options.Sources;
        bool kinesis = sources.Contains(RecognitionSources.Kinesis);
        bool replay = sources.Contains(RecognitionSources.Replay);
        bool imageApi = sources.Contains(RecognitionSources.ImageApi);
        string[] known = [RecognitionSources.Kinesis, RecognitionSources.ImageApi, RecognitionSources.Replay];
        if (sources.Count == 0 || sources.Any(s => !known.Contains(s)))
        {
            failures.Add($"Recognition:Source must be '{RecognitionSources.Kinesis}', '{RecognitionSources.ImageApi}' or '{RecognitionSources.Replay}', or several separated by commas (got '{options.Source}').");
        }

        if (imageApi)
        {
            ValidateImageApi(options.ImageApi ?? new(), failures);
        }

        KinesisSourceOptions k = options.Kinesis;
        if (kinesis && string.IsNullOrWhiteSpace(k.StreamName))
        {
            failures.Add("Recognition:Kinesis:StreamName is required when Recognition:Source is 'kinesis'.");
        }
        else if (kinesis && !IsValidStreamName(k.StreamName!))
        {
            failures.Add($"Recognition:Kinesis:StreamName '{k.StreamName}' is not a valid stream name (1-128 of A-Z a-z 0-9 _ . -).");
        }

        if (k.PollInterval < TimeSpan.FromMilliseconds(200) || k.PollInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"Recognition:Kinesis:PollInterval must be between 00:00:00.2 (AWS allows 5 GetRecords calls/s per shard) and 00:01:00 (got {k.PollInterval}).");
        }

        if (k.MaxRecordsPerCall is < 1 or > 10000)
        {
            failures.Add($"Recognition:Kinesis:MaxRecordsPerCall must be between 1 and 10000 (got {k.MaxRecordsPerCall}).");
        }

        if (k.ShardDiscoveryInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"Recognition:Kinesis:ShardDiscoveryInterval must be at least 00:00:01 (got {k.ShardDiscoveryInterval}).");
        }

        if (k.RetryMinDelay <= TimeSpan.Zero || k.RetryMaxDelay < k.RetryMinDelay)
        {
            failures.Add("Recognition:Kinesis:RetryMinDelay must be positive and not above Recognition:Kinesis:RetryMaxDelay.");
        }

        if (replay && options.Replay.File is { Length: > 0 } file && !File.Exists(file))
        {
            failures.Add($"Recognition:Replay:File '{file}' does not exist.");
        }

        if (options.Replay.LoopDelay < TimeSpan.Zero)
        {
            failures.Add("Recognition:Replay:LoopDelay must not be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateImageApi(ImageApiSourceOptions o, List<string> failures)
    {
        const string s = "Recognition:ImageApi";
        if (string.IsNullOrWhiteSpace(o.CollectionId))
        {
            failures.Add($"{s}:CollectionId is required when Recognition:Source includes '{RecognitionSources.ImageApi}'.");
        }
        else if (o.CollectionId.Length > 255 || !o.CollectionId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
        {
            failures.Add($"{s}:CollectionId '{o.CollectionId}' is not a valid collection id (1-255 of A-Z a-z 0-9 _ . -).");
        }

        if (!(o.FaceMatchThreshold is >= 0 and <= 100))
        {
            failures.Add($"{s}:FaceMatchThreshold must be between 0 and 100 (got {o.FaceMatchThreshold}).");
        }

        if (o.MaxFaces is < 1 or > 4096)
        {
            failures.Add($"{s}:MaxFaces must be between 1 and 4096 (got {o.MaxFaces}).");
        }

        if (o.MaxFrames is < 1 or > 20)
        {
            failures.Add($"{s}:MaxFrames must be between 1 and 20 (got {o.MaxFrames}).");
        }

        if (o.Window < TimeSpan.FromMilliseconds(100) || o.Window > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{s}:Window must be between 00:00:00.1 and 00:01:00 (got {o.Window}).");
        }

        if (o.FrameTimeout < TimeSpan.FromMilliseconds(10) || o.FrameTimeout > TimeSpan.FromSeconds(30))
        {
            failures.Add($"{s}:FrameTimeout must be between 00:00:00.01 and 00:00:30 (got {o.FrameTimeout}).");
        }

        if (o.MaxCallsPerMinute < 1)
        {
            failures.Add($"{s}:MaxCallsPerMinute must be at least 1 (got {o.MaxCallsPerMinute}).");
        }

        if (o.MaxCallsPerDay < o.MaxCallsPerMinute)
        {
            failures.Add($"{s}:MaxCallsPerDay must be at least {s}:MaxCallsPerMinute (got {o.MaxCallsPerDay}).");
        }

        if (o.RetryMinDelay <= TimeSpan.Zero || o.RetryMaxDelay < o.RetryMinDelay)
        {
            failures.Add($"{s}:RetryMinDelay must be positive and not above {s}:RetryMaxDelay.");
        }
    }

    private static bool IsValidStreamName(string name) =>
        name.Length is >= 1 and <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');
}

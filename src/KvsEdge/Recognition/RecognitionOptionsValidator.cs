using Microsoft.Extensions.Options;

namespace KvsEdge.Recognition;

/// <summary>Checks what data annotations cannot express; every message names the configuration key.</summary>
public sealed class RecognitionOptionsValidator : IValidateOptions<RecognitionOptions>
{
    public ValidateOptionsResult Validate(string? name, RecognitionOptions options)
    {
        var failures = new List<string>();
        bool kinesis = string.Equals(options.Source, RecognitionSources.Kinesis, StringComparison.Ordinal);
        bool replay = string.Equals(options.Source, RecognitionSources.Replay, StringComparison.Ordinal);
        if (!kinesis && !replay)
        {
            failures.Add($"Recognition:Source must be '{RecognitionSources.Kinesis}' or '{RecognitionSources.Replay}' (got '{options.Source}').");
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

    private static bool IsValidStreamName(string name) =>
        name.Length is >= 1 and <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');
}

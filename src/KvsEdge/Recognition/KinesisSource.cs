using KvsEdge.Aws;

namespace KvsEdge.Recognition;

/// <summary>The `kinesis` source's checks and watchdog bound (<see cref="KinesisFaceMatchSource"/>).</summary>
public static class KinesisSource
{
    public static RecognitionSourceRegistration Registration { get; } = new(RecognitionSources.Kinesis, Validate, LongestQuiet);

    // A backoff, or a discovery round with no open shard, then one request that may run to its timeout.
    private static TimeSpan LongestQuiet(RecognitionOptions options) =>
        new[] { options.Kinesis.RetryMaxDelay, options.Kinesis.ShardDiscoveryInterval, options.Kinesis.PollInterval }.Max() + new AwsClientOptions().Timeout;

    private static void Validate(RecognitionOptions options, bool selected, List<string> failures)
    {
        KinesisSourceOptions k = options.Kinesis;
        if (selected && string.IsNullOrWhiteSpace(k.StreamName))
        {
            failures.Add("Recognition:Kinesis:StreamName is required when Recognition:Source is 'kinesis'.");
        }
        else if (selected && !IsValidStreamName(k.StreamName!))
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
    }

    private static bool IsValidStreamName(string name) =>
        name.Length is >= 1 and <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');
}

using KvsEdge.Aws;

namespace KvsEdge.Recognition;

/// <summary>The `image-api` source's own checks and watchdog bound (<see cref="ImageApiFaceMatchSource"/>); what it needs from other sections is <see cref="ImageApiPrerequisitesValidator"/>.</summary>
public static class ImageApiSource
{
    public static RecognitionSourceRegistration Registration { get; } = new(RecognitionSources.ImageApi, Validate, LongestQuiet);

    // Idle, it beats every HeartbeatInterval; in a search, one frame wait, one backoff and one request between beats.
    private static TimeSpan LongestQuiet(RecognitionOptions options) =>
        TimeSpan.FromTicks(Math.Max(
            ImageApiFaceMatchSource.HeartbeatInterval.Ticks,
            (options.ImageApi.FrameTimeout + options.ImageApi.RetryMaxDelay + new AwsClientOptions().Timeout).Ticks));

    private static void Validate(RecognitionOptions options, bool selected, List<string> failures)
    {
        if (selected)
        {
            ValidateImageApi(options.ImageApi ?? new(), failures);
        }
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
}

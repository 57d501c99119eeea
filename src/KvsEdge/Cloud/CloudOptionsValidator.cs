using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace KvsEdge.Cloud;

/// <summary>Names checked against each service's documented pattern, so a typo fails here, naming the key, not mid-way through `cloud up`.</summary>
public sealed partial class CloudOptionsValidator : IValidateOptions<CloudOptions>
{
    public ValidateOptionsResult Validate(string? name, CloudOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(failures, "VideoStreamName", options.VideoStreamName, StreamName(), 256, "letters, digits, '_', '.', '-'");
        Check(failures, "CollectionId", options.CollectionId, StreamName(), 255, "letters, digits, '_', '.', '-'");
        Check(failures, "DataStreamName", options.DataStreamName, StreamName(), 128, "letters, digits, '_', '.', '-'");
        Check(failures, "RoleName", options.RoleName, RoleName(), 64, "letters, digits and +=,.@_-");
        Check(failures, "ProcessorName", options.ProcessorName, StreamName(), 128, "letters, digits, '_', '.', '-'");
        if (!string.IsNullOrWhiteSpace(options.Mode)
            && options.Mode.Trim().ToLowerInvariant() is not (CloudModes.ImageApi or CloudModes.StreamProcessor))
        {
            failures.Add($"Cloud:Mode must be '{CloudModes.ImageApi}' or '{CloudModes.StreamProcessor}' (or unset: chosen from Recognition:Source); got '{options.Mode}'.");
        }

        Check(failures, "DevicePolicyName", options.DevicePolicyName, RoleName(), 128, "letters, digits and +=,.@_-");
        if (options.VideoRetentionHours is < 1 or > 87600)
        {
            failures.Add($"Cloud:VideoRetentionHours must be between 1 and 87600 (10 years); got {options.VideoRetentionHours}. With 0 KVS keeps no video and GetClip finds nothing.");
        }

        if (double.IsNaN(options.FaceMatchThreshold) || options.FaceMatchThreshold is < 0 or > 100)
        {
            failures.Add($"Cloud:FaceMatchThreshold must be between 0 and 100; got {options.FaceMatchThreshold}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(List<string> failures, string key, string? value, Regex pattern, int maxLength, string allowed)
    {
        if (string.IsNullOrEmpty(value))
        {
            failures.Add($"Cloud:{key} must be set.");
        }
        else if (value.Length > maxLength || !pattern.IsMatch(value))
        {
            failures.Add($"Cloud:{key} '{value}' is not a valid name: 1-{maxLength} characters, {allowed}.");
        }
    }

    [GeneratedRegex(@"^[a-zA-Z0-9_.\-]+$")]
    private static partial Regex StreamName();

    [GeneratedRegex(@"^[\w+=,.@\-]+$")]
    private static partial Regex RoleName();
}

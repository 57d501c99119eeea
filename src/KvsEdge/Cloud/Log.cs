using Microsoft.Extensions.Logging;

namespace KvsEdge.Cloud;

/// <summary>Cloud set-up log messages. Event ids 1800-1899 and event names are frozen.</summary>
internal static partial class Log
{
    [LoggerMessage(1800, LogLevel.Information, "Cloud {Resource} {Name}: {Outcome} {Arn}", EventName = "CloudStep")]
    public static partial void CloudStep(ILogger logger, string resource, string name, CloudOutcome outcome, string? arn);

    [LoggerMessage(1801, LogLevel.Warning, "Cloud:FaceMatchThreshold {Configured} is under {Minimum}: the service raises it to {Minimum}", EventName = "ThresholdRaised")]
    public static partial void ThresholdRaised(ILogger logger, double configured, double minimum);

    [LoggerMessage(1802, LogLevel.Information, "IAM role {RoleName} is not assumable by Rekognition yet (attempt {Attempt}); retrying", EventName = "WaitingForRole")]
    public static partial void WaitingForRole(ILogger logger, string roleName, int attempt);

    [LoggerMessage(1810, LogLevel.Information, "Photo {Source}: {Outcome} {Detail}", EventName = "FacePhoto")]
    public static partial void FacePhoto(ILogger logger, string source, FacePhotoOutcome outcome, string? detail);

    [LoggerMessage(1811, LogLevel.Information, "Removed {Count} face(s) of {Name} from collection {CollectionId}", EventName = "FacesRemoved")]
    public static partial void FacesRemoved(ILogger logger, int count, string name, string collectionId);

    [LoggerMessage(1820, LogLevel.Information, "Stream processor {Name} started", EventName = "ProcessorStarted")]
    public static partial void ProcessorStarted(ILogger logger, string name);

    [LoggerMessage(1821, LogLevel.Information, "Stream processor {Name} stopped", EventName = "ProcessorStopped")]
    public static partial void ProcessorStopped(ILogger logger, string name);

    [LoggerMessage(1830, LogLevel.Information, "Clip {Start} to {End} of {Stream} written to {File} ({Bytes} bytes)", EventName = "ClipWritten")]
    public static partial void ClipWritten(ILogger logger, DateTimeOffset start, DateTimeOffset end, string stream, string file, long bytes);

    [LoggerMessage(1831, LogLevel.Warning, "No video in {Start} to {End} of {Stream}: {Reason}", EventName = "ClipEmpty")]
    public static partial void ClipEmpty(ILogger logger, DateTimeOffset start, DateTimeOffset end, string stream, string reason);
}

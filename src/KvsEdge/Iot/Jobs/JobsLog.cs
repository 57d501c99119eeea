using Microsoft.Extensions.Logging;

namespace KvsEdge.Iot;

/// <summary>IoT Jobs on the device: event ids 2100–2129.</summary>
internal static partial class JobsLog
{
    [LoggerMessage(EventId = 2100, EventName = "IotJobStarted", Level = LogLevel.Information,
        Message = "Job {JobId} started: operation {Operation}")]
    public static partial void JobStarted(ILogger logger, string jobId, string operation);

    [LoggerMessage(EventId = 2101, EventName = "IotJobSucceeded", Level = LogLevel.Information,
        Message = "Job {JobId} ({Operation}) succeeded: {Detail}")]
    public static partial void JobSucceeded(ILogger logger, string jobId, string operation, string detail);

    [LoggerMessage(EventId = 2102, EventName = "IotJobFailed", Level = LogLevel.Warning,
        Message = "Job {JobId} ({Operation}) failed: {Reason}")]
    public static partial void JobFailed(ILogger logger, string jobId, string operation, string reason);

    [LoggerMessage(EventId = 2103, EventName = "IotJobRefused", Level = LogLevel.Error,
        Message = "Job {JobId} refused and not acted on: {Reason}")]
    public static partial void JobRefused(ILogger logger, string jobId, string reason);

    [LoggerMessage(EventId = 2104, EventName = "IotJobRestarting", Level = LogLevel.Warning,
        Message = "Job {JobId} ({Operation}): stopping the service so systemd starts it again")]
    public static partial void Restarting(ILogger logger, string jobId, string operation);

    [LoggerMessage(EventId = 2105, EventName = "IotJobRequestRejected", Level = LogLevel.Warning,
        Message = "IoT Jobs rejected a request ({Topic}): {Code} {Message}")]
    public static partial void RequestRejected(ILogger logger, string topic, string code, string message);

    [LoggerMessage(EventId = 2106, EventName = "IotJobPendingResumed", Level = LogLevel.Information,
        Message = "Job {JobId} ({Operation}) was pending across the restart; finishing it now that the service is ready")]
    public static partial void PendingResumed(ILogger logger, string jobId, string operation);

    [LoggerMessage(EventId = 2107, EventName = "IotJobRolledBack", Level = LogLevel.Error,
        Message = "Update job {JobId}: {Reason}; the previous package {Package} was reinstalled")]
    public static partial void RolledBack(ILogger logger, string jobId, string reason, string package);

    [LoggerMessage(EventId = 2108, EventName = "IotJobStateUnreadable", Level = LogLevel.Error,
        Message = "The pending job file {Path} cannot be read and is ignored: {Reason}")]
    public static partial void StateUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 2109, EventName = "IotJobError", Level = LogLevel.Error,
        Message = "Job {JobId} ({Operation}) could not be carried out")]
    public static partial void JobError(ILogger logger, Exception exception, string jobId, string operation);

    [LoggerMessage(EventId = 2110, EventName = "IotJobUpdateStaged", Level = LogLevel.Information,
        Message = "Update job {JobId}: version {Version} verified and staged for the root installer ({Request})")]
    public static partial void UpdateStaged(ILogger logger, string jobId, string version, string request);

    [LoggerMessage(EventId = 2111, EventName = "IotJobStaleInstallerResult", Level = LogLevel.Warning,
        Message = "An installer result for job {ResultJobId} is not the pending job {JobId}'s and is discarded")]
    public static partial void StaleInstallerResult(ILogger logger, string resultJobId, string jobId);

    [LoggerMessage(EventId = 2112, EventName = "IotJobInstallerResult", Level = LogLevel.Information,
        Message = "Update job {JobId}: the root installer reports succeeded={Succeeded}: {Message}")]
    public static partial void InstallerResult(ILogger logger, string jobId, bool succeeded, string message);

    [LoggerMessage(EventId = 2113, EventName = "IotJobRollingBack", Level = LogLevel.Error,
        Message = "Update job {JobId}: {Reason}; the previous package {Package} is staged for the root installer")]
    public static partial void RollingBack(ILogger logger, string jobId, string reason, string package);
}

using Microsoft.Extensions.Logging;

namespace KvsEdge.Door;

/// <summary>Door log messages. Event ids 1200-1299 and event names are frozen: dashboards and alerts key on them.</summary>
internal static partial class Log
{
    [LoggerMessage(1200, LogLevel.Information, "Door ready: relay on pin {RelayPin} (active {ActiveLevel}), pulse {PulseDuration}", EventName = "DoorStarted")]
    public static partial void DoorStarted(ILogger logger, int relayPin, string activeLevel, TimeSpan pulseDuration);

    [LoggerMessage(1201, LogLevel.Information, "Door unlocked for {PulseDuration}", EventName = "DoorUnlocked")]
    public static partial void Unlocked(ILogger logger, TimeSpan pulseDuration);

    [LoggerMessage(1202, LogLevel.Information, "Door locked ({Reason})", EventName = "DoorLocked")]
    public static partial void Locked(ILogger logger, string reason);

    [LoggerMessage(1203, LogLevel.Information, "Unlock refused: a pulse is already running", EventName = "UnlockRefusedBusy")]
    public static partial void UnlockRefusedBusy(ILogger logger);

    [LoggerMessage(1204, LogLevel.Warning, "Unlock refused: the door is not running (starting, stopping or stopped)", EventName = "UnlockRefusedNotRunning")]
    public static partial void UnlockRefusedNotRunning(ILogger logger);

    [LoggerMessage(1205, LogLevel.Error, "Unlock refused: an earlier attempt to lock the relay failed", EventName = "UnlockRefusedFaulted")]
    public static partial void UnlockRefusedFaulted(ILogger logger);

    [LoggerMessage(1206, LogLevel.Error, "Driving the relay on pin {RelayPin} active failed; the door stays locked", EventName = "UnlockFailed")]
    public static partial void UnlockFailed(ILogger logger, int relayPin, Exception exception);

    [LoggerMessage(1207, LogLevel.Critical, "Driving the relay on pin {RelayPin} inactive failed; the strike may be held open", EventName = "RelayLockFailed")]
    public static partial void RelayLockFailed(ILogger logger, int relayPin, Exception exception);

    [LoggerMessage(1208, LogLevel.Warning, "Writing the {Led} LED on pin {Pin} failed", EventName = "LedWriteFailed")]
    public static partial void LedWriteFailed(ILogger logger, string led, int pin, Exception exception);

    [LoggerMessage(1209, LogLevel.Error, "A door state handler failed for {State}", EventName = "StateHandlerFailed")]
    public static partial void StateHandlerFailed(ILogger logger, DoorState state, Exception exception);

    [LoggerMessage(1210, LogLevel.Error, "The unlock pulse failed; the relay was driven inactive", EventName = "PulseFailed")]
    public static partial void PulseFailed(ILogger logger, Exception exception);

    [LoggerMessage(1211, LogLevel.Debug, "Denied signal shown for {Duration}", EventName = "DeniedSignalled")]
    public static partial void DeniedSignalled(ILogger logger, TimeSpan duration);

    [LoggerMessage(1212, LogLevel.Warning, "The unlock pulse did not finish within {Timeout} while stopping; the relay was already driven inactive", EventName = "StopWaitTimedOut")]
    public static partial void StopWaitTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(1213, LogLevel.Information, "Door stopped; relay inactive", EventName = "DoorStopped")]
    public static partial void DoorStopped(ILogger logger);

    [LoggerMessage(1214, LogLevel.Critical, "Relay on pin {RelayPin} still not confirmed inactive after {Attempts} retries; trying again in {Delay}", EventName = "RelayLockRetryFailed")]
    public static partial void RelayLockRetryFailed(ILogger logger, int relayPin, int attempts, TimeSpan delay, Exception exception);

    [LoggerMessage(1215, LogLevel.Warning, "Relay on pin {RelayPin} read back inactive after {Attempts} retries; the door is locked again", EventName = "RelayLockRecovered")]
    public static partial void RelayLockRecovered(ILogger logger, int relayPin, int attempts);

    [LoggerMessage(1216, LogLevel.Debug, "Last known relay saved to {Path}", EventName = "LastKnownRelaySaved")]
    public static partial void LastKnownRelaySaved(ILogger logger, string path);

    [LoggerMessage(1217, LogLevel.Warning, "The last known relay could not be saved to {Path}; `door lock` falls back to an older copy or the packaged defaults if the configuration becomes unreadable", EventName = "LastKnownRelayNotSaved")]
    public static partial void LastKnownRelayNotSaved(ILogger logger, string path, Exception exception);
}

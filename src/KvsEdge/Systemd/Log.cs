using Microsoft.Extensions.Logging;

namespace KvsEdge.Systemd;

/// <summary>systemd notify and watchdog logging. Event ids 1900-1949 and event names are frozen.</summary>
internal static partial class Log
{
    [LoggerMessage(1900, LogLevel.Information, "Told systemd READY=1 (relay locked, configuration valid, all services started)", EventName = "SystemdReady")]
    public static partial void Ready(ILogger logger);

    [LoggerMessage(1901, LogLevel.Information, "systemd watchdog on: WatchdogSec {Timeout}, keep-alive every {Interval} while {Loops} make progress", EventName = "SystemdWatchdogEnabled")]
    public static partial void WatchdogEnabled(ILogger logger, TimeSpan timeout, TimeSpan interval, string loops);

    [LoggerMessage(1902, LogLevel.Error, "Withholding the systemd watchdog keep-alive: {Stalled}; systemd restarts the service if this lasts", EventName = "SystemdWatchdogWithheld")]
    public static partial void KeepAliveWithheld(ILogger logger, string stalled);

    [LoggerMessage(1903, LogLevel.Information, "Every watched loop makes progress again; systemd watchdog keep-alive resumed", EventName = "SystemdWatchdogResumed")]
    public static partial void KeepAliveResumed(ILogger logger);

    [LoggerMessage(1904, LogLevel.Information, "Told systemd STOPPING=1", EventName = "SystemdStopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(1905, LogLevel.Warning, "systemd notification {State} was not delivered: {Error}", EventName = "SystemdNotifyFailed")]
    public static partial void NotifyFailed(ILogger logger, string state, string? error);

    [LoggerMessage(1906, LogLevel.Warning, "{Problem}", EventName = "SystemdEnvironmentInvalid")]
    public static partial void EnvironmentInvalid(ILogger logger, string problem);

    [LoggerMessage(1907, LogLevel.Debug, "Not started by systemd (no NOTIFY_SOCKET): no readiness or watchdog notifications", EventName = "SystemdNotifyOff")]
    public static partial void NotifyOff(ILogger logger);
}

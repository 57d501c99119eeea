using System.Globalization;

namespace KvsEdge.Systemd;

/// <summary>
/// What systemd tells a `Type=notify` service through its environment: where to send notifications
/// (`NOTIFY_SOCKET`) and whether and how often it expects a watchdog keep-alive (`WATCHDOG_USEC`, `WATCHDOG_PID`).
/// </summary>
/// <param name="NotifySocket">The socket path (abstract names start with '@'); null when not run by systemd.</param>
/// <param name="WatchdogTimeout">systemd's WatchdogSec; null when no watchdog is expected from this process.</param>
/// <param name="Problem">Why a set variable was not usable (logged once at start), or null.</param>
public sealed record SystemdEnvironment(string? NotifySocket, TimeSpan? WatchdogTimeout, string? Problem = null)
{
    public const string NotifySocketVariable = "NOTIFY_SOCKET";
    public const string WatchdogUsecVariable = "WATCHDOG_USEC";
    public const string WatchdogPidVariable = "WATCHDOG_PID";

    /// <summary>Not run by systemd: nothing is sent.</summary>
    public static SystemdEnvironment None { get; } = new(null, null);

    /// <summary>Reads the process environment.</summary>
    public static SystemdEnvironment FromProcess() => Parse(Environment.GetEnvironmentVariable, Environment.ProcessId);

    /// <summary>Pure: tests pass their own variables and process id.</summary>
    public static SystemdEnvironment Parse(Func<string, string?> variable, int processId)
    {
        ArgumentNullException.ThrowIfNull(variable);
        string? socket = variable(NotifySocketVariable);
        if (string.IsNullOrEmpty(socket))
        {
            return None;
        }

        // sd_notify accepts only absolute paths and abstract names here (newer systemd also has vsock:, unused on a Pi).
        if (socket[0] is not ('/' or '@'))
        {
            return new SystemdEnvironment(null, null, $"{NotifySocketVariable}='{socket}' is neither an absolute path nor an abstract name ('@…'); systemd notifications are off.");
        }

        string? usec = variable(WatchdogUsecVariable);
        if (string.IsNullOrEmpty(usec))
        {
            return new SystemdEnvironment(socket, null);
        }

        if (!long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out long microseconds) || microseconds <= 0)
        {
            return new SystemdEnvironment(socket, null, $"{WatchdogUsecVariable}='{usec}' is not a positive number of microseconds; no watchdog keep-alive is sent.");
        }

        // WATCHDOG_PID names the process systemd expects the keep-alive from; for another process it is not ours to send.
        string? pid = variable(WatchdogPidVariable);
        if (!string.IsNullOrEmpty(pid)
            && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int watchdogPid) || watchdogPid != processId))
        {
            return new SystemdEnvironment(socket, null);
        }

        return new SystemdEnvironment(socket, TimeSpan.FromMicroseconds(microseconds));
    }

    /// <summary>The keep-alive period: half of WatchdogSec, as sd_watchdog_enabled(3) recommends.</summary>
    public TimeSpan? KeepAliveInterval => WatchdogTimeout is { } timeout ? timeout / 2 : null;
}

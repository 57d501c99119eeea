using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Systemd;

/// <summary>
/// Our side of `Type=notify` with `WatchdogSec=`: READY=1 once every hosted service started (the door opened its
/// relay at the inactive level and every options section validated before that), WATCHDOG=1 every WatchdogSec/2
/// while each active loop makes progress, STOPPING=1 when shutdown begins, and STATUS= lines for `systemctl status`.
/// Microsoft.Extensions.Hosting.Systemd is not used for this: it never sends WATCHDOG=1 and only notifies when its
/// parent is systemd.
/// </summary>
public sealed class SystemdNotifier : IHostedService, IDisposable
{
    private readonly SystemdEnvironment _environment;
    private readonly SystemdNotifySocket _socket;
    private readonly IReadOnlyList<ILoopProgress> _loops;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<CancellationTokenRegistration> _registrations = [];
    private Task _watchdog = Task.CompletedTask;
    private int _stoppingSent;

    public SystemdNotifier(
        SystemdEnvironment environment,
        SystemdNotifySocket socket,
        IEnumerable<ILoopProgress> loops,
        IHostApplicationLifetime lifetime,
        TimeProvider time,
        ILogger<SystemdNotifier> logger)
    {
        ArgumentNullException.ThrowIfNull(loops);
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        _socket = socket ?? throw new ArgumentNullException(nameof(socket));
        _loops = loops.ToArray();
        _lifetime = lifetime ?? throw new ArgumentNullException(nameof(lifetime));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Margin added to every loop's longest legitimate quiet period before it counts as stuck.</summary>
    public static TimeSpan Grace { get; } = TimeSpan.FromSeconds(30);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_environment.Problem is { } problem)
        {
            Log.EnvironmentInvalid(_logger, problem);
        }

        if (!_socket.IsEnabled)
        {
            Log.NotifyOff(_logger);
            return Task.CompletedTask;
        }

        // ApplicationStarted fires only after every hosted service's StartAsync returned: never READY before the relay
        // is safe, and never at all when start-up fails.
        _registrations.Add(_lifetime.ApplicationStarted.Register(OnStarted));
        _registrations.Add(_lifetime.ApplicationStopping.Register(OnStopping));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        OnStopping();
        try
        {
            await _watchdog.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The watchdog loop ends on cancellation; nothing else to wait for.
        }
    }

    public void Dispose()
    {
        foreach (CancellationTokenRegistration registration in _registrations)
        {
            registration.Dispose();
        }

        _stopping.Dispose();
    }

    private void OnStarted()
    {
        string loops = ActiveLoopNames();
        Send("READY=1\nSTATUS=Running; watching " + loops);
        Log.Ready(_logger);
        if (_environment.KeepAliveInterval is { } interval && _environment.WatchdogTimeout is { } timeout)
        {
            Log.WatchdogEnabled(_logger, timeout, interval, loops);
            _watchdog = RunWatchdogAsync(interval, _stopping.Token);
        }
    }

    private void OnStopping()
    {
        if (Interlocked.Exchange(ref _stoppingSent, 1) != 0 || !_socket.IsEnabled)
        {
            return;
        }

        // No keep-alive during shutdown: the loops are being stopped, and TimeoutStopSec bounds the stop instead.
        _stopping.Cancel();
        Send("STOPPING=1\nSTATUS=Stopping");
        Log.Stopping(_logger);
    }

    private async Task RunWatchdogAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        // Loops get the start-up as credit: a stamp from before the watchdog started is no evidence of a hang.
        long started = _time.GetTimestamp();
        string? withheld = null;
        try
        {
            while (true)
            {
                await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
                List<(ILoopProgress Loop, TimeSpan Quiet)> stalled = FindStalled(started);
                if (stalled.Count == 0)
                {
                    Send(withheld is null ? "WATCHDOG=1" : "WATCHDOG=1\nSTATUS=Running; watching " + ActiveLoopNames());
                    if (withheld is not null)
                    {
                        Log.KeepAliveResumed(_logger);
                        withheld = null;
                    }

                    continue;
                }

                string names = string.Join(",", stalled.Select(s => s.Loop.Name));
                if (names != withheld)
                {
                    string detail = string.Join("; ", stalled.Select(s => string.Create(
                        CultureInfo.InvariantCulture,
                        $"{s.Loop.Name} made no progress for {s.Quiet.TotalSeconds:0} s (limit {s.Loop.StallAfter.TotalSeconds:0} s)")));
                    Log.KeepAliveWithheld(_logger, detail);
                    Send("STATUS=Stalled: " + detail);
                    withheld = names;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private List<(ILoopProgress Loop, TimeSpan Quiet)> FindStalled(long started)
    {
        var stalled = new List<(ILoopProgress, TimeSpan)>();
        foreach (ILoopProgress loop in _loops)
        {
            if (!loop.IsActive)
            {
                continue;
            }

            TimeSpan quiet = _time.GetElapsedTime(Math.Max(loop.LastProgressTimestamp, started));
            if (quiet > loop.StallAfter)
            {
                stalled.Add((loop, quiet));
            }
        }

        return stalled;
    }

    private string ActiveLoopNames()
    {
        string names = string.Join(", ", _loops.Where(l => l.IsActive).Select(l => l.Name));
        return names.Length == 0 ? "no loops" : names;
    }

    private void Send(string state)
    {
        if (!_socket.TrySend(state, out string? error))
        {
            Log.NotifyFailed(_logger, state.Split('\n')[0], error);
        }
    }
}

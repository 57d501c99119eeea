using KvsEdge.Systemd;
using KvsEdge.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KvsEdge.Tests.Systemd;

/// <summary>
/// The notifier in a real host, on a fake clock, talking to a real unix datagram socket standing in for systemd.
/// WATCHDOG_USEC is 20 s, so a keep-alive is due every 10 s of fake time.
/// </summary>
public sealed class SystemdNotifierTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(10);
    private readonly SignallingTimeProvider _time = new();
    private readonly NotifySocketListener _systemd = new();

    public void Dispose() => _systemd.Dispose();

    private IHost BuildHost(params ILoopProgress[] loops) => BuildHost(new GatedService(), loops);

    private IHost BuildHost(GatedService first, params ILoopProgress[] loops)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton(new SystemdEnvironment(_systemd.Path, KeepAlive * 2));
        builder.Services.AddSingleton(new SystemdNotifySocket(_systemd.Path));
        foreach (ILoopProgress loop in loops)
        {
            builder.Services.AddSingleton(loop);
        }

        // Stands for the door: a service that must have started before READY.
        builder.Services.AddHostedService(_ => first);
        builder.Services.AddHostedService<SystemdNotifier>();
        return builder.Build();
    }

    /// <summary>Lets the next keep-alive period pass once the watchdog waits for it.</summary>
    private async Task NextPeriodAsync()
    {
        await _time.WaitForTimerAsync(d => d == KeepAlive);
        _time.Advance(KeepAlive);
    }

    [Fact]
    public async Task Ready_only_after_every_service_started_then_keep_alive_while_loops_progress_then_stopping()
    {
        var door = new GatedService(fail: false);
        var recognition = new FakeLoop("recognition", _time, TimeSpan.FromSeconds(25));
        var camera = new FakeLoop("camera", _time, TimeSpan.FromSeconds(25)) { IsActive = false }; // off: never progresses, never counts
        using IHost host = BuildHost(door, recognition, camera);

        Task starting = host.StartAsync();
        await door.Entered.WaitAsync(Timeout);
        Assert.Empty(_systemd.Messages); // the door is still opening its relay: not ready
        door.Release();
        await starting.WaitAsync(Timeout);
        string ready = await _systemd.WaitForAsync(m => m.StartsWith("READY=1", StringComparison.Ordinal), Timeout);
        Assert.Contains("STATUS=Running; watching recognition", ready, StringComparison.Ordinal);

        for (int i = 0; i < 3; i++)
        {
            recognition.Progress();
            await NextPeriodAsync();
            await _systemd.WaitForCountAsync(2 + i, Timeout);
        }

        await host.StopAsync().WaitAsync(Timeout);

        IReadOnlyList<string> all = await _systemd.WaitForCountAsync(5, Timeout);
        Assert.Equal(["READY=1", "WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1", "STOPPING=1"], all.Select(m => m.Split('\n')[0]));
    }

    [Fact]
    public async Task A_stuck_loop_withholds_the_keep_alive_until_it_progresses_again()
    {
        var mqtt = new FakeLoop("mqtt", _time, TimeSpan.FromSeconds(25));
        var camera = new FakeLoop("camera", _time, TimeSpan.FromSeconds(25));
        using IHost host = BuildHost(mqtt, camera);
        await host.StartAsync().WaitAsync(Timeout);
        await _systemd.WaitForAsync(m => m.StartsWith("READY=1", StringComparison.Ordinal), Timeout);

        // The camera hangs from the start; MQTT keeps going. At 10 s and 20 s the camera is still within its 25 s.
        for (int i = 1; i <= 2; i++)
        {
            mqtt.Progress();
            await NextPeriodAsync();
            await _systemd.WaitForCountAsync(1 + i, Timeout);
        }

        // At 30 s the camera has been quiet past its bound: no keep-alive, a STATUS naming it instead.
        mqtt.Progress();
        await NextPeriodAsync();
        string stalled = await _systemd.WaitForAsync(m => m.StartsWith("STATUS=Stalled", StringComparison.Ordinal), Timeout);
        Assert.Contains("camera made no progress for 30 s (limit 25 s)", stalled, StringComparison.Ordinal);
        Assert.DoesNotContain("mqtt", stalled, StringComparison.Ordinal);

        // At 40 s it is still stuck: nothing at all is sent (systemd's WatchdogSec runs out).
        mqtt.Progress();
        await NextPeriodAsync();

        // At 50 s the camera moved again: the keep-alive resumes.
        camera.Progress();
        mqtt.Progress();
        await NextPeriodAsync();
        await _systemd.WaitForAsync(m => m.StartsWith("WATCHDOG=1\nSTATUS=Running", StringComparison.Ordinal), Timeout);

        Assert.Equal(
            ["READY=1", "WATCHDOG=1", "WATCHDOG=1", "STATUS=Stalled: camera made no progress for 30 s (limit 25 s)", "WATCHDOG=1"],
            _systemd.Messages.Select(m => m.Split('\n')[0]));
        await host.StopAsync().WaitAsync(Timeout);
    }

    [Fact]
    public async Task A_host_that_fails_to_start_never_sends_ready()
    {
        var door = new GatedService(fail: true);
        using IHost host = BuildHost(door, new FakeLoop("recognition", _time, TimeSpan.FromSeconds(25)));

        Task starting = host.StartAsync();
        door.Release();
        await Assert.ThrowsAsync<InvalidOperationException>(() => starting.WaitAsync(Timeout));

        await _systemd.DrainAsync(Timeout);
        Assert.DoesNotContain(_systemd.Messages, m => m.StartsWith("READY=1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_watchdog_only_ready_and_stopping_are_sent()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton(new SystemdEnvironment(_systemd.Path, WatchdogTimeout: null));
        builder.Services.AddSingleton(new SystemdNotifySocket(_systemd.Path));
        builder.Services.AddHostedService<SystemdNotifier>();
        using IHost host = builder.Build();

        await host.StartAsync().WaitAsync(Timeout);
        await host.StopAsync().WaitAsync(Timeout);

        IReadOnlyList<string> all = await _systemd.WaitForCountAsync(2, Timeout);
        Assert.Equal(["READY=1", "STOPPING=1"], all.Select(m => m.Split('\n')[0]));
    }

    private sealed class FakeLoop(string name, TimeProvider time, TimeSpan stallAfter) : ILoopProgress
    {
        private long _last;

        public string Name => name;

        public bool IsActive { get; set; } = true;

        public long LastProgressTimestamp => Interlocked.Read(ref _last);

        public TimeSpan StallAfter => stallAfter;

        public void Progress() => Interlocked.Exchange(ref _last, time.GetTimestamp());
    }

    /// <summary>A hosted service whose start the test holds open (or fails), like a door opening its relay.</summary>
    private sealed class GatedService(bool fail = false) : IHostedService
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public GatedService()
            : this(false)
        {
            _release.TrySetResult();
        }

        public Task Entered => _entered.Task;

        public void Release() => _release.TrySetResult();

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            _entered.TrySetResult();
            await _release.Task.WaitAsync(cancellationToken);
            if (fail)
            {
                throw new InvalidOperationException("relay line busy");
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

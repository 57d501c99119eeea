using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.TestSupport;

namespace KvsEdge.IntegrationTests.Systemd;

/// <summary>
/// The real `kvsedge run` process with a fake NOTIFY_SOCKET and WATCHDOG_USEC, as systemd starts a `Type=notify`
/// unit with `WatchdogSec=`: what arrives on the socket is the contract.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SystemdNotifyProcessTests : IDisposable
{
    private const int RelayPin = 17;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _work = Directory.CreateTempSubdirectory("kvsedge-systemd-").FullName;
    private readonly NotifySocketListener _systemd = new();

    public void Dispose()
    {
        _systemd.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    private string RelayLog => Path.Combine(_work, "relay.jsonl");

    private Dictionary<string, object> Settings(string pulse = "00:00:01")
    {
        string replay = Path.Combine(_work, "no-records.json");
        File.WriteAllText(replay, "[]");
        return new Dictionary<string, object>
        {
            ["Device"] = new { Id = "notify" + Guid.NewGuid().ToString("N")[..8], StateDirectory = Path.Combine(_work, "state") },
            ["Recognition"] = new { Source = "replay", Replay = new { File = replay, Loop = true } },
            ["Door"] = new { Driver = "simulated", PulseDuration = pulse, Relay = new { Pin = RelayPin }, Simulated = new { TransitionLog = RelayLog } },
            ["Mqtt"] = new { Enabled = false },
            ["Camera"] = new { Enabled = false },
        };
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["NOTIFY_SOCKET"] = _systemd.Path,
        ["WATCHDOG_USEC"] = "1000000", // WatchdogSec=1: a keep-alive every 0.5 s
    };

    [Fact]
    public async Task Run_says_ready_once_the_relay_is_locked_keeps_the_watchdog_fed_and_says_stopping_on_sigterm()
    {
        await using var process = KvsEdgeProcess.Start("run", Settings(), _work, Environment());

        await _systemd.WaitForAsync(m => m.StartsWith("READY=1", StringComparison.Ordinal), Timeout);
        // The relay line was opened at its inactive level before READY went out.
        Assert.Contains(TransitionLog.Read(RelayLog), e => e.Pin == RelayPin && e.Value == "low");

        await _systemd.WaitForCountAsync(3, Timeout);
        Assert.Equal(0, await process.TerminateAsync(Timeout));
        await _systemd.DrainAsync(Timeout);

        string[] kinds = [.. _systemd.Messages.Select(m => m.Split('\n')[0])];
        Assert.Equal("READY=1", kinds[0]); // exactly one READY: no second one from Microsoft.Extensions.Hosting.Systemd
        Assert.Equal("STOPPING=1", kinds[^1]);
        Assert.True(kinds.Length >= 4, string.Join(" | ", kinds));
        Assert.All(kinds[1..^1], k => Assert.Equal("WATCHDOG=1", k));
    }

    [Fact]
    public async Task A_bad_configuration_exits_78_and_never_says_ready()
    {
        await using var process = KvsEdgeProcess.Start("run", Settings(pulse: "00:05:00"), _work, Environment());

        Assert.Equal(78, await process.Exited.WaitAsync(Timeout));

        // Everything the exited process sent is queued before our own barrier datagram.
        await _systemd.DrainAsync(Timeout);
        Assert.Empty(_systemd.Messages);
        Assert.Empty(TransitionLog.Read(RelayLog));
    }
}

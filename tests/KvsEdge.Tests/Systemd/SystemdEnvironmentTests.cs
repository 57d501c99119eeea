using KvsEdge.Systemd;

namespace KvsEdge.Tests.Systemd;

public sealed class SystemdEnvironmentTests
{
    private static SystemdEnvironment Parse(string? socket, string? usec = null, string? pid = null, int processId = 4242) =>
        SystemdEnvironment.Parse(
            name => name switch
            {
                "NOTIFY_SOCKET" => socket,
                "WATCHDOG_USEC" => usec,
                "WATCHDOG_PID" => pid,
                _ => null,
            },
            processId);

    [Fact]
    public void No_notify_socket_means_not_run_by_systemd()
    {
        Assert.Equal(SystemdEnvironment.None, Parse(socket: null, usec: "30000000"));
    }

    [Theory]
    [InlineData("/run/systemd/notify")]
    [InlineData("@/org/freedesktop/systemd1/notify/123")]
    public void Absolute_paths_and_abstract_names_are_accepted_with_the_keep_alive_at_half_the_timeout(string socket)
    {
        SystemdEnvironment environment = Parse(socket, usec: "30000000");

        Assert.Equal(socket, environment.NotifySocket);
        Assert.Equal(TimeSpan.FromSeconds(30), environment.WatchdogTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), environment.KeepAliveInterval);
        Assert.Null(environment.Problem);
    }

    [Fact]
    public void A_relative_socket_path_is_refused_with_a_reason()
    {
        SystemdEnvironment environment = Parse("run/notify", usec: "30000000");

        Assert.Null(environment.NotifySocket);
        Assert.Contains("NOTIFY_SOCKET='run/notify'", environment.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("0")]
    [InlineData("-5")]
    public void A_bad_watchdog_usec_turns_only_the_watchdog_off(string usec)
    {
        SystemdEnvironment environment = Parse("/run/systemd/notify", usec);

        Assert.Equal("/run/systemd/notify", environment.NotifySocket);
        Assert.Null(environment.WatchdogTimeout);
        Assert.Contains($"WATCHDOG_USEC='{usec}'", environment.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_watchdog_meant_for_another_process_is_not_ours_to_feed()
    {
        Assert.Null(Parse("/run/systemd/notify", "30000000", pid: "999").WatchdogTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), Parse("/run/systemd/notify", "30000000", pid: "4242").WatchdogTimeout);
    }
}

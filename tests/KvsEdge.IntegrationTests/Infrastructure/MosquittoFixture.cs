using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KvsEdge.TestSupport;

namespace KvsEdge.IntegrationTests.Infrastructure;

/// <summary>
/// A real Mosquitto broker (<c>/usr/sbin/mosquitto</c>) on a free loopback port, with a generated configuration.
/// <see cref="Stop"/> and <see cref="StartAsync"/> restart it on the same port for broker-restart tests.
/// Retained messages are not persisted, so a restart loses them, like a broker without persistence would.
/// </summary>
public sealed class MosquittoFixture : IAsyncLifetime, IAsyncDisposable
{
    public const string Executable = "/usr/sbin/mosquitto";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly string _extraConfig;
    private readonly bool _persistent;
    private readonly StringBuilder _output = new();
    private Process? _process;

    public MosquittoFixture()
        : this(string.Empty)
    {
    }

    private MosquittoFixture(string extraConfig, bool persistent = false)
    {
        _extraConfig = extraConfig;
        _persistent = persistent;
        Directory = System.IO.Directory.CreateTempSubdirectory("kvsedge-mosquitto-").FullName;
        Port = FreeTcpPort();
    }

    public string Host { get; } = "127.0.0.1";

    /// <summary>The plain (anonymous, non-TLS) listener.</summary>
    public int Port { get; }

    /// <summary>Scratch directory for the configuration and any certificates; deleted on dispose.</summary>
    public string Directory { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <param name="extraConfig">Appended to the configuration (e.g. a TLS listener); call <see cref="StartAsync"/> next.</param>
    public static MosquittoFixture WithExtraConfig(string extraConfig) => new(extraConfig);

    /// <summary>
    /// A broker that keeps sessions across a restart (saved on a graceful stop), so a persistent subscriber
    /// receives QoS 1 messages published while it was reconnecting: broker-restart tests need no race.
    /// </summary>
    public static MosquittoFixture WithPersistence() => new(string.Empty, persistent: true);

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public Task InitializeAsync() => StartAsync();

    /// <summary>Starts the broker (again, on the same port) and returns once it accepts connections.</summary>
    public async Task StartAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"Mosquitto is not installed at {Executable}: run `apt-get install mosquitto` to run the integration tests.");
        }

        if (IsRunning)
        {
            return;
        }

        string configPath = Path.Combine(Directory, "mosquitto.conf");
        // `user <current user>` keeps a root test run as root (mosquitto would otherwise switch to `mosquitto`, which
        // cannot read our temp directory); as a normal user the setting has no effect.
        File.WriteAllText(configPath, $"""
            user {Environment.UserName}
            persistence {(_persistent ? "true" : "false")}
            persistence_location {Directory}/
            log_dest stderr
            per_listener_settings false
            allow_anonymous true
            listener {Port} 127.0.0.1
            {_extraConfig}

            """);

        _process = await MosquittoProcess.StartAsync(Executable, configPath, Port, _output, StartTimeout);
    }

    /// <summary>Kills the broker at once, as a crash would: clients see their connection drop.</summary>
    public void Stop()
    {
        Process? process = _process;
        _process = null;
        MosquittoProcess.Kill(process);
    }

    /// <summary>SIGTERM, as `systemctl stop mosquitto` would: a persistent broker saves its sessions first.</summary>
    public async Task StopGracefullyAsync()
    {
        Process? process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        using (process)
        {
            using var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await term.WaitForExitAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>What mosquitto logged so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    public ValueTask DisposeAsync()
    {
        Stop();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail the run.
        }

        return ValueTask.CompletedTask;
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KvsEdge.TestSupport.IotCoreDouble;

/// <summary>
/// IoT Core's MQTT front door, played by the real Mosquitto: one TLS listener on a free loopback port that requires a
/// client certificate from the test CA. The certificate's CN is the client's identity (`use_identity_as_username`), and
/// an ACL plays the least-privilege IoT policy: a thing may use only `$aws/things/&lt;its CN&gt;/…`; the claim
/// certificate only the provisioning topics; the shadow service every `$aws` topic.
/// </summary>
public sealed class IotCoreBroker : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/mosquitto";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly IotTestCertificates _certificates;
    private readonly StringBuilder _output = new();
    private Process? _process;

    public IotCoreBroker(IotTestCertificates certificates, int? port = null)
    {
        _certificates = certificates;
        Port = port ?? FreeTcpPort();
    }

    public string Host { get; } = "127.0.0.1";

    public int Port { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>What Mosquitto logged (connects, subscriptions, denials), for assertions and failure messages.</summary>
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

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts (or restarts on the same port) and returns once the TLS listener accepts connections.</summary>
    public async Task StartAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"Mosquitto is not installed at {Executable}: run `apt-get install mosquitto` to run the IoT Core tests.");
        }

        if (IsRunning)
        {
            return;
        }

        string dir = _certificates.Directory;
        string aclPath = Path.Combine(dir, "iot-policy.acl");
        File.WriteAllText(aclPath, $"""
            user {IotTestCertificates.ServiceIdentity}
            topic readwrite $aws/#

            user {IotTestCertificates.ClaimIdentity}
            topic readwrite $aws/certificates/#
            topic readwrite $aws/provisioning-templates/#

            pattern readwrite $aws/things/%u/#

            """);
        string configPath = Path.Combine(dir, "mosquitto-iot.conf");
        File.WriteAllText(configPath, $"""
            user {Environment.UserName}
            persistence false
            log_dest stderr
            log_type all
            per_listener_settings false
            allow_anonymous false
            acl_file {aclPath}
            listener {Port} 127.0.0.1
            cafile {_certificates.CaPath}
            certfile {_certificates.Server.CertificatePath}
            keyfile {_certificates.Server.KeyPath}
            require_certificate true
            use_identity_as_username true

            """);

        _process = await MosquittoProcess.StartAsync(Executable, configPath, Port, _output, StartTimeout);
    }

    /// <summary>Kills the broker, as a crash or a lost uplink would.</summary>
    public void Stop()
    {
        Process? process = _process;
        _process = null;
        MosquittoProcess.Kill(process);
    }

    /// <summary>The topic filters <paramref name="clientId"/> subscribed to, as Mosquitto logged them (`&lt;client&gt; &lt;qos&gt; &lt;filter&gt;`).</summary>
    public IReadOnlyList<string> SubscriptionsOf(string clientId)
    {
        var line = new System.Text.RegularExpressions.Regex("^[0-9]+: " + System.Text.RegularExpressions.Regex.Escape(clientId) + " [0-2] (\\S+)$");
        return Output.Split('\n').Select(l => line.Match(l.TrimEnd('\r'))).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }
}

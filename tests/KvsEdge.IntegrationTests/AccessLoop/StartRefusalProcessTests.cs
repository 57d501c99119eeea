using KvsEdge.IntegrationTests.Infrastructure;

namespace KvsEdge.IntegrationTests.AccessLoop;

/// <summary>
/// `kvsedge run` as systemd starts it, refusing what must never run: demo data on a real relay, a test fault point
/// outside tests, an MQTT password in clear over the network. Each exits 78 (no restart under systemd's
/// RestartPreventExitStatus) naming the key, before any GPIO line is opened. Nothing else is needed: no broker, no
/// Kinesis.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StartRefusalProcessTests : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const string Password = "s3cr3t-mqtt-pass";

    private readonly string _work = Directory.CreateTempSubdirectory("kvsedge-refusal-").FullName;
    private readonly List<KvsEdgeProcess> _processes = [];

    private string RelayLog => Path.Combine(_work, "relay.jsonl");

    [Theory]
    [InlineData("replay", "libgpiod")]
    [InlineData("kinesis,replay", "libgpiod-v2")]
    public async Task Replay_on_a_real_door_driver_exits_78_naming_the_keys(string source, string driver)
    {
        KvsEdgeProcess process = Start(Settings(source, new { Driver = driver, Relay = new { Pin = 17 } }));

        Assert.Equal(78, await process.Exited.WaitAsync(Timeout));
        Assert.Contains(process.Lines, l => l.Contains("Recognition:Source includes 'replay'", StringComparison.Ordinal) && l.Contains("Door:Driver", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("after-ledger-append", "libgpiod", "needs Door:Driver 'simulated'")]
    [InlineData("no-such-point", "simulated", "is not a fault point")]
    public async Task A_fault_point_outside_the_simulated_door_exits_78_naming_the_variable(string point, string driver, string message)
    {
        KvsEdgeProcess process = Start(Settings("replay", new { Driver = driver, Relay = new { Pin = 17 }, Simulated = new { TransitionLog = RelayLog } }), new Dictionary<string, string> { ["KVSEDGE_FAULT_POINT"] = point });

        Assert.Equal(78, await process.Exited.WaitAsync(Timeout));
        Assert.Contains(process.Lines, l => l.Contains("KVSEDGE_FAULT_POINT", StringComparison.Ordinal) && l.Contains(message, StringComparison.Ordinal));
        Assert.False(File.Exists(RelayLog));
    }

    [Fact]
    public async Task An_mqtt_password_in_clear_to_a_remote_broker_exits_78_naming_the_key_and_the_risk()
    {
        KvsEdgeProcess process = Start(Settings("replay", SimulatedDoor(), Mqtt(allowPlaintext: false)));

        Assert.Equal(78, await process.Exited.WaitAsync(Timeout));
        Assert.Contains(process.Lines, l => l.Contains("Mqtt:Password", StringComparison.Ordinal) && l.Contains("clear text", StringComparison.Ordinal));
        Assert.DoesNotContain(process.Lines, l => l.Contains(Password, StringComparison.Ordinal));
        Assert.False(File.Exists(RelayLog));
    }

    [Fact]
    public async Task An_accepted_plaintext_password_runs_with_a_warning_that_never_shows_it()
    {
        KvsEdgeProcess process = Start(Settings("replay", SimulatedDoor(), Mqtt(allowPlaintext: true)));

        await process.WaitForLineAsync(l => l.Contains("without TLS", StringComparison.Ordinal), Timeout);
        Assert.Equal(0, await process.TerminateAsync(Timeout));
        Assert.DoesNotContain(process.Lines, l => l.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Vision_with_a_missing_model_exits_78_naming_the_key_and_the_door_is_never_driven()
    {
        Dictionary<string, object> settings = Settings("replay", SimulatedDoor());
        settings["Vision"] = new { Enabled = true, ModelPath = Path.Combine(_work, "no-such-model.onnx") };
        KvsEdgeProcess process = Start(settings);

        Assert.Equal(78, await process.Exited.WaitAsync(Timeout));
        Assert.Contains(process.Lines, l => l.Contains("Vision:ModelPath", StringComparison.Ordinal) && l.Contains("no-such-model.onnx", StringComparison.Ordinal) && l.Contains("does not exist", StringComparison.Ordinal));
        Assert.False(File.Exists(RelayLog));
    }

    [Fact]
    public async Task Vision_with_a_corrupt_model_exits_78_naming_the_key_and_the_file()
    {
        string model = Path.Combine(_work, "garbage.onnx");
        await File.WriteAllBytesAsync(model, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 37))]);
        Dictionary<string, object> settings = Settings("replay", SimulatedDoor());
        settings["Vision"] = new { Enabled = true, ModelPath = model };
        KvsEdgeProcess process = Start(settings);

        Assert.Equal(78, await process.Exited.WaitAsync(Timeout));
        Assert.Contains(process.Lines, l => l.Contains("Vision:ModelPath", StringComparison.Ordinal) && l.Contains("garbage.onnx", StringComparison.Ordinal) && l.Contains("not a usable face detector model", StringComparison.Ordinal));
        Assert.False(File.Exists(RelayLog));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (KvsEdgeProcess process in _processes)
        {
            await process.DisposeAsync();
        }

        Directory.Delete(_work, recursive: true);
    }

    private KvsEdgeProcess Start(Dictionary<string, object> settings, IReadOnlyDictionary<string, string>? environment = null)
    {
        KvsEdgeProcess process = KvsEdgeProcess.Start("run", settings, _work, environment);
        _processes.Add(process);
        return process;
    }

    private object SimulatedDoor() => new { Driver = "simulated", Relay = new { Pin = 17 }, Simulated = new { TransitionLog = RelayLog } };

    // TEST-NET-1 (RFC 5737): not this machine and never answers, so nothing is sent anywhere.
    private static object Mqtt(bool allowPlaintext) => new
    {
        Host = "192.0.2.1",
        Username = "kvsedge",
        Password,
        AllowPlaintextPassword = allowPlaintext,
        ConnectTimeout = "00:00:01",
    };

    private Dictionary<string, object> Settings(string source, object door, object? mqtt = null) => new()
    {
        ["Device"] = new { Id = "refusal", StateDirectory = Path.Combine(_work, "state") },
        ["Aws"] = new { Region = "us-east-1" },
        ["Recognition"] = new { Source = source, Kinesis = new { StreamName = "door-events" } },
        ["Door"] = door,
        ["Mqtt"] = mqtt ?? new { Enabled = false },
        ["Camera"] = new { Enabled = false },
    };
}

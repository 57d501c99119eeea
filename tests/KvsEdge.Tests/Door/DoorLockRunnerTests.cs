using System.Device.Gpio;
using System.Text.Json;
using KvsEdge.Cli;
using KvsEdge.Door;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Door;

/// <summary>`door lock` always drives a relay: the configured one, else the last known one, else the packaged defaults.</summary>
public sealed class DoorLockRunnerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-lock-").FullName;
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private DoorOptions? _used;
    private SimulatedGpioDriver? _driver;

    private string StateDirectory => Path.Combine(_directory, "state");

    public static TheoryData<string> UnusableConfigs => new()
    {
        """{ "Door": { "Relay": { "Pin": 17 }, }, oops""", // not JSON
        // Readable JSON names the state directory `run` used; a file that is not JSON leaves systemd's STATE_DIRECTORY.
        """{ "Device": { "StateDirectory": "{state}" }, "Door": { "PulseDuration": "three seconds" } }""", // not bindable
        """{ "Device": { "StateDirectory": "{state}" }, "Door": { "Relay": { "Pin": 5000 } } }""", // not valid
        """{ "Device": { "StateDirectory": "{state}" }, "Door": { "Relay": { "Pinn": 17 } } }""", // an unknown key: which pin was meant?
    };

    [Theory]
    [MemberData(nameof(UnusableConfigs))]
    public void An_unusable_config_locks_the_last_known_relay_and_says_so(string json)
    {
        new LastKnownRelay(DoorOptions.SimulatedDriver, 0, 5, ActiveLow: true, TransitionLog: null).Save(StateDirectory);

        int exit = Run(Write(json.Replace("{state}", StateDirectory, StringComparison.Ordinal)), stateDirectoryVariable: StateDirectory);

        Assert.Equal(DoorLock.Success, exit);
        Assert.Equal((5, true), (_used!.Relay.Pin, _used.Relay.ActiveLow));
        Assert.All(_driver!.Transitions, t => Assert.Equal((5, PinValue.High), (t.Pin, t.Value)));
        Assert.NotEmpty(_driver.Transitions);
        Assert.Contains("last known relay", _error.ToString(), StringComparison.Ordinal);
        Assert.Contains("pin 5, active low", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unusable_config_without_a_last_known_relay_locks_the_packaged_defaults_and_says_so()
    {
        int exit = Run(Write("not json at all"), stateDirectoryVariable: StateDirectory);

        Assert.Equal(DoorLock.Success, exit);
        Assert.Equal((DoorOptions.LibgpiodDriver, 0, 17, false), (_used!.Driver, _used.Chip, _used.Relay.Pin, _used.Relay.ActiveLow));
        Assert.All(_driver!.Transitions, t => Assert.Equal((17, PinValue.Low), (t.Pin, t.Value)));
        Assert.Contains("packaged default relay", _error.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("door lock: the configuration cannot be used (", _error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("(- ", _error.ToString(), StringComparison.Ordinal); // the reason, not the list markup
        Assert.Contains("does not exist", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_readable_config_that_names_the_state_directory_is_where_the_last_known_relay_is_looked_for()
    {
        new LastKnownRelay(DoorOptions.SimulatedDriver, 0, 6, ActiveLow: false, TransitionLog: null).Save(StateDirectory);
        string json = $$"""{ "Device": { "StateDirectory": {{JsonSerializer.Serialize(StateDirectory)}} }, "Door": { "Relay": { "Pin": -1 } } }""";

        Assert.Equal(DoorLock.Success, Run(Write(json), stateDirectoryVariable: null));
        Assert.Equal(6, _used!.Relay.Pin);
    }

    [Fact]
    public void A_bad_value_outside_the_door_section_does_not_stop_the_configured_lock()
    {
        new LastKnownRelay(DoorOptions.SimulatedDriver, 0, 5, ActiveLow: true, TransitionLog: null).Save(StateDirectory);
        string json = """{ "Door": { "Driver": "simulated", "Relay": { "Pin": 12 } }, "Access": { "MaxEventAge": "banana" }, "Mqtt": { "Port": "x" } }""";

        Assert.Equal(DoorLock.Success, Run(Write(json), stateDirectoryVariable: StateDirectory));
        Assert.Equal(12, _used!.Relay.Pin);
        Assert.Equal(string.Empty, _error.ToString());
    }

    [Fact]
    public void Missing_libgpiod_is_exit_78_naming_the_package_without_a_stack_trace()
    {
        int exit = DoorLockRunner.Run(
            Write("""{ "Door": { "Driver": "libgpiod" } }"""), _output, _error, _ => null,
            o => GpioDriverFactory.OpenNative(o.Driver, () => throw new DllNotFoundException("Unable to load shared library 'libgpiod.so.2'")));

        Assert.Equal(78, exit);
        Assert.Contains("libgpiod2", _output.ToString(), StringComparison.Ordinal);
        Assert.Contains("NOT driven", _output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", _output.ToString() + _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_last_known_relay_is_written_atomically_and_reads_back()
    {
        var relay = new LastKnownRelay(DoorOptions.SimulatedDriver, 1, 23, ActiveLow: true, TransitionLog: "/tmp/t.jsonl");
        relay.Save(StateDirectory);
        relay.Save(StateDirectory); // over an existing one

        Assert.Equal([LastKnownRelay.FileName], Directory.GetFiles(StateDirectory).Select(Path.GetFileName));
        Assert.Equal(relay, LastKnownRelay.TryLoad(StateDirectory, out _));
        Assert.Equal(
            """{"driver":"simulated","chip":1,"pin":23,"active_low":true,"transition_log":"/tmp/t.jsonl"}""",
            File.ReadAllText(Path.Combine(StateDirectory, LastKnownRelay.FileName)));

        File.WriteAllText(Path.Combine(StateDirectory, LastKnownRelay.FileName), "{ torn");
        Assert.Null(LastKnownRelay.TryLoad(StateDirectory, out string problem));
        Assert.Contains("cannot be read", problem, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private int Run(string configFile, string? stateDirectoryVariable) =>
        DoorLockRunner.Run(configFile, _output, _error, name => name == "STATE_DIRECTORY" ? stateDirectoryVariable : null, options =>
        {
            _used = options;
            return _driver = new SimulatedGpioDriver(new FakeTimeProvider());
        });

    private string Write(string json)
    {
        string file = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(file, json);
        return file;
    }
}

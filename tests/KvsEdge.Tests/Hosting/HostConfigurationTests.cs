using KvsEdge.Cli;
using KvsEdge.Common;
using KvsEdge.Door;
using KvsEdge.Recognition;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Hosting;

/// <summary>
/// The start-up gate: every bad value is reported with its key and no host (so no GPIO line) comes out of it.
/// </summary>
[Collection(EnvironmentTestGroup.Name)]
public sealed class HostConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-config-").FullName;

    public static TheoryData<string, string> BadSettings => new()
    {
        { """{ "Door": { "PulseDuration": "00:05:00" } }""", "Door:PulseDuration" },
        { """{ "Door": { "PulseDuration": "three seconds" } }""", "Door:PulseDuration" },
        { """{ "Door": { "Driver": "wiringpi" } }""", "Door:Driver" },
        { """{ "Recognition": { "Kinesis": { "StreamName": null } } }""", "Recognition:Kinesis:StreamName" },
        { """{ "Recognition": { "Kinesis": { "PollInterval": "00:00:00.05" } } }""", "Recognition:Kinesis:PollInterval" },
        { """{ "Recognition": { "Source": "carrier-pigeon" } }""", "Recognition:Source" },
        { """{ "Access": { "People": { "alice": { "MinSimilarity": 150 } } } }""", "Access:People:alice:MinSimilarity" },
        { """{ "Access": { "TimeZone": "Mars/Olympus_Mons" } }""", "Access:TimeZone" },
        { """{ "Mqtt": { "Port": 70000 } }""", "Mqtt:Port" },
        { """{ "Device": { "Id": "front door!" } }""", "Device:Id" },
        { """{ "Recognition": { "Source": "image-api", "ImageApi": { "CollectionId": "front door" } }, "Triggers": { "Interval": "00:00:10" } }""", "Recognition:ImageApi:CollectionId 'front door'" },
        { """{ "Recognition": { "Source": "image-api", "ImageApi": { "CollectionId": "door" } }, "Triggers": { "Mqtt": { "Enabled": true } } }""", "Triggers:Mqtt:Enabled" },
        { """{ "Recognition": { "Source": "image-api", "ImageApi": { "CollectionId": "door" } } }""", "no trigger is on" },
        { """{ "Recognition": { "Source": "image-api", "ImageApi": { "CollectionId": "door" } }, "Triggers": { "Gpio": [ { "Pin": 17 } ] } }""", "Triggers:Gpio:0:Pin 17" },
        { """{ "Recognition": { "Source": "image-api", "ImageApi": { "CollectionId": "door" } }, "Triggers": { "Interval": "00:00:10" }, "Camera": { "FrameTap": { "Enabled": false } } }""", "Camera:FrameTap:Enabled" },
        // A GPIO trigger on a door line is refused whatever the source, not only with the image API.
        { """{ "Triggers": { "Gpio": [ { "Pin": 17 } ] } }""", "Triggers:Gpio:0:Pin 17 is already a door output (Door:Relay:Pin)" },
        { """{ "Recognition": { "Source": "replay" }, "Door": { "StatusLed": { "Pin": 24 } }, "Triggers": { "Gpio": [ { "Pin": 24 } ] } }""", "Triggers:Gpio:0:Pin 24 is already a door output (Door:StatusLed:Pin)" },
        // Door inputs (issue 14): every line against every other one, triggers included.
        { """{ "Door": { "Inputs": { "Contact": { "Pin": 5 } } }, "Triggers": { "Gpio": [ { "Name": "bell", "Pin": 13 }, { "Name": "pir", "Pin": 5 } ] } }""", "Triggers:Gpio:1:Pin 5 is already a door input (Door:Inputs:Contact:Pin)" },
        { """{ "Door": { "Inputs": { "ExitButton": { "Pin": 17 } } } }""", "Door:Relay:Pin and Door:Inputs:ExitButton:Pin must be different pins" },
        { """{ "Door": { "StatusLed": { "Pin": 24 }, "Inputs": { "Tamper": { "Pin": 24 } } } }""", "Door:StatusLed:Pin and Door:Inputs:Tamper:Pin must be different pins" },
        { """{ "Door": { "Inputs": { "Contact": { "Pin": 5 }, "ExitButton": { "Pin": 5 } } } }""", "Door:Inputs:Contact:Pin and Door:Inputs:ExitButton:Pin must be different pins" },
        { """{ "Door": { "Inputs": { "Contact": { "Pin": 5, "HeldOpenAfter": "00:00:00" } } } }""", "Door:Inputs:Contact:HeldOpenAfter" },
        { """{ "Door": { "Inputs": { "ExitButton": { "Pin": 6, "Pull": "sideways" } } } }""", "Door:Inputs:ExitButton:Pull" },
        { """{ "Triggers": { "Gpio": [ { "Pin": 13 }, { "Pin": 13 } ] } }""", "Triggers:Gpio:1:Pin and Triggers:Gpio:0:Pin must be different pins" },
        // The single form before the list: refused, naming where each key goes now.
        { """{ "Triggers": { "Gpio": { "Enabled": true, "Pin": 13 } } }""", "move it into an item: `Triggers:Gpio:0:Pin`" },
        { """{ "Door": { "Driver": "libgpiod", "Simulated": { "LockWriteFailures": "Always" } } }""", "Door:Simulated:LockWriteFailures" },
        { """{ "Door": { "Simulated": { "LockWriteFailures": "Sometimes" } } }""", "Door:Simulated:LockWriteFailures" },
        { """{ "Recognition": { "Source": "image-api", "ImageApi": { "CollectionId": "door" } }, "Triggers": { "Motion": { "Enabled": true, "Sensitivity": 0 } } }""", "Triggers:Motion:Sensitivity" },
        { """{ "Recognition": { "Source": "replay" }, "Door": { "Driver": "libgpiod" } }""", "Recognition:Source includes 'replay'" },
        { """{ "Recognition": { "Source": "kinesis,replay" }, "Door": { "Driver": "libgpiod-v2" } }""", "Door:Driver is 'simulated' (was 'libgpiod-v2')" },
        { """{ "Mqtt": { "Host": "broker.example.net", "Username": "kvsedge", "Password": "s3cr3t-pass" } }""", "Mqtt:AllowPlaintextPassword" },
        { """{ "Mqtt": { "Host": "192.168.1.10", "Username": "kvsedge", "Password": "s3cr3t-pass" } }""", "clear text" },
    };

    public static TheoryData<string> AcceptedSettings => new()
    {
        """{ "Recognition": { "Source": "replay" } }""", // the demo's combination: replay on the simulated door
        """{ "Recognition": { "Source": "kinesis,replay" } }""",
        """{ "Mqtt": { "Host": "127.0.0.1", "Username": "kvsedge", "Password": "s3cr3t-pass" } }""", // loopback
        """{ "Mqtt": { "Host": "localhost", "Username": "kvsedge", "Password": "s3cr3t-pass" } }""",
        """{ "Mqtt": { "Host": "broker.example.net", "Username": "kvsedge", "Password": "s3cr3t-pass", "Tls": { "Enabled": true } } }""",
        """{ "Mqtt": { "Host": "broker.example.net", "Username": "kvsedge", "Password": "s3cr3t-pass", "AllowPlaintextPassword": true } }""",
        // The wiring in hardware/: contact 5, exit button 6, doorbell 13, PIR 16, tamper 26 beside relay 17 and LEDs 22-24.
        """{ "Door": { "GrantedLed": { "Pin": 22 }, "DeniedLed": { "Pin": 23 }, "StatusLed": { "Pin": 24 }, "Inputs": { "Contact": { "Pin": 5 }, "ExitButton": { "Pin": 6 }, "Tamper": { "Pin": 26 } } }, "Triggers": { "Gpio": [ { "Name": "doorbell", "Pin": 13 }, { "Name": "pir", "Pin": 16, "ActiveLow": false, "Pull": "down" } ] } }""",
    };

    [Theory]
    [MemberData(nameof(AcceptedSettings))]
    public void Safe_combinations_are_accepted(string json)
    {
        using var _ = new AwsEnvironment("AKIDTEST", "test-secret");
        var error = new StringWriter();
        using IHost? host = HostRunner.TryBuild(Write(Merge(json)), null, error);
        Assert.True(host is not null, error.ToString());
        Assert.DoesNotContain("s3cr3t-pass", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("after-ledger-append", "libgpiod", "needs Door:Driver 'simulated'")]
    [InlineData("before-checkpoint", "libgpiod-v1", "needs Door:Driver 'simulated'")]
    [InlineData("after-relay", "simulated", "is not a fault point")]
    public void A_fault_point_is_refused_unless_the_door_is_simulated_and_the_point_is_known(string point, string driver, string message)
    {
        using var aws = new AwsEnvironment("AKIDTEST", "test-secret");
        using var fault = new FaultPointEnvironment(point);
        var error = new StringWriter();

        IHost? host = HostRunner.TryBuild(Write(Merge($$"""{ "Door": { "Driver": "{{driver}}" } }""")), null, error);

        Assert.Null(host);
        Assert.Contains(FaultPoint.EnvironmentVariable, error.ToString(), StringComparison.Ordinal);
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_known_fault_point_on_the_simulated_door_is_armed()
    {
        using var aws = new AwsEnvironment("AKIDTEST", "test-secret");
        using var fault = new FaultPointEnvironment(FaultPoint.BeforeCheckpoint);
        var error = new StringWriter();

        using IHost? host = HostRunner.TryBuild(Write(Merge("{}")), null, error);

        Assert.True(host is not null, error.ToString());
        Assert.Equal(FaultPoint.BeforeCheckpoint, host.Services.GetRequiredService<FaultPoint>().Armed);
    }

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_value_is_reported_with_its_key_and_no_host_is_built(string json, string key)
    {
        string file = Write(Merge(json));
        var error = new StringWriter();

        IHost? host = HostRunner.TryBuild(file, overrides: null, error);

        Assert.Null(host);
        Assert.Contains(key, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_unreadable_config_file_is_a_configuration_error()
    {
        var error = new StringWriter();
        Assert.Null(HostRunner.TryBuild(Path.Combine(_directory, "nope.json"), null, error));
        Assert.Contains("nope.json", error.ToString(), StringComparison.Ordinal);

        error = new StringWriter();
        Assert.Null(HostRunner.TryBuild(Write("{ \"Door\": "), null, error));
        Assert.Contains("Configuration error", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_aws_credentials_are_a_configuration_error_naming_the_variables()
    {
        using var _ = new AwsEnvironment(keyId: null, secret: null);
        var error = new StringWriter();
        Assert.Null(HostRunner.TryBuild(Write(Merge("{}")), null, error));
        Assert.Contains("AWS_ACCESS_KEY_ID", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_configuration_builds_without_opening_any_gpio_line()
    {
        using var _ = new AwsEnvironment("AKIDTEST", "test-secret");
        string log = Path.Combine(_directory, "relay.jsonl");
        string file = Write(Merge($$"""{ "Door": { "Simulated": { "TransitionLog": "{{log}}" } } }"""));
        var error = new StringWriter();

        using IHost? host = HostRunner.TryBuild(file, null, error);

        Assert.NotNull(host);
        Assert.Equal(string.Empty, error.ToString());
        // Nothing was started: no level was driven on any pin (the relay is opened by the door's StartAsync).
        Assert.True(!File.Exists(log) || new FileInfo(log).Length == 0);
        Assert.IsType<KinesisFaceMatchSource>(host.Services.GetServices<IHostedService>().Last());
        Assert.IsType<DoorController>(host.Services.GetServices<IHostedService>().First());
    }

    [Theory]
    [InlineData("{}", "kvsedge-faces")]
    [InlineData("""{ "Cloud": { "CollectionId": "flat-42" } }""", "flat-42")]
    [InlineData("""{ "Cloud": { "CollectionId": "flat-42" }, "Recognition": { "ImageApi": { "CollectionId": "door" } } }""", "door")]
    public void The_image_api_searches_the_cloud_collection_unless_told_otherwise(string extra, string expected)
    {
        using var _ = new AwsEnvironment("AKIDTEST", "test-secret");
        var settings = System.Text.Json.Nodes.JsonNode.Parse(Merge("""{ "Recognition": { "Source": "image-api" }, "Triggers": { "Interval": "00:00:10" } }"""))!.AsObject();
        HostConfigFiles.MergeInto(settings, System.Text.Json.Nodes.JsonNode.Parse(extra)!.AsObject());
        string file = Write(settings.ToJsonString());
        var error = new StringWriter();

        using IHost? host = HostRunner.TryBuild(file, null, error);

        Assert.Equal(string.Empty, error.ToString());
        Assert.Equal(expected, host!.Services.GetRequiredService<IOptions<RecognitionOptions>>().Value.ImageApi.CollectionId);
    }

    [Fact]
    public void Both_sources_run_side_by_side_and_the_mqtt_trigger_is_registered_only_when_enabled()
    {
        using var _ = new AwsEnvironment("AKIDTEST", "test-secret");
        string both = Write(Merge("""
            { "Recognition": { "Source": "kinesis,image-api", "ImageApi": { "CollectionId": "door" } },
              "Triggers": { "Mqtt": { "Enabled": true }, "Interval": "00:01:00" },
              "Mqtt": { "Username": "kvsedge", "Password": "p" } }
            """));
        string imageOnly = Write(Merge("""{ "Recognition": { "Source": "image-api", "ImageApi": { "CollectionId": "door" } }, "Triggers": { "Interval": "00:00:10" } }"""));
        var error = new StringWriter();

        using IHost? withBoth = HostRunner.TryBuild(both, null, error);
        using IHost? withImageApi = HostRunner.TryBuild(imageOnly, null, error);

        Assert.Equal(string.Empty, error.ToString());
        var hosted = withBoth!.Services.GetServices<IHostedService>().ToList();
        Assert.Contains(hosted, s => s is KinesisFaceMatchSource);
        Assert.Contains(hosted, s => s is ImageApiFaceMatchSource);
        Assert.Contains(hosted, s => s is KvsEdge.Triggers.IntervalTriggerSource);
        // Other inbound handlers (Home Assistant's birth message) may be registered too: only the trigger's presence matters.
        Assert.Single(withBoth.Services.GetServices<KvsEdge.Status.IMqttInboundHandler>().OfType<KvsEdge.Triggers.MqttTriggerHandler>());
        Assert.Empty(withImageApi!.Services.GetServices<KvsEdge.Status.IMqttInboundHandler>().OfType<KvsEdge.Triggers.MqttTriggerHandler>());
        Assert.DoesNotContain(withImageApi.Services.GetServices<IHostedService>(), s => s is KinesisFaceMatchSource);
    }

    [Fact]
    public void Environment_variables_override_the_config_file()
    {
        string file = Write(Merge("{}"));
        Environment.SetEnvironmentVariable("KVSEDGE_Door__PulseDuration", "00:09:00");
        try
        {
            var error = new StringWriter();
            Assert.Null(HostRunner.TryBuild(file, null, error));
            Assert.Contains("Door:PulseDuration", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("KVSEDGE_Door__PulseDuration", null);
        }
    }

    [Fact]
    public void The_packaged_config_needs_only_a_stream_name_to_start()
    {
        // packaging/appsettings.json becomes /etc/kvsedge/appsettings.json: JSON with comments, read by the app's own provider.
        string packaged = Path.Combine(RepositoryRoot.Find(), "packaging", "appsettings.json");
        using var _ = new AwsEnvironment("AKIDTEST", "test-secret");
        var asShipped = new Dictionary<string, string?> { ["Device:StateDirectory"] = _directory, ["Aws:Region"] = "us-east-1", ["Door:Driver"] = "simulated" };

        var error = new StringWriter();
        Assert.Null(HostRunner.TryBuild(packaged, asShipped, error));
        string[] failures = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(failures, f => f.Contains("Recognition:Kinesis:StreamName", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("Door:", StringComparison.Ordinal) || f.Contains("Access:", StringComparison.Ordinal)
            || f.Contains("Mqtt:", StringComparison.Ordinal) || f.Contains("Camera:", StringComparison.Ordinal) || f.Contains("Device:", StringComparison.Ordinal));

        error = new StringWriter();
        using IHost? host = HostRunner.TryBuild(packaged, new Dictionary<string, string?>(asShipped) { ["Recognition:Kinesis:StreamName"] = "front-door-faces" }, error);
        Assert.Equal(string.Empty, error.ToString());
        Assert.NotNull(host);
    }

    [Fact]
    public void The_packaged_config_repeats_the_built_in_defaults()
    {
        // An operator reading /etc/kvsedge/appsettings.json must see the values in force, not stale copies of them.
        string root = RepositoryRoot.Find();
        IConfigurationRoot packaged = new ConfigurationBuilder().AddJsonFile(Path.Combine(root, "packaging", "appsettings.json")).Build();
        IConfigurationRoot defaults = new ConfigurationBuilder().AddJsonFile(Path.Combine(root, "src", "KvsEdge", "appsettings.json")).Build();

        var shared = packaged.AsEnumerable().Where(p => p.Value is not null && defaults[p.Key] is not null).ToList();
        Assert.True(shared.Count >= 15, $"only {shared.Count} keys in common");
        Assert.All(shared, p => Assert.Equal(defaults[p.Key], p.Value));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Sets KVSEDGE_FAULT_POINT for one test and restores it after.</summary>
    private sealed class FaultPointEnvironment : IDisposable
    {
        private readonly string? _saved = Environment.GetEnvironmentVariable(FaultPoint.EnvironmentVariable);

        public FaultPointEnvironment(string value) => Environment.SetEnvironmentVariable(FaultPoint.EnvironmentVariable, value);

        public void Dispose() => Environment.SetEnvironmentVariable(FaultPoint.EnvironmentVariable, _saved);
    }

    /// <summary>Sets (or clears) the AWS credential variables for one test and restores them after.</summary>
    internal sealed class AwsEnvironment : IDisposable
    {
        private static readonly string[] Names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"];
        private readonly Dictionary<string, string?> _saved = Names.ToDictionary(n => n, Environment.GetEnvironmentVariable);

        public AwsEnvironment(string? keyId, string? secret)
        {
            foreach (string name in Names)
            {
                Environment.SetEnvironmentVariable(name, null);
            }

            // No profile files either, whatever the developer's machine has.
            Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
            Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", "/nonexistent/config");
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", keyId);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", secret);
        }

        public void Dispose()
        {
            foreach (var (name, value) in _saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    private string Merge(string json) => HostConfigFiles.Merge(_directory, json);

    private string Write(string json) => HostConfigFiles.Write(_directory, json);
}

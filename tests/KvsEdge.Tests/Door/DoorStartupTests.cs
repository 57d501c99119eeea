using System.Diagnostics;
using System.Runtime.InteropServices;
using KvsEdge.Cli;
using KvsEdge.Door;
using KvsEdge.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KvsEdge.Tests.Door;

/// <summary>What `run` does with the door at start: saves the last known relay, and names a missing libgpiod.</summary>
public sealed class DoorStartupTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-door-start-").FullName;

    private string StateDirectory => Path.Combine(_directory, "state");

    [Fact]
    public async Task A_successful_start_saves_the_last_known_relay()
    {
        string config = Write(Config("simulated", """, "Relay": { "Pin": 9, "ActiveLow": true }"""));
        var error = new StringWriter();
        using IHost? host = HostRunner.TryBuild(config, overrides: null, error);
        Assert.True(host is not null, error.ToString());
        Assert.False(File.Exists(Path.Combine(StateDirectory, LastKnownRelay.FileName))); // not before the relay is open

        // The door's relay health is one of the loops the systemd watchdog watches.
        Assert.Contains(host.Services.GetServices<KvsEdge.Systemd.ILoopProgress>(), l => l is KvsEdge.Door.DoorLoopProgress { Name: "door" });

        await host.StartAsync();
        try
        {
            Assert.Equal(
                new LastKnownRelay(DoorOptions.SimulatedDriver, 0, 9, ActiveLow: true, TransitionLog: null),
                LastKnownRelay.TryLoad(StateDirectory, out string problem));
            Assert.Empty(problem);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void Missing_libgpiod_is_named_with_its_package()
    {
        var ex = Assert.Throws<GpioLibraryMissingException>(() => GpioDriverFactory.OpenNative(
            "libgpiod", () => throw new TypeInitializationException("Interop", new DllNotFoundException("Unable to load shared library 'libgpiod.so.2'"))));

        Assert.Contains("libgpiod2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Door:Driver 'libgpiod'", ex.Message, StringComparison.Ordinal);
        Assert.True(GpioDriverFactory.IsMissingLibrary(new EntryPointNotFoundException()));
        // What System.Device.Gpio 4.2's LibGpiodDriver throws when libgpiod.so.2 is absent.
        Assert.True(GpioDriverFactory.IsMissingLibrary(new PlatformNotSupportedException("Libgpiod driver not installed. More information on: https://git.kernel.org/")));
        Assert.False(GpioDriverFactory.IsMissingLibrary(new PlatformNotSupportedException("Not on this OS")));
        Assert.False(GpioDriverFactory.IsMissingLibrary(new IOException("no such chip")));
    }

    [Fact]
    public async Task Run_with_libgpiod_missing_exits_78_naming_the_package_without_a_stack_trace()
    {
        // Whichever is true on this machine: without libgpiod, exit 78 and the package named; with it, no such claim.
        bool libgpiodPresent = CanLoad("libgpiod.so.2") || CanLoad("libgpiod.so.3");
        // Replay is refused on a real driver, so the source is Kinesis (never reached: the door opens first).
        string config = Write(Config("libgpiod", """, "Chip": 999""", """{ "Source": "kinesis", "Kinesis": { "StreamName": "door-start" } }"""));
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "kvsedge"), ["run", "--config", config]);
        foreach (string name in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(n => n.StartsWith("KVSEDGE_", StringComparison.Ordinal) || n.StartsWith("AWS_", StringComparison.Ordinal)))
        {
            info.Environment.Remove(name);
        }

        info.Environment["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE";
        info.Environment["AWS_SECRET_ACCESS_KEY"] = "door-start-secret";
        info.Environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9";

        await using ChildProcess run = ChildProcess.Start("kvsedge run", info);
        int exit = await run.Exited.WaitAsync(Bound);
        string output = string.Join('\n', run.Lines);

        if (libgpiodPresent)
        {
            Assert.DoesNotContain("libgpiod cannot be loaded", output, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(78, exit);
        Assert.Contains("libgpiod2", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(StateDirectory, LastKnownRelay.FileName)));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static bool CanLoad(string library)
    {
        if (NativeLibrary.TryLoad(library, out IntPtr handle))
        {
            NativeLibrary.Free(handle);
            return true;
        }

        return false;
    }

    private string Config(string driver, string door, string recognition = """{ "Source": "replay" }""") => $$"""
        { "Device": { "Id": "door-start", "StateDirectory": {{System.Text.Json.JsonSerializer.Serialize(StateDirectory)}} },
          "Door": { "Driver": "{{driver}}"{{door}} },
          "Recognition": {{recognition}},
          "Mqtt": { "Enabled": false },
          "Camera": { "Enabled": false },
          "Aws": { "Region": "us-east-1" } }
        """;

    private string Write(string json)
    {
        string file = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(file, json);
        return file;
    }
}

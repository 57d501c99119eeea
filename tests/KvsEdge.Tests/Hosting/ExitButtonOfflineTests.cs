using System.Device.Gpio;
using KvsEdge.Actions;
using KvsEdge.Cli;
using KvsEdge.Door;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KvsEdge.Tests.Hosting;

/// <summary>
/// The exit button through the whole host (the same composition as `run`), with the MQTT broker down and every cloud
/// endpoint unreachable: the strike still pulses, locally, and the press is audited without touching the grant ledger.
/// </summary>
[Collection(EnvironmentTestGroup.Name)]
public sealed class ExitButtonOfflineTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-rex-").FullName;

    [Fact]
    public async Task The_exit_button_pulses_the_strike_with_mqtt_down_and_the_cloud_unreachable()
    {
        using var aws = new HostConfigurationTests.AwsEnvironment("AKIDTEST", "test-secret");
        // Port 9 (discard) on loopback: nothing listens, so the broker and Kinesis both refuse every connection.
        string file = HostConfigFiles.Write(_directory, HostConfigFiles.Merge(_directory, """
            { "Door": { "Inputs": { "ExitButton": { "Pin": 6, "Debounce": "00:00:00" } } },
              "Mqtt": { "Enabled": true, "Host": "127.0.0.1", "Port": 9 },
              "Aws": { "Endpoints": { "Kinesis": "http://127.0.0.1:9", "Rekognition": "http://127.0.0.1:9" } },
              "Camera": { "Enabled": false } }
            """));
        var error = new StringWriter();
        using IHost? host = HostRunner.TryBuild(file, null, error);
        Assert.True(host is not null, error.ToString());

        await host.StartAsync();
        try
        {
            SimulatedGpioDriver driver = host.Services.GetRequiredService<GpioDriverHolder>().Simulated!;
            MqttStatusPublisher mqtt = host.Services.GetRequiredService<MqttStatusPublisher>();
            DoorInputMonitor inputs = host.Services.GetRequiredService<DoorInputMonitor>();
            var audited = new TaskCompletionSource<DoorEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            inputs.EventRaised += (_, e) => audited.TrySetResult(e);
            Task<PinTransition> released = driver.WaitForTransitionAsync(t => t.Pin == 17 && t.Value == PinValue.High);
            Assert.False(mqtt.IsConnected);

            driver.DriveInput(6, PinValue.Low); // pressed (to ground)

            await released.WaitAsync(Bound);
            Assert.Equal(DoorState.Unlocked, host.Services.GetRequiredService<IDoor>().State);
            DoorEvent exit = await audited.Task.WaitAsync(Bound);
            Assert.Equal((DoorEventTypes.ExitRequest, DoorEventReasons.Unlocked), (exit.Type, exit.Reason));
            Assert.False(mqtt.IsConnected);
            // Not a face decision: nothing was written to the grant ledger.
            Assert.Empty(host.Services.GetRequiredService<GrantLedger>().ReadRecent(DateTimeOffset.MinValue, out _));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

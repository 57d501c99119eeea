using System.Text.Json.Nodes;
using KvsEdge.Cli;
using KvsEdge.Iot;
using KvsEdge.TestSupport.IotCoreDouble;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KvsEdge.IntegrationTests.Iot;

/// <summary>
/// The jobs agent as the real host registers it (HostRunner.TryBuild, the whole host started): a `restart` job stops
/// the host through its normal stop, and the next host on the same state directory reports it SUCCEEDED.
/// </summary>
[Trait("Category", "Integration")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class JobsHostTests : IAsyncLifetime
{
    private const string Thing = "door-lobby";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _state = Directory.CreateTempSubdirectory("kvsedge-iot-jobs-host-").FullName;
    private IotCoreDouble _iot = null!;
    private JobsService _jobs = null!;

    public async Task InitializeAsync()
    {
        _iot = await IotCoreDouble.StartAsync();
        _jobs = await JobsService.StartAsync(_iot.Broker, _iot.Certificates);
    }

    public async Task DisposeAsync()
    {
        await _jobs.DisposeAsync();
        await _iot.DisposeAsync();
        Directory.Delete(_state, recursive: true);
    }

    private IHost Build()
    {
        IotOptions iot = _iot.DeviceOptions(Thing);
        string replay = Path.Combine(_state, "replay.json");
        File.WriteAllText(replay, "[]");
        string file = Path.Combine(_state, "appsettings.json");
        File.WriteAllText(file, $$"""
            { "Device": { "Id": "lobby", "StateDirectory": "{{_state}}" },
              "Door": { "Driver": "simulated", "Relay": { "Pin": 17 }, "MaxPulseDuration": "00:00:10" },
              "Camera": { "Enabled": false },
              "Mqtt": { "Enabled": false },
              "Recognition": { "Source": "replay", "Replay": { "File": "{{replay}}" } },
              "Access": { "People": { "alice": {} } },
              "Iot": { "Enabled": true, "Endpoint": "localhost", "Port": {{iot.Port}}, "ThingName": "{{Thing}}",
                       "CertificatePath": "{{iot.CertificatePath}}", "KeyPath": "{{iot.KeyPath}}", "CaPath": "{{iot.CaPath}}",
                       "ReconnectMinDelay": "00:00:00.100", "ReconnectMaxDelay": "00:00:01" } }
            """);
        var error = new StringWriter();
        IHost? host = HostRunner.TryBuild(file, null, error);
        Assert.True(host is not null, error.ToString());
        return host;
    }

    [Fact]
    public async Task A_restart_job_stops_the_real_host_normally_and_the_next_host_reports_it()
    {
        using (IHost first = Build())
        {
            Assert.Single(first.Services.GetServices<IHostedService>().OfType<JobsAgent>());
            var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            first.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping.TrySetResult());
            await first.StartAsync();
            await _jobs.AddJobAsync(Thing, "restart-host", new JsonObject { ["operation"] = "restart" });

            await stopping.Task.WaitAsync(Timeout);
            await first.StopAsync();
            Assert.Equal("IN_PROGRESS", _jobs.Execution(Thing, "restart-host")!.Status);
            Assert.Equal("restart-host", new PendingJobStore(_state).Read()!.JobId);
        }

        using IHost second = Build();
        await second.StartAsync();
        try
        {
            JobExecutionRecord done = await _jobs.WaitForTerminalAsync(Thing, "restart-host", Timeout);
            Assert.Equal("SUCCEEDED", done.Status);
            Assert.Null(new PendingJobStore(_state).Read());
        }
        finally
        {
            await second.StopAsync();
        }
    }
}

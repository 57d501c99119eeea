using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Cli;
using KvsEdge.Hosting;
using KvsEdge.Recognition;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static KvsEdge.Tests.Access.PolicyTestKit;

namespace KvsEdge.Tests.Hosting;

/// <summary>
/// The composed host, not a hand-built executor: what the grant ledger on disk holds reaches the policy the sources
/// decide with, when the real start-up runs.
/// </summary>
[Collection(EnvironmentTestGroup.Name)]
public sealed class AccessStartupTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-startup-").FullName;

    [Fact]
    public async Task Start_up_restores_the_ledger_into_the_policy_duplicates_and_cooldown_both()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using (var ledger = new GrantLedger(_directory))
        {
            ledger.Append("granted-before-the-crash#0", now.AddSeconds(-2), "alice");
        }

        string config = Path.Combine(_directory, "appsettings.json");
        File.WriteAllText(config, $$"""
            { "Device": { "Id": "test", "StateDirectory": "{{_directory}}" },
              "Door": { "Driver": "simulated" },
              "Recognition": { "Source": "kinesis", "Kinesis": { "StreamName": "door-events" } },
              "Access": { "People": { "alice": {} } },
              "Mqtt": { "Enabled": false },
              "Camera": { "Enabled": false },
              "Aws": { "Region": "us-east-1" } }
            """);
        using var aws = new HostConfigurationTests.AwsEnvironment("AKIDTEST", "test-secret");
        var error = new StringWriter();
        using IHost? host = HostRunner.TryBuild(config, null, error);
        Assert.True(host is not null, error.ToString());

        AccessStartup startup = host.Services.GetServices<IHostedService>().OfType<AccessStartup>().Single();
        await startup.StartAsync(CancellationToken.None);

        AccessPolicy policy = host.Services.GetRequiredService<AccessPolicy>();
        Assert.Equal(1, policy.RememberedFaceCount);
        Assert.Equal("Ignored/duplicate", Outcome(policy.Decide(Face("granted-before-the-crash", 0, now.AddSeconds(-2), ("alice", 99)), now)));
        Assert.Equal("Ignored/cooldown", Outcome(policy.Decide(Obs(now, ("alice", 99)), now)));
        Assert.True(host.Services.GetRequiredService<DecisionExecutor>().LedgerAvailable);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

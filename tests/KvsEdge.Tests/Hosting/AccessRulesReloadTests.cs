using System.Threading.Channels;
using KvsEdge.Access;
using KvsEdge.Cli;
using KvsEdge.Hosting;
using KvsEdge.Recognition;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static KvsEdge.Tests.Access.PolicyTestKit;

namespace KvsEdge.Tests.Hosting;

/// <summary>
/// The running host watches its --config file: an edit changes who may enter inside the same policy, an invalid or
/// unparsable edit keeps the rules in force and shows as `config_error`. Waits on the reloader's signal, never a sleep.
/// </summary>
[Collection(EnvironmentTestGroup.Name)]
public sealed class AccessRulesReloadTests : IDisposable
{
    private static readonly TimeSpan WatcherTimeout = TimeSpan.FromSeconds(30);

    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-reload-").FullName;
    private int _looks;
    private readonly Channel<AccessRulesReload> _reloads = Channel.CreateUnbounded<AccessRulesReload>();

    [Fact]
    public async Task Editing_the_config_file_reloads_the_rules_of_the_one_policy()
    {
        using var _ = new HostConfigurationTests.AwsEnvironment("AKIDTEST", "test-secret");
        string file = Path.Combine(_directory, "appsettings.json");
        File.WriteAllText(file, Settings("""{ "alice": {} }"""));
        var error = new StringWriter();
        using IHost? host = HostRunner.TryBuild(file, null, error);
        Assert.True(host is not null, error.ToString());

        AccessPolicy policy = host.Services.GetRequiredService<AccessPolicy>();
        var reloader = host.Services.GetRequiredService<AccessRulesReloader>();
        var status = host.Services.GetRequiredService<RecognitionStatusReporter>();
        Assert.Contains(reloader, host.Services.GetServices<IHostedService>());
        reloader.Reloaded += (_, r) => _reloads.Writer.TryWrite(r);
        await reloader.StartAsync(CancellationToken.None);
        status.Report(RecognitionSources.Kinesis, "running");
        Assert.Equal("Granted/allowed", Decide(policy, "alice"));

        // A valid edit: carol in, alice out.
        Replace(file, Settings("""{ "carol": {} }"""));
        await NextAsync(r => r.Applied);
        Assert.Equal("Granted/allowed", Decide(policy, "carol"));
        Assert.Equal("Denied/not_allowed", Decide(policy, "alice"));

        // An invalid edit: refused, carol keeps her access, the retained state says why.
        Replace(file, Settings("""{ "alice": { "MinSimilarity": 150 } }"""));
        AccessRulesReload refused = await NextAsync(r => !r.Applied);
        Assert.Contains(refused.Errors, e => e.Contains("Access:People:alice:MinSimilarity", StringComparison.Ordinal));
        Assert.Equal("Granted/allowed", Decide(policy, "carol"));
        Assert.Contains("Access:People:alice:MinSimilarity", status.Current?.ConfigError, StringComparison.Ordinal);

        // A file that does not parse: refused too, naming the file.
        Replace(file, "{ \"Access\": ");
        refused = await NextAsync(r => !r.Applied && r.Errors.Any(e => e.Contains(file, StringComparison.Ordinal)));
        Assert.Equal("Granted/allowed", Decide(policy, "carol"));
        Assert.Contains(file, status.Current?.ConfigError, StringComparison.Ordinal);

        // Fixed again: applied, the error clears.
        Replace(file, Settings("""{ "alice": {} }"""));
        await NextAsync(r => r.Applied);
        Assert.Equal("Granted/allowed", Decide(policy, "alice"));
        Assert.Null(status.Current?.ConfigError);
    }

    [Fact]
    public async Task A_reload_that_adds_or_removes_people_changes_their_presence_sensors_in_the_one_discovery_message()
    {
        using var _ = new HostConfigurationTests.AwsEnvironment("AKIDTEST", "test-secret");
        string file = Path.Combine(_directory, "appsettings.json");
        File.WriteAllText(file, Settings("""{ "alice": {}, "bob": {} }"""));
        var error = new StringWriter();
        using IHost? host = HostRunner.TryBuild(file, null, error);
        Assert.True(host is not null, error.ToString());

        var reloader = host.Services.GetRequiredService<AccessRulesReloader>();
        var extras = host.Services.GetRequiredService<KvsEdge.Status.DiscoveryExtras>();
        var discovery = host.Services.GetRequiredService<KvsEdge.Status.HomeAssistantDiscoveryPublisher>();
        HomeAssistantExtrasStartup startup = Assert.Single(host.Services.GetServices<IHostedService>().OfType<HomeAssistantExtrasStartup>());
        Assert.Equal(["alice", "bob"], extras.People);
        Assert.Contains("presence_bob", discovery.Payload, StringComparison.Ordinal);
        reloader.Reloaded += (_, r) => _reloads.Writer.TryWrite(r);
        await startup.StartAsync(CancellationToken.None);
        await reloader.StartAsync(CancellationToken.None);

        Replace(file, Settings("""{ "alice": {}, "carol": {} }"""));
        await NextAsync(r => r.Applied);

        Assert.Equal(["alice", "carol"], extras.People);
        Assert.Contains("\"presence_carol\"", discovery.Payload, StringComparison.Ordinal);
        Assert.DoesNotContain("presence_bob", discovery.Payload, StringComparison.Ordinal);
        await startup.StopAsync(CancellationToken.None);
    }

    // Each look a cooldown after the last, so only the rules decide.
    private string Decide(AccessPolicy policy, string externalImageId)
    {
        DateTimeOffset at = T0.AddMinutes(++_looks);
        return Outcome(policy.Decide(Obs(at, (externalImageId, 99)), at));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<AccessRulesReload> NextAsync(Func<AccessRulesReload, bool> match)
    {
        using var timeout = new CancellationTokenSource(WatcherTimeout);
        // A watcher can report one save more than once: skip outcomes of the previous edit.
        while (true)
        {
            AccessRulesReload reload = await _reloads.Reader.ReadAsync(timeout.Token);
            if (match(reload))
            {
                return reload;
            }
        }
    }

    // Written beside and renamed over, as editors do, so the watcher never reads half a file.
    private static void Replace(string file, string json)
    {
        string temp = file + ".tmp";
        File.WriteAllText(temp, json);
        File.Move(temp, file, overwrite: true);
    }

    private string Settings(string people) => $$"""
        { "Device": { "Id": "test", "StateDirectory": "{{_directory}}" },
          "Door": { "Driver": "simulated" },
          "Recognition": { "Source": "kinesis", "Kinesis": { "StreamName": "door-events" } },
          "Aws": { "Region": "us-east-1" },
          "Access": { "People": {{people}} } }
        """;
}

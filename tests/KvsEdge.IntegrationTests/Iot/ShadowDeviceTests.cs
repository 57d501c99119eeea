using System.Text.Json.Nodes;
using System.Threading.Channels;
using KvsEdge.Access;
using KvsEdge.Cli;
using KvsEdge.Door;
using KvsEdge.Iot;
using KvsEdge.Status;
using KvsEdge.TestSupport.IotCoreDouble;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KvsEdge.IntegrationTests.Iot;

/// <summary>
/// The device side of the `config` and `status` shadows, in the real host's container (HostRunner.TryBuild: the same
/// AccessPolicy singleton, the last-good store post-configuring the Access options, the keyed `iot` connection) against
/// the IoT Core double (Mosquitto with mutual TLS + the shadow service). Decisions are taken by that policy on face
/// records; no camera or recognition source runs.
/// </summary>
[Trait("Category", "Integration")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class ShadowDeviceTests : IAsyncLifetime
{
    private const string Thing = "door-lobby";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private readonly string _state = Directory.CreateTempSubdirectory("kvsedge-iot-device-").FullName;
    private readonly Channel<ConfigShadowResult> _judged = Channel.CreateUnbounded<ConfigShadowResult>();
    private readonly List<IHost> _hosts = [];
    private IotCoreDouble _iot = null!;
    private int _looks;

    private static string ConfigPrefix => ShadowService.Prefix(Thing, ConfigShadow.ShadowName);

    public async Task InitializeAsync() => _iot = await IotCoreDouble.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (IHost host in _hosts)
        {
            await StopAsync(host);
            host.Dispose();
        }

        await _iot.DisposeAsync();
        Directory.Delete(_state, recursive: true);
    }

    /// <summary>The host built from a config file (alice allowed, simulated door); its IoT services started if <paramref name="connect"/>.</summary>
    private async Task<IHost> StartHostAsync(bool connect = true)
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
                       "StatusInterval": "00:00:00.200", "ReconnectMinDelay": "00:00:00.100", "ReconnectMaxDelay": "00:00:01" } }
            """);
        var error = new StringWriter();
        IHost? host = HostRunner.TryBuild(file, null, error);
        Assert.True(host is not null, error.ToString());
        _hosts.Add(host);
        ConfigShadow shadow = host.Services.GetRequiredService<ConfigShadow>();
        shadow.Judged += (_, r) => _judged.Writer.TryWrite(r);
        if (connect)
        {
            foreach (IHostedService service in Iot(host))
            {
                await service.StartAsync(CancellationToken.None);
            }
        }

        return host;
    }

    private static IEnumerable<IHostedService> Iot(IHost host) =>
        host.Services.GetServices<IHostedService>().Where(s => s is ConfigShadow or StatusShadow or IotConnectionService);

    private static async Task StopAsync(IHost host)
    {
        foreach (IHostedService service in Iot(host).Reverse())
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    private async Task<ConfigShadowResult> NextAsync(Func<ConfigShadowResult, bool> match)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (true)
        {
            ConfigShadowResult result = await _judged.Reader.ReadAsync(timeout.Token);
            if (match(result))
            {
                return result;
            }
        }
    }

    private string Decide(IHost host, string person)
    {
        DateTimeOffset at = T0.AddMinutes(++_looks);
        Decision decision = host.Services.GetRequiredService<AccessPolicy>().Decide(
            new FaceObservation("kinesis", "record-" + _looks, 0, at, at, null, null, null, [new(person, null, 99)]), at);
        return decision.Kind + "/" + decision.Reason;
    }

    private Task<(string Topic, string Payload)> ReportAsync(Func<string, bool> match) =>
        _iot.Shadows.WaitForRequestAsync(ConfigPrefix + "/update", match, Timeout);

    private static string? ConfigError(string payload) => JsonNode.Parse(payload)?["state"]?["reported"]?["config_error"]?.GetValue<string>();

    [Fact]
    public async Task A_valid_delta_changes_who_can_enter_without_a_restart_and_is_reported()
    {
        IHost host = await StartHostAsync();
        await _iot.Shadows.WaitForRequestAsync(ConfigPrefix + "/get", _ => true, Timeout);
        Assert.Equal("Granted/allowed", Decide(host, "alice"));

        long version = await _iot.Shadows.SetDesiredAsync(Thing, "config", JsonNode.Parse("""{"Access":{"People":{"carol":{}}}}"""));
        ConfigShadowResult applied = await NextAsync(r => r.Outcome == "applied");
        Assert.Equal(version, applied.Version);
        Assert.Equal("Granted/allowed", Decide(host, "carol"));
        Assert.Equal("Denied/not_allowed", Decide(host, "alice"));
        await ReportAsync(p => p.Contains("\"config_version\":" + version, StringComparison.Ordinal));
        JsonObject document = _iot.Shadows.Store.Read(Thing, "config")!;
        Assert.Equal(version, document["state"]!["reported"]!["config_version"]!.GetValue<long>());
        Assert.Null(document["state"]!["delta"]);
        Assert.True(File.Exists(Path.Combine(_state, ShadowConfigStore.FileName)));

        // The fleet takes carol out and puts alice back (null deletes a key): the reported People follow exactly.
        version = await _iot.Shadows.SetDesiredAsync(Thing, "config", JsonNode.Parse("""{"Access":{"People":{"carol":null,"alice":{}}}}"""));
        await NextAsync(r => r.Outcome == "applied" && r.Version == version);
        Assert.Equal("Denied/not_allowed", Decide(host, "carol"));
        Assert.Equal("Granted/allowed", Decide(host, "alice"));
        await ReportAsync(p => p.Contains("\"config_version\":" + version, StringComparison.Ordinal));
        JsonNode reported = _iot.Shadows.Store.Read(Thing, "config")!["state"]!["reported"]!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"alice":{}}"""), reported["Access"]!["People"]));

        // Only exact topics, never a wildcard on shadow topics.
        IReadOnlyList<string> subscriptions = _iot.Broker.SubscriptionsOf(Thing);
        Assert.Contains(ConfigPrefix + "/update/delta", subscriptions);
        Assert.DoesNotContain(subscriptions, f => f.Contains('#', StringComparison.Ordinal) || f.Contains('+', StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_invalid_delta_or_one_that_sets_a_pin_is_refused_and_the_reason_reported()
    {
        IHost host = await StartHostAsync();
        await _iot.Shadows.WaitForRequestAsync(ConfigPrefix + "/get", _ => true, Timeout);

        long version = await _iot.Shadows.SetDesiredAsync(Thing, "config", JsonNode.Parse("""{"Access":{"People":{"carol":{"MinSimilarity":150}}}}"""));
        ConfigShadowResult refused = await NextAsync(r => r.Version == version);
        Assert.Equal("refused", refused.Outcome);
        (_, string report) = await ReportAsync(p => ConfigError(p)?.Contains("Access:People:carol:MinSimilarity", StringComparison.Ordinal) == true);
        Assert.Contains("\"config_refused_version\":" + version, report, StringComparison.Ordinal);
        Assert.Equal("Granted/allowed", Decide(host, "alice"));
        Assert.Equal("Denied/not_allowed", Decide(host, "carol"));

        version = await _iot.Shadows.SetDesiredAsync(Thing, "config", JsonNode.Parse("""{"Access":{"People":{"carol":{"MinSimilarity":90}}},"Door":{"Relay":{"Pin":4}}}"""));
        refused = await NextAsync(r => r.Version == version);
        Assert.Equal("refused", refused.Outcome);
        await ReportAsync(p => ConfigError(p)?.Contains("`Door:Relay:Pin` cannot be set from the shadow", StringComparison.Ordinal) == true);
        Assert.Equal("Denied/not_allowed", Decide(host, "carol"));
        Assert.Equal(17, host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DoorOptions>>().Value.Relay.Pin);
        Assert.False(File.Exists(Path.Combine(_state, ShadowConfigStore.FileName)));
    }

    [Fact]
    public async Task A_stale_delta_is_ignored()
    {
        IHost host = await StartHostAsync();
        await _iot.Shadows.WaitForRequestAsync(ConfigPrefix + "/get", _ => true, Timeout);
        long version = await _iot.Shadows.SetDesiredAsync(Thing, "config", JsonNode.Parse("""{"Access":{"People":{"carol":{}}}}"""));
        await NextAsync(r => r.Outcome == "applied");

        // A delta that arrives late, from before the version applied: it would bring alice back.
        await _iot.Shadows.PublishRawAsync(ConfigPrefix + "/update/delta",
            "{\"version\":" + (version - 1) + ""","timestamp":1,"state":{"Access":{"People":{"alice":{}}}},"metadata":{}}""");
        ConfigShadowResult stale = await NextAsync(r => r.Version == version - 1);
        Assert.Equal("stale", stale.Outcome);
        Assert.Equal("Denied/not_allowed", Decide(host, "alice"));
        Assert.Equal("Granted/allowed", Decide(host, "carol"));
    }

    [Fact]
    public async Task A_restart_with_the_broker_down_uses_the_last_good_configuration()
    {
        IHost first = await StartHostAsync();
        await _iot.Shadows.WaitForRequestAsync(ConfigPrefix + "/get", _ => true, Timeout);
        await _iot.Shadows.SetDesiredAsync(Thing, "config", JsonNode.Parse("""{"Access":{"People":{"carol":{}}},"Door":{"PulseDuration":"00:00:05"}}"""));
        await NextAsync(r => r.Outcome == "applied");
        await StopAsync(first);
        _iot.Broker.Stop();

        IHost second = await StartHostAsync();
        Assert.False(second.Services.GetRequiredKeyedService<MqttBrokerConnection>(IotServiceCollectionExtensions.ConnectionName).IsConnected);
        Assert.Equal("Granted/allowed", Decide(second, "carol"));
        Assert.Equal("Denied/not_allowed", Decide(second, "alice"));
        Assert.Equal(TimeSpan.FromSeconds(5), second.Services.GetRequiredService<DoorController>().PulseDuration);
        Assert.Equal(17, second.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DoorOptions>>().Value.Relay.Pin);
    }

    [Fact]
    public async Task Status_goes_to_the_status_shadow_and_a_large_state_still_fits()
    {
        IHost host = await StartHostAsync();
        string statusPrefix = ShadowService.Prefix(Thing, StatusShadow.ShadowName);
        IStatusPublisher status = host.Services.GetRequiredService<IStatusPublisher>();
        Assert.IsType<StatusShadowPublisher>(status);
        await _iot.Shadows.WaitForRequestAsync(statusPrefix + "/update", p => p.Contains("\"version\"", StringComparison.Ordinal), Timeout);

        status.PublishDoor(DoorState.Unlocked);
        string huge = new('e', 20_000);
        status.PublishRecognition(new RecognitionStatus("replay", "error", null, null, huge));
        await _iot.Shadows.WaitForRequestAsync(statusPrefix + "/update", p => p.Contains("\"unlocked\"", StringComparison.Ordinal) && p.Contains("\"error\"", StringComparison.Ordinal), Timeout);
        JsonNode reported = _iot.Shadows.Store.Read(Thing, StatusShadow.ShadowName)!["state"]!["reported"]!;
        Assert.Equal("unlocked", reported["door"]!.GetValue<string>());
        Assert.Equal("error", reported["recognition"]!["state"]!.GetValue<string>());
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(reported.ToJsonString()) < 8 * 1024);
        Assert.DoesNotContain(_iot.Shadows.Requests, r => r.Topic.StartsWith(statusPrefix, StringComparison.Ordinal) && r.Payload.Length > 8 * 1024);
    }
}

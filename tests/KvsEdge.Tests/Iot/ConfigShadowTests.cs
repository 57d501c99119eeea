using System.Reflection;
using System.Text.Json.Nodes;
using KvsEdge.Access;
using KvsEdge.Common;
using KvsEdge.Door;
using KvsEdge.Iot;
using KvsEdge.Status;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static KvsEdge.Tests.Access.PolicyTestKit;

namespace KvsEdge.Tests.Iot;

/// <summary>
/// The `config` shadow's judgement without a broker: the policy and options factory as the host composes them (the
/// file's Access section, the shadow's keys post-configured over it, every Access validator), records decided by the
/// one policy. Over Mosquitto the same is tested in the integration tests.
/// </summary>
public sealed class ConfigShadowTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("kvsedge-config-shadow-").FullName;
    private readonly List<ServiceProvider> _providers = [];
    private int _looks;

    public void Dispose()
    {
        _providers.ForEach(p => p.Dispose());
        Directory.Delete(_state, recursive: true);
    }

    /// <summary>A device as started from the file (alice allowed) and the state directory.</summary>
    private (ConfigShadow Shadow, AccessPolicy Policy, ShadowConfigStore Store) Start(string fileAccess = """{"People":{"alice":{}}}""", Action? afterStore = null)
    {
        IConfiguration file = ConfigDocument.ToConfiguration(AccessOptions.SectionName, JsonNode.Parse(fileAccess)!.AsObject());
        var door = Microsoft.Extensions.Options.Options.Create(new DoorOptions { Driver = DoorOptions.SimulatedDriver });
        var store = new ShadowConfigStore(Microsoft.Extensions.Options.Options.Create(new DeviceOptions { StateDirectory = _state }), door, NullLogger<ShadowConfigStore>.Instance);
        var services = new ServiceCollection();
        services.AddValidatedOptions<AccessOptions, AccessOptionsValidator>(file, AccessOptions.SectionName, static (c, o, b) => c.Bind(o, b));
        services.AddSingleton<IPostConfigureOptions<AccessOptions>>(store);
        if (afterStore is not null)
        {
            services.PostConfigure<AccessOptions>(_ => afterStore());
        }
        ServiceProvider provider = services.BuildServiceProvider();
        _providers.Add(provider);
        var policy = new AccessPolicy(provider.GetRequiredService<IOptions<AccessOptions>>().Value);
        var connection = new MqttBrokerConnection("iot", new MqttOptions { Enabled = false }, "door-lobby", TimeProvider.System, NullLogger.Instance);
        var shadow = new ConfigShadow(connection, Microsoft.Extensions.Options.Options.Create(new IotOptions { ThingName = "door-lobby" }), store,
            provider.GetRequiredService<IOptionsFactory<AccessOptions>>(), policy, door, null, NullLogger<ConfigShadow>.Instance);
        return (shadow, policy, store);
    }

    private string Decide(AccessPolicy policy, string person)
    {
        DateTimeOffset at = T0.AddMinutes(++_looks);
        return Outcome(policy.Decide(Obs(at, (person, 99)), at));
    }

    private static JsonObject Desired(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public async Task A_refused_shadow_document_held_in_the_store_for_its_check_does_not_make_a_file_reload_refused()
    {
        var inStore = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int builds = -1; // armed after start (the policy's first options are a build too)
        // The first build after start is the shadow's, with its (invalid) document in the store: it pauses there until the file
        // reload finished or waits for the gate.
        var (shadow, policy, store) = Start(afterStore: () =>
        {
            if (Volatile.Read(ref builds) >= 0 && Interlocked.Increment(ref builds) == 1)
            {
                inStore.TrySetResult();
                resume.Task.Wait();
            }
        });
        var reloader = new KvsEdge.Hosting.AccessRulesReloader(policy, _providers[^1].GetRequiredService<IOptionsFactory<AccessOptions>>(), [],
            new KvsEdge.Recognition.RecognitionStatusReporter(new KvsEdge.TestSupport.RecordingStatus(), TimeProvider.System),
            new KvsEdge.Hosting.ConfigurationReloadErrors(), NullLogger<KvsEdge.Hosting.AccessRulesReloader>.Instance);
        policy.RulesGate.Contended = () => resume.TrySetResult();
        Volatile.Write(ref builds, 0);

        Task<ConfigShadowResult> judged = Task.Run(() => shadow.Judge(Desired("""{"Access":{"People":{"dave":{"MinSimilarity":150}}}}"""), 2));
        await inStore.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Task<AccessRulesReload> fileReload = Task.Run(reloader.Reload);
        _ = fileReload.ContinueWith(_ => resume.TrySetResult(), TaskScheduler.Default);
        await Task.WhenAll(fileReload, judged).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("refused", (await judged).Outcome);
        AccessRulesReload fromFile = await fileReload;
        Assert.True(fromFile.Applied, string.Join("; ", fromFile.Errors));
        Assert.Null(store.Current);
        Assert.Equal("Granted/allowed", Decide(policy, "alice"));
    }

    [Fact]
    public async Task A_file_reload_built_before_a_shadow_delta_cannot_swap_in_rules_other_than_the_reported_ones()
    {
        var (shadow, policy, store) = Start();
        var reloader = new KvsEdge.Hosting.AccessRulesReloader(policy, _providers[^1].GetRequiredService<IOptionsFactory<AccessOptions>>(), [],
            new KvsEdge.Recognition.RecognitionStatusReporter(new KvsEdge.TestSupport.RecordingStatus(), TimeProvider.System),
            new KvsEdge.Hosting.ConfigurationReloadErrors(), NullLogger<KvsEdge.Hosting.AccessRulesReloader>.Instance);
        var built = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The file reload pauses between building (on the file alone: alice) and swapping; it resumes once the
        // shadow either finished or waits for the gate.
        reloader.OptionsBuilt = () =>
        {
            built.TrySetResult();
            resume.Task.Wait();
        };
        policy.RulesGate.Contended = () => resume.TrySetResult();

        Task<AccessRulesReload> fileReload = Task.Run(reloader.Reload);
        await built.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Task<ConfigShadowResult> judged = Task.Run(() => shadow.Judge(Desired("""{"Access":{"People":{"carol":{}}}}"""), 2));
        _ = judged.ContinueWith(_ => resume.TrySetResult(), TaskScheduler.Default);
        await Task.WhenAll(fileReload, judged).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True((await fileReload).Applied);
        Assert.Equal("applied", (await judged).Outcome);
        Assert.Equal(2, store.Current!.Version);
        // The rules in force are those of the reported version 2.
        Assert.Equal(["carol"], policy.People);
        Assert.Equal("Granted/allowed", Decide(policy, "carol"));
        Assert.Equal("Denied/not_allowed", Decide(policy, "alice"));
    }

    [Fact]
    public void A_valid_document_changes_who_may_enter_in_the_same_policy_and_keeps_its_memory()
    {
        var (shadow, policy, store) = Start();
        DateTimeOffset at = T0.AddMinutes(++_looks);
        FaceObservation seen = Obs(at, ("alice", 99));
        Assert.Equal("Granted/allowed", Outcome(policy.Decide(seen, at)));

        // carol added: the same record again is a duplicate, a new one of alice within the cooldown is not a grant.
        Assert.Equal("applied", shadow.Judge(Desired("""{"Access":{"People":{"alice":{},"carol":{}}}}"""), 4).Outcome);
        Assert.Equal("Ignored/duplicate", Outcome(policy.Decide(seen, at.AddSeconds(1))));
        Assert.EndsWith("/cooldown", Outcome(policy.Decide(Obs(at.AddSeconds(2), ("alice", 99)), at.AddSeconds(2))), StringComparison.Ordinal);

        // alice removed.
        ConfigShadowResult result = shadow.Judge(Desired("""{"Access":{"People":{"carol":{}}}}"""), 5);
        Assert.Equal("applied", result.Outcome);
        Assert.Equal("Granted/allowed", Decide(policy, "carol"));
        Assert.Equal("Denied/not_allowed", Decide(policy, "alice"));
        Assert.Equal(5, store.Current!.Version);
        Assert.True(File.Exists(store.FilePath));
    }

    [Fact]
    public void An_invalid_document_is_refused_naming_the_key_and_the_running_rules_stay()
    {
        var (shadow, policy, store) = Start();
        shadow.Judge(Desired("""{"Access":{"People":{"carol":{}}}}"""), 3);

        ConfigShadowResult result = shadow.Judge(Desired("""{"Access":{"People":{"dave":{"MinSimilarity":150}}}}"""), 4);
        Assert.Equal("refused", result.Outcome);
        Assert.Contains(result.Errors, e => e.Contains("Access:People:dave:MinSimilarity", StringComparison.Ordinal));
        Assert.Equal("Granted/allowed", Decide(policy, "carol"));
        Assert.Equal("Denied/not_allowed", Decide(policy, "dave"));
        Assert.Equal(3, store.Current!.Version);

        result = shadow.Judge(Desired("""{"Access":{"Cooldown":"5"}}"""), 6);
        Assert.Equal("refused", result.Outcome);
        Assert.Contains(result.Errors, e => e.Contains("Access:Cooldown", StringComparison.Ordinal) && e.Contains("hh:mm:ss", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"Door":{"Relay":{"Pin":4}}}""", "`Door:Relay:Pin` cannot be set from the shadow")]
    [InlineData("""{"Door":{"Relay":{"ActiveLow":true}}}""", "`Door:Relay:ActiveLow` cannot be set from the shadow")]
    [InlineData("""{"Door":{"Driver":"libgpiod"}}""", "`Door:Driver` cannot be set from the shadow")]
    [InlineData("""{"Door":{"Chip":1}}""", "`Door:Chip` cannot be set from the shadow")]
    [InlineData("""{"Triggers":{"Gpio":{"Pin":5}}}""", "`Triggers:Gpio:Pin` cannot be set from the shadow")]
    [InlineData("""{"Door":{"PulseDuration":"00:01:00"}}""", "`Door:PulseDuration` is 00:01:00: it must be between")]
    [InlineData("""{"Access":{"Peeple":{"carol":{}}}}""", "`Access:Peeple` is not an access setting; did you mean `Access:People`?")]
    public void Anything_outside_the_access_settings_refuses_the_whole_document_naming_the_key(string desired, string reason)
    {
        var (shadow, policy, store) = Start();
        JsonObject document = Desired(desired);
        document["Access"] ??= Desired("""{"People":{"carol":{}}}""");
        ConfigShadowResult result = shadow.Judge(document, 2);
        Assert.Equal("refused", result.Outcome);
        Assert.Contains(result.Errors, e => e.StartsWith(reason, StringComparison.Ordinal));
        Assert.Equal("Denied/not_allowed", Decide(policy, "carol"));
        Assert.Null(store.Current);
    }

    [Fact]
    public void A_restart_uses_the_last_good_document_from_the_state_directory()
    {
        var (shadow, _, _) = Start();
        Assert.Equal("applied", shadow.Judge(Desired("""{"Access":{"People":{"carol":{}}},"Door":{"PulseDuration":"00:00:05"}}"""), 9).Outcome);

        // A new process: nothing from the network, only the file and the state directory.
        var (_, policy, store) = Start();
        Assert.Equal(9, store.Current!.Version);
        Assert.Equal(TimeSpan.FromSeconds(5), store.Current.Document.PulseDuration);
        Assert.Equal("Granted/allowed", Decide(policy, "carol"));
        Assert.Equal("Denied/not_allowed", Decide(policy, "alice"));
    }

    [Fact]
    public void A_last_good_file_that_is_corrupt_is_ignored_and_the_file_rules()
    {
        File.WriteAllText(Path.Combine(_state, ShadowConfigStore.FileName), "{ torn");
        var (_, policy, store) = Start();
        Assert.Null(store.Current);
        Assert.Equal("Granted/allowed", Decide(policy, "alice"));
    }

    [Fact]
    public void Widening_the_replay_window_is_applied_only_at_restart_and_reported_as_pending()
    {
        var (shadow, _, _) = Start();
        ConfigShadowResult result = shadow.Judge(Desired("""{"Access":{"People":{"alice":{}},"MaxEventAge":"00:01:00"}}"""), 2);
        Assert.Equal("applied", result.Outcome);
        Assert.Equal(["Access:MaxEventAge"], result.PendingRestart);
    }

    [Fact]
    public void Every_access_setting_can_come_from_the_shadow()
    {
        string[] properties = typeof(AccessOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(properties, ConfigDocument.AccessKeys.Order(StringComparer.Ordinal));

        var target = new AccessOptions();
        ConfigDocument.Overlay(target, Desired("""
            {"Aliases":{"a1":"alice"},"Confirmation":{"Required":2,"OutOf":3},"Cooldown":"00:00:07","DefaultMinSimilarity":85,
             "IdSeparators":"_","MaxClockSkew":"00:00:03","MaxEventAge":"00:00:20","People":{"alice":{"MinSimilarity":91}},"TimeZone":"Europe/Paris"}
            """));
        Assert.Equal("alice", target.Aliases["a1"]);
        Assert.Equal(2, target.Confirmation.Required);
        Assert.Equal(TimeSpan.FromSeconds(7), target.Cooldown);
        Assert.Equal(85, target.DefaultMinSimilarity);
        Assert.Equal("_", target.IdSeparators);
        Assert.Equal(TimeSpan.FromSeconds(3), target.MaxClockSkew);
        Assert.Equal(TimeSpan.FromSeconds(20), target.MaxEventAge);
        Assert.Equal(91, target.People["alice"].MinSimilarity);
        Assert.Equal("Europe/Paris", target.TimeZone);
    }

    [Fact]
    public void The_reported_patch_removes_keys_that_are_gone()
    {
        JsonObject patch = ConfigShadow.ReplacementPatch(
            Desired("""{"Access":{"People":{"alice":{},"bob":{}},"Cooldown":"00:00:05"}}"""),
            Desired("""{"Access":{"People":{"alice":{}}}}"""));
        Assert.True(JsonNode.DeepEquals(Desired("""{"Access":{"Cooldown":null,"People":{"bob":null,"alice":{}}}}"""), patch));
    }
}

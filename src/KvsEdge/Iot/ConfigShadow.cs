using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using KvsEdge.Access;
using KvsEdge.Door;
using KvsEdge.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;

namespace KvsEdge.Iot;

/// <summary>What happened to one desired document of the `config` shadow.</summary>
/// <param name="Outcome">`applied`, `unchanged`, `refused` or `stale`.</param>
public sealed record ConfigShadowResult(long Version, string Outcome, IReadOnlyList<string> Errors, IReadOnlyList<string> PendingRestart);

/// <summary>
/// Configuration from the named shadow `config`. At every connect it asks for the document (`/get`); on `/update/delta`
/// it asks again, so it always judges the whole desired state with its version. A newer desired state is checked with
/// the file's own validators, then applied live through <see cref="AccessPolicy.Reload"/> (the one policy: its
/// de-duplication and cooldown memory survive), kept as last-good, and reported back (`reported` = the applied
/// settings, `config_version`, `pending_restart` for replay-window keys that wait for a restart). A refused one
/// changes nothing and is reported in `reported.config_error`. An older or equal version is ignored (stale).
/// </summary>
public sealed class ConfigShadow : IHostedService, IDisposable
{
    public const string ShadowName = "config";

    private readonly MqttBrokerConnection _connection;
    private readonly ShadowTopics _topics;
    private readonly ShadowConfigStore _store;
    private readonly IOptionsFactory<AccessOptions> _accessFactory;
    private readonly AccessPolicy _policy;
    private readonly DoorOptions _localDoor;
    private readonly DoorController? _door;
    private readonly ILogger<ConfigShadow> _logger;
    private readonly List<IDisposable> _subscriptions = [];
    private long _seenVersion;
    private long _requests;
    private JsonObject? _reportedConfig; // what `reported` holds for the settings, to remove keys that are gone
    private string? _lastReportToken;

    public ConfigShadow(
        MqttBrokerConnection connection,
        IOptions<IotOptions> iot,
        ShadowConfigStore store,
        IOptionsFactory<AccessOptions> accessFactory,
        AccessPolicy policy,
        IOptions<DoorOptions> localDoor,
        DoorController? door,
        ILogger<ConfigShadow> logger)
    {
        ArgumentNullException.ThrowIfNull(iot);
        ArgumentNullException.ThrowIfNull(localDoor);
        _connection = connection;
        _topics = new ShadowTopics(iot.Value.ThingName!, ShadowName);
        _store = store;
        _accessFactory = accessFactory;
        _policy = policy;
        _localDoor = localDoor.Value;
        _door = door;
        _logger = logger;
        _seenVersion = store.Current?.Version ?? 0;
    }

    /// <summary>Raised after each desired document was judged (tests wait on it).</summary>
    public event EventHandler<ConfigShadowResult>? Judged;

    public ShadowTopics Topics => _topics;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_store.Current is { } lastGood)
        {
            // The access part is already in the policy (the store post-configures the options it was built from).
            if (lastGood.Document.PulseDuration is { } pulse && _door is not null)
            {
                _door.UsePulseDuration(pulse);
            }

            Log.UsingLastGood(_logger, lastGood.Version);
        }

        _subscriptions.Add(_connection.Subscribe(new InboundTopic(_topics.GetAccepted, OnGetAcceptedAsync)));
        _subscriptions.Add(_connection.Subscribe(new InboundTopic(_topics.GetRejected, OnRejected)));
        _subscriptions.Add(_connection.Subscribe(new InboundTopic(_topics.UpdateDelta, OnDeltaAsync)));
        _subscriptions.Add(_connection.Subscribe(new InboundTopic(_topics.UpdateRejected, OnRejected)));
        _connection.Connected += OnConnected;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _connection.Connected -= OnConnected;
        _subscriptions.ForEach(s => s.Dispose());
        _subscriptions.Clear();
    }

    private void OnConnected(object? sender, EventArgs e) => RequestDocument();

    private void RequestDocument()
    {
        string token = "kvsedge-get-" + Interlocked.Increment(ref _requests).ToString(CultureInfo.InvariantCulture);
        Publish(_topics.Get, new JsonObject { ["clientToken"] = token });
    }

    private ValueTask OnDeltaAsync(MqttInboundMessage message, CancellationToken cancellationToken)
    {
        long? version = ReadVersion(message);
        long seen = Interlocked.Read(ref _seenVersion);
        if (version is not { } v || v <= seen)
        {
            Log.StaleIgnored(_logger, version ?? -1, seen);
            Judged?.Invoke(this, new ConfigShadowResult(version ?? -1, "stale", [], []));
            return ValueTask.CompletedTask;
        }

        // A delta holds only what differs from reported: judge the whole desired state, which /get returns.
        RequestDocument();
        return ValueTask.CompletedTask;
    }

    private ValueTask OnGetAcceptedAsync(MqttInboundMessage message, CancellationToken cancellationToken)
    {
        JsonObject? document = Parse(message);
        long version = document?["version"] is JsonValue value && value.TryGetValue(out long v) ? v : -1;
        JsonNode? state = document?["state"];
        _reportedConfig ??= ReportedSettings(state?["reported"] as JsonObject);
        long seen = Interlocked.Read(ref _seenVersion);
        if (version <= seen)
        {
            Log.StaleIgnored(_logger, version, seen);
            Judged?.Invoke(this, new ConfigShadowResult(version, "stale", [], []));
            return ValueTask.CompletedTask;
        }

        Interlocked.Exchange(ref _seenVersion, version);
        if (state?["desired"] is not JsonObject desired)
        {
            // Nothing desired (yet): the file alone rules.
            return ValueTask.CompletedTask;
        }

        ConfigShadowResult result = Judge(desired, version);
        Judged?.Invoke(this, result);
        return ValueTask.CompletedTask;
    }

    private ValueTask OnRejected(MqttInboundMessage message, CancellationToken cancellationToken)
    {
        JsonObject? error = Parse(message);
        int code = error?["code"] is JsonValue c && c.TryGetValue(out int n) ? n : 0;
        string text = error?["message"]?.GetValue<string>() ?? "(no message)";
        string? token = error?["clientToken"]?.GetValue<string>();
        if (code == 404 && message.Topic == _topics.GetRejected)
        {
            // No `config` shadow yet: the file rules until the fleet sets one.
            return ValueTask.CompletedTask;
        }

        Log.ShadowRequestRejected(_logger, message.Topic, code, text);
        if (code == 413 && token is not null && token == _lastReportToken && Volatile.Read(ref _reportedConfig) is not null)
        {
            // The applied settings and the desired ones do not fit the 8 KB shadow together: report the version alone.
            var patch = new JsonObject();
            foreach ((string key, JsonNode? _) in _reportedConfig!)
            {
                patch[key] = null;
            }

            _reportedConfig = null;
            patch["config_version"] = _store.Current?.Version;
            patch["config_error"] = null;
            Report(patch);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Validates and applies (or refuses) one desired document; reports the outcome to the shadow.</summary>
    internal ConfigShadowResult Judge(JsonObject desired, long version)
    {
        // From putting the document in the store to the swap (or the put-back after a refusal): no file reload between.
        using AccessRulesGate.Scope held = _policy.RulesGate.Enter();
        var errors = new List<string>();
        ConfigDocument? document = ConfigDocument.Read(desired.DeepClone(), _localDoor, errors);
        AppliedShadowConfig? previous = _store.Current;
        if (document is not null && previous is not null && JsonNode.DeepEquals(previous.Document.Desired, document.Desired))
        {
            _store.Use(previous with { Version = version });
            PersistQuietly();
            ReportApplied(_store.Current!, []);
            return new ConfigShadowResult(version, "unchanged", [], []);
        }

        AccessRulesReload? reload = null;
        if (document is not null)
        {
            _store.Use(new AppliedShadowConfig(version, document));
            try
            {
                // Bind the file, put the shadow over it, run every Access validator: what a file edit goes through.
                reload = _policy.Reload(_accessFactory.Create(Options.DefaultName));
                errors.AddRange(reload.Errors);
            }
            catch (OptionsValidationException ex)
            {
                errors.AddRange(ex.Failures);
            }
            catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
            {
                errors.Add(ex.Message);
            }
        }

        if (errors.Count > 0 || reload is not { Applied: true })
        {
            _store.Use(previous);
            string reasons = string.Join("; ", errors);
            Log.Refused(_logger, version, reasons);
            Report(new JsonObject { ["config_error"] = reasons, ["config_refused_version"] = version });
            return new ConfigShadowResult(version, "refused", errors, []);
        }

        if (_door is not null && (document!.PulseDuration is not null || previous?.Document.PulseDuration is not null))
        {
            // Taken out of the shadow: back to the file's Door:PulseDuration.
            _door.UsePulseDuration(document!.PulseDuration ?? _localDoor.EffectivePulseDuration);
        }

        PersistQuietly();
        Log.Applied(_logger, version);
        foreach (string key in reload.Deferred)
        {
            Log.Deferred(_logger, key);
        }

        ReportApplied(_store.Current!, reload.Deferred);
        return new ConfigShadowResult(version, "applied", [], reload.Deferred);
    }

    private void PersistQuietly()
    {
        try
        {
            _store.Persist();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Applied all the same; a restart without the network then uses the previous last-good (or the file).
            Log.PersistFailed(_logger, ex, _store.FilePath);
        }
    }

    private void ReportApplied(AppliedShadowConfig applied, IReadOnlyList<string> pendingRestart)
    {
        JsonObject settings = applied.Document.Desired.DeepClone().AsObject();
        JsonObject patch = ReplacementPatch(_reportedConfig, settings);
        _reportedConfig = settings;
        patch["config_version"] = applied.Version;
        patch["config_error"] = null;
        patch["config_refused_version"] = null;
        patch["pending_restart"] = pendingRestart.Count == 0 ? null : new JsonArray([.. pendingRestart.Select(k => (JsonNode?)JsonValue.Create(k))]);
        Report(patch);
    }

    private void Report(JsonObject reported)
    {
        string token = "kvsedge-report-" + Interlocked.Increment(ref _requests).ToString(CultureInfo.InvariantCulture);
        _lastReportToken = token;
        Publish(_topics.Update, new JsonObject { ["state"] = new JsonObject { ["reported"] = reported }, ["clientToken"] = token });
    }

    private void Publish(string topic, JsonObject payload) =>
        _connection.Publish(topic, ShadowJson.Bytes(payload), MqttQualityOfServiceLevel.AtLeastOnce, retain: false);

    /// <summary>
    /// The reported patch that makes `reported` equal <paramref name="next"/> for the settings: the shadow merges
    /// objects key by key, so a key that is gone (a removed person) must be sent as `null`.
    /// </summary>
    internal static JsonObject ReplacementPatch(JsonObject? previous, JsonObject next)
    {
        var patch = new JsonObject();
        if (previous is not null)
        {
            foreach ((string key, JsonNode? _) in previous)
            {
                if (!next.ContainsKey(key))
                {
                    patch[key] = null;
                }
            }
        }

        foreach ((string key, JsonNode? value) in next)
        {
            patch[key] = value is JsonObject inner && previous?[key] is JsonObject before
                ? ReplacementPatch(before, inner)
                : value?.DeepClone();
        }

        return patch;
    }

    /// <summary>The settings part of a reported document (our bookkeeping keys left out).</summary>
    private static JsonObject? ReportedSettings(JsonObject? reported)
    {
        if (reported is null)
        {
            return null;
        }

        var settings = new JsonObject();
        foreach ((string key, JsonNode? value) in reported)
        {
            if (!key.StartsWith("config_", StringComparison.Ordinal) && key != "pending_restart")
            {
                settings[key] = value?.DeepClone();
            }
        }

        return settings;
    }

    private static JsonObject? Parse(MqttInboundMessage message)
    {
        try
        {
            return JsonNode.Parse(message.Payload.Span) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static long? ReadVersion(MqttInboundMessage message) =>
        Parse(message)?["version"] is JsonValue value && value.TryGetValue(out long v) ? v : null;
}

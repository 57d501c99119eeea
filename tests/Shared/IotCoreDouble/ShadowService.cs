using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Protocol;

namespace KvsEdge.TestSupport.IotCoreDouble;

/// <summary>
/// The Device Shadow service on the broker: an in-process MQTT client (the service identity) that answers
/// `$aws/things/&lt;thing&gt;/shadow[/name/&lt;shadow&gt;]/{get,update,delete}` from a <see cref="ShadowStore"/> and
/// publishes `/accepted`, `/rejected`, `/delta` and `/documents` as documented. <see cref="UpdateAsync"/> is the
/// data-plane side (UpdateThingShadow): the cloud changing desired state, with the same MQTT notifications.
/// The service itself may use `+` (it serves every thing); devices must not.
/// </summary>
public sealed class ShadowService : IAsyncDisposable
{
    private static readonly string[] Operations = ["get", "update", "delete"];
    private readonly IMqttClient _client;
    private readonly Lock _gate = new();
    private readonly List<(string Topic, string Payload)> _requests = [];
    private readonly List<(Func<string, string, bool> Predicate, TaskCompletionSource<(string Topic, string Payload)> Done)> _waiters = [];

    private ShadowService(IMqttClient client, ShadowStore store)
    {
        _client = client;
        Store = store;
    }

    public ShadowStore Store { get; }

    /// <summary>
    /// Raised for every device request once the store has answered it (before the answers are published): topic, payload
    /// and the <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> at which the request arrived (benches time on it).
    /// </summary>
    public event Action<string, string, long>? RequestReceived;

    /// <summary>Every request the service received (topic, payload), in order.</summary>
    public IReadOnlyList<(string Topic, string Payload)> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public static string Prefix(string thing, string shadow) =>
        shadow == ShadowStore.Classic ? $"$aws/things/{thing}/shadow" : $"$aws/things/{thing}/shadow/name/{shadow}";

    public static async Task<ShadowService> StartAsync(IotCoreBroker broker, IotTestCertificates certificates, TimeProvider time)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var service = new ShadowService(client, new ShadowStore(time));
        client.ApplicationMessageReceivedAsync += e => service.OnRequestAsync(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray());
        await ServiceClient.ConnectAsync(client, broker, certificates, "");
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (string op in Operations)
        {
            subscribe.WithTopicFilter(f => f.WithTopic($"$aws/things/+/shadow/{op}").WithAtLeastOnceQoS());
            subscribe.WithTopicFilter(f => f.WithTopic($"$aws/things/+/shadow/name/+/{op}").WithAtLeastOnceQoS());
        }

        MqttClientSubscribeResult result = await client.SubscribeAsync(subscribe.Build()).WaitAsync(TimeSpan.FromSeconds(10));
        if (result.Items.Any(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2))
        {
            throw new InvalidOperationException("The broker refused the shadow service's subscriptions:\n" + broker.Output);
        }

        return service;
    }

    /// <summary>The data plane's UpdateThingShadow: applies <paramref name="request"/> and publishes what IoT Core would.</summary>
    public async Task<JsonObject> UpdateAsync(string thing, string shadow, string request)
    {
        IReadOnlyList<ShadowMessage> messages = Store.Update(thing, shadow, Encoding.UTF8.GetBytes(request));
        await PublishAsync(Prefix(thing, shadow), messages);
        return JsonNode.Parse(messages[0].Json)!.AsObject();
    }

    /// <summary>Sets desired state (a JSON object) as the cloud would; returns the new version.</summary>
    public async Task<long> SetDesiredAsync(string thing, string shadow, JsonNode? desired)
    {
        var request = new JsonObject { ["state"] = new JsonObject { ["desired"] = desired?.DeepClone() } };
        JsonObject response = await UpdateAsync(thing, shadow, request.ToJsonString());
        return response["version"]?.GetValue<long>() ?? throw new InvalidOperationException("Update refused: " + response.ToJsonString());
    }

    /// <summary>Publishes <paramref name="json"/> on <paramref name="topic"/> as the service (e.g. a late, stale delta).</summary>
    public Task PublishRawAsync(string topic, string json) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(json)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    /// <summary>Waits for a request on <paramref name="topic"/> matching <paramref name="predicate"/> (earlier ones count).</summary>
    public Task<(string Topic, string Payload)> WaitForRequestAsync(string topic, Func<string, bool> predicate, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<(string, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            foreach ((string t, string p) in _requests)
            {
                if (t == topic && predicate(p))
                {
                    return Task.FromResult((t, p));
                }
            }

            _waiters.Add(((t, p) => t == topic && predicate(p), done));
        }

        return done.Task.WaitAsync(timeout);
    }

    private async Task OnRequestAsync(string topic, byte[] payload)
    {
        long arrived = System.Diagnostics.Stopwatch.GetTimestamp();
        // $aws/things/<thing>/shadow/<op> or $aws/things/<thing>/shadow/name/<shadow>/<op>
        string[] levels = topic.Split('/');
        if (levels.Length < 5 || levels[0] != "$aws" || levels[1] != "things" || levels[3] != "shadow")
        {
            return;
        }

        string thing = levels[2];
        (string shadow, string op) = levels.Length == 7 && levels[4] == "name" ? (levels[5], levels[6]) : (ShadowStore.Classic, levels[4]);
        IReadOnlyList<ShadowMessage> messages = op switch
        {
            "get" => Store.Get(thing, shadow, payload),
            "update" => Store.Update(thing, shadow, payload),
            "delete" => Store.Delete(thing, shadow, payload),
            _ => [],
        };

        // Record after answering state changes but before publishing, so a waiter sees the store already updated.
        string text = Encoding.UTF8.GetString(payload);
        lock (_gate)
        {
            _requests.Add((topic, text));
            _waiters.RemoveAll(w => w.Predicate(topic, text) && w.Done.TrySetResult((topic, text)));
        }

        RequestReceived?.Invoke(topic, text, arrived);

        await PublishAsync(Prefix(thing, shadow), messages);
    }

    private async Task PublishAsync(string prefix, IReadOnlyList<ShadowMessage> messages)
    {
        foreach (ShadowMessage message in messages)
        {
            await _client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(prefix + "/" + message.Suffix)
                .WithPayload(message.Json)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}

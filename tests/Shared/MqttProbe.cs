using MQTTnet;
using MQTTnet.Formatter;

namespace KvsEdge.TestSupport;

/// <summary>
/// A subscriber that records everything under a topic filter. MQTT 5 with retain-as-published, so the Retain flag
/// of live messages shows what the publisher sent.
/// </summary>
public sealed class MqttProbe : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly Lock _gate = new();
    private readonly List<MqttApplicationMessage> _messages = [];
    private readonly List<(Func<MqttApplicationMessage, bool> Predicate, TaskCompletionSource<MqttApplicationMessage> Done)> _waiters = [];

    private MqttClientOptions? _options;

    private MqttProbe(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            lock (_gate)
            {
                _messages.Add(e.ApplicationMessage);
                _waiters.RemoveAll(w => w.Predicate(e.ApplicationMessage) && w.Done.TrySetResult(e.ApplicationMessage));
            }

            return Task.CompletedTask;
        };
    }

    /// <param name="persistentSession">
    /// Keep the session (and its QoS 1 queue) on the broker while disconnected; see <see cref="ReconnectAsync"/>.
    /// </param>
    public static async Task<MqttProbe> ConnectAsync(string host, int port, string topicFilter, bool persistentSession = false)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var probe = new MqttProbe(client);
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId("probe-" + Guid.NewGuid().ToString("N"));
        if (persistentSession)
        {
            builder = builder.WithCleanStart(false).WithSessionExpiryInterval(3600);
        }

        MqttClientOptions options = builder.Build();
        probe._options = options;
        await client.ConnectAsync(options).WaitAsync(TimeSpan.FromSeconds(10));
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(topicFilter).WithAtLeastOnceQoS().WithRetainAsPublished(true))
            .Build();
        await client.SubscribeAsync(subscribe).WaitAsync(TimeSpan.FromSeconds(10));
        return probe;
    }

    public IReadOnlyList<MqttApplicationMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.ToArray();
            }
        }
    }

    /// <summary>
    /// What a subscriber arriving now gets for <paramref name="topic"/>: waits for <paramref name="payload"/> and
    /// returns whether the broker delivered it from its retained store.
    /// </summary>
    public static async Task<bool> IsRetainedAsync(string host, int port, string topic, string payload, TimeSpan timeout)
    {
        await using var late = await ConnectAsync(host, port, topic);
        return (await late.WaitForAsync(topic, payload, timeout)).Retain;
    }

    /// <summary>Connects again with the same client id; a persistent session gets what was queued meanwhile.</summary>
    public async Task ReconnectAsync()
    {
        if (_client.IsConnected)
        {
            return;
        }

        await _client.ConnectAsync(_options!).WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async Task PublishAsync(string topic, string payload, bool retain = false)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build();
        await _client.PublishAsync(message).WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>The first message (already received or still to come) that matches.</summary>
    public async Task<MqttApplicationMessage> WaitForAsync(Func<MqttApplicationMessage, bool> predicate, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            MqttApplicationMessage? seen = _messages.FirstOrDefault(predicate);
            if (seen is not null)
            {
                return seen;
            }

            _waiters.Add((predicate, done));
        }

        try
        {
            return await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            string received = string.Join("\n", Messages.Select(m => $"{m.Topic} retain={m.Retain} {m.ConvertPayloadToString()}"));
            throw new TimeoutException($"No matching MQTT message within {timeout}. Received:\n{received}");
        }
    }

    public Task<MqttApplicationMessage> WaitForAsync(string topic, string payload, TimeSpan timeout) =>
        WaitForAsync(m => m.Topic == topic && m.ConvertPayloadToString() == payload, timeout);

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }

        _client.Dispose();
    }
}

using System.Buffers;
using System.Threading.Channels;
using KvsEdge.Common;
using MQTTnet;
using MQTTnet.Protocol;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Status;

/// <summary>
/// Presence on one connection: <see cref="Online"/> is published (retained, QoS 1) on every connect, <see cref="Offline"/>
/// on a clean stop and registered as the Last Will, both on <see cref="Topic"/>.
/// </summary>
public sealed record MqttPresence(string Topic, string Online, string Offline);

/// <summary>
/// One MQTT connection to one broker, shared by whoever needs it (status, Home Assistant, commands, later snapshots,
/// shadow and jobs). MQTTnet 5 has no managed client, so reconnecting with backoff, queueing while offline,
/// re-publishing retained messages and re-subscribing after every connect are done here. Publish methods only enqueue.
/// </summary>
/// <remarks>
/// Options are per broker: the default connection (<see cref="DefaultName"/>) reads `Mqtt:*`; a second one (e.g. AWS IoT
/// Core provisioning) is another instance with its own named <see cref="MqttOptions"/>. The connection runs inside its
/// owner's hosted service (<see cref="RunAsync"/>): for the default connection that is <see cref="MqttStatusPublisher"/>,
/// which also sets its <see cref="MqttPresence"/> (Last Will).
/// </remarks>
public sealed class MqttBrokerConnection
{
    /// <summary>The connection configured by the `Mqtt` section (the unnamed options).</summary>
    public const string DefaultName = "default";

    /// <summary>Inbound messages waiting for their handler; beyond this a burst is dropped (and logged), never buffered unbounded.</summary>
    private const int InboundCapacity = 64;
    private static readonly TimeSpan MaxStopWait = TimeSpan.FromSeconds(5);

    private readonly MqttOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PublishQueue _queue;
    private readonly string _clientId;
    private readonly MqttClientFactory _factory = new();
    private readonly Func<IEnumerable<IMqttInboundHandler>> _handlerSource;
    private readonly Lock _subscriptionGate = new();
    private readonly List<IMqttInboundHandler> _subscriptions = [];

    // Capacity 1 + DropWrite: any number of enqueues collapse into one wake-up of the sender.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    // One reader: handlers run one at a time, off the MQTT client's receive path, so a slow handler never stalls it.
    private readonly Channel<(IMqttInboundHandler Handler, MqttInboundMessage Message)> _inbound =
        Channel.CreateBounded<(IMqttInboundHandler, MqttInboundMessage)>(
            new BoundedChannelOptions(InboundCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    // The handlers of the current connection; replaced whole (read lock-free by the receive path).
    private IMqttInboundHandler[] _handlers = [];

    // Filters subscribed on the current connection: a subscription added while connected subscribes only what is new
    // (subscribing a filter again would make the broker replay its retained messages to every handler).
    private HashSet<string> _subscribedFilters = new(StringComparer.Ordinal);
    private volatile bool _subscriptionsChanged;
    private MqttPresence? _presence;
    private IMqttClient? _client;
    private CancellationTokenSource? _connectionCts;
    private volatile bool _connected;
    private long _lastProgressTimestamp;
    private long _unsentSinceTimestamp;

    /// <param name="name">Which broker this is (<see cref="DefaultName"/> for `Mqtt:*`); for logs and lookups.</param>
    /// <param name="clientId">The effective client id (<see cref="MqttOptions.EffectiveClientId"/>).</param>
    /// <param name="inboundHandlers">Handlers registered in DI, resolved again on every connect.</param>
    public MqttBrokerConnection(
        string name,
        MqttOptions options,
        string clientId,
        TimeProvider timeProvider,
        ILogger logger,
        Func<IEnumerable<IMqttInboundHandler>>? inboundHandlers = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(clientId);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        Name = name;
        _options = options;
        _clientId = clientId;
        _time = timeProvider;
        _logger = logger;
        _handlerSource = inboundHandlers ?? (static () => []);
        _queue = new PublishQueue(_options.QueueCapacity);
        _lastProgressTimestamp = timeProvider.GetTimestamp();
    }

    /// <summary>
    /// Raised on every (re)connect once the presence message and every retained message went out and
    /// <see cref="IsConnected"/> is true. Handlers run on the connection loop: enqueue, never wait on the network.
    /// </summary>
    public event EventHandler? Connected;

    public string Name { get; }

    public MqttOptions Options => _options;

    /// <summary>False (`Enabled=false`): nothing connects and publishes are only logged.</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>True once presence and the retained messages went out on the current connection.</summary>
    public bool IsConnected => _connected;

    /// <summary>
    /// <see cref="TimeProvider.GetTimestamp"/> of the last connect attempt, connect or successful publish. An idle
    /// connection does not advance it.
    /// </summary>
    public long LastProgressTimestamp => Interlocked.Read(ref _lastProgressTimestamp);

    /// <summary><see cref="TimeProvider.GetTimestamp"/> since when something queued has been waiting; 0 when drained.</summary>
    public long UnsentSinceTimestamp => Interlocked.Read(ref _unsentSinceTimestamp);

    /// <summary>Not retained messages dropped because the queue overflowed while the broker was unreachable.</summary>
    public long DroppedEvents => _queue.DroppedEvents;

    public MqttPresence? Presence => Volatile.Read(ref _presence);

    internal PublishQueue Queue => _queue;

    /// <summary>Sets the presence topic and Last Will; call before <see cref="RunAsync"/> (the Will is fixed per connect).</summary>
    public void UsePresence(MqttPresence presence)
    {
        ArgumentNullException.ThrowIfNull(presence);
        ArgumentException.ThrowIfNullOrWhiteSpace(presence.Topic);
        Volatile.Write(ref _presence, presence);
    }

    /// <summary>
    /// Queues bytes. Retained messages are state: coalesced per topic and sent again after every reconnect. Others are
    /// a bounded FIFO (drop-oldest; false when one was dropped). Never blocks.
    /// </summary>
    public bool Publish(string topic, ReadOnlyMemory<byte> payload, MqttQualityOfServiceLevel qualityOfService, bool retain)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        if (topic.AsSpan().IndexOfAny('#', '+') >= 0 || topic == Presence?.Topic)
        {
            throw new ArgumentException($"'{topic}' is not a usable topic to publish to.", nameof(topic));
        }

        return Enqueue(OutgoingMessage.Binary(topic, payload.ToArray(), qualityOfService, retain));
    }

    /// <summary>Queues a message; the caller checked the topic. False when a not retained message was dropped to make room.</summary>
    internal bool Enqueue(OutgoingMessage message)
    {
        if (!_options.Enabled)
        {
            Log.NotPublished(_logger, message.Topic, message.Body is null ? message.Payload : $"({message.Body.Length} bytes)");
            return true;
        }

        bool kept = true;
        if (message.Retained)
        {
            _queue.EnqueueState(message);
        }
        else
        {
            kept = _queue.EnqueueEvent(message);
        }

        MarkUnsent();
        _wake.Writer.TryWrite(true);
        return kept;
    }

    /// <summary>
    /// Subscribes <paramref name="handler"/> to its <see cref="IMqttInboundHandler.TopicFilter"/> now if connected and on
    /// every later connect, until the returned handle is disposed. Messages reach it as for DI-registered handlers.
    /// </summary>
    /// <exception cref="ArgumentException">The filter is not a valid MQTT topic filter.</exception>
    public IDisposable Subscribe(IMqttInboundHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (!IsUsableFilter(handler.TopicFilter))
        {
            throw new ArgumentException($"'{handler.TopicFilter}' is not a valid MQTT topic filter.", nameof(handler));
        }

        lock (_subscriptionGate)
        {
            _subscriptions.Add(handler);
            Volatile.Write(ref _handlers, [.. Volatile.Read(ref _handlers), handler]);
        }

        _subscriptionsChanged = true;
        _wake.Writer.TryWrite(true);
        return new Subscription(this, handler);
    }

    private void Unsubscribe(IMqttInboundHandler handler)
    {
        lock (_subscriptionGate)
        {
            _subscriptions.Remove(handler);
            Volatile.Write(ref _handlers, Volatile.Read(ref _handlers).Where(h => !ReferenceEquals(h, handler)).ToArray());
        }

        // The broker keeps sending until the next connect; no handler matches, so nothing is delivered.
    }

    /// <summary>Test hook: drops the socket without DISCONNECT, as a crash or cable pull would.</summary>
    internal void SimulateConnectionLoss()
    {
        Volatile.Read(ref _client)?.Dispose();
        try
        {
            Volatile.Read(ref _connectionCts)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The connection ended on its own meanwhile.
        }
    }

    /// <summary>Connects and reconnects until <paramref name="stoppingToken"/> fires, then stops cleanly (flush, presence offline, DISCONNECT).</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        if (MqttOptionsValidator.SendsPasswordInClearOverNetwork(_options))
        {
            // Accepted with Mqtt:AllowPlaintextPassword (validation refuses it otherwise); said at every start.
            Log.PlaintextPassword(_logger, _options.Host);
        }

        Task dispatcher = DispatchInboundAsync(stoppingToken);
        try
        {
            await RunConnectionsAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            await dispatcher.ConfigureAwait(false);
        }
    }

    private async Task RunConnectionsAsync(CancellationToken stoppingToken)
    {
        var backoff = new Backoff(_options.ReconnectMinDelay, _options.ReconnectMaxDelay);
        while (!stoppingToken.IsCancellationRequested)
        {
            Exception? failure = null;
            string lostReason = "unknown";
            using (IMqttClient client = _factory.CreateMqttClient())
            {
                try
                {
                    await ConnectAsync(client, stoppingToken).ConfigureAwait(false);
                    backoff.Reset();
                    lostReason = await RunConnectedAsync(client, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    // Stopping: fall through to the goodbye below.
                }
#pragma warning disable CA1031 // Any failure of one connection must lead to a reconnect, never end the loop.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failure = ex;
                }
                finally
                {
                    _connected = false;
                    Volatile.Write(ref _client, null);
                }

                if (stoppingToken.IsCancellationRequested && client.IsConnected)
                {
                    await SayGoodbyeAsync(client).ConfigureAwait(false);
                }
            }

            if (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            TimeSpan delay = backoff.Next();
            if (failure is not null)
            {
                Log.ConnectFailed(_logger, failure, _options.Host, _options.Port, delay);
            }
            else
            {
                Log.ConnectionLost(_logger, lostReason, delay);
            }

            try
            {
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task ConnectAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        MqttClientOptionsBuilder builder = MqttConnection.CreateOptionsBuilder(_options, _clientId, _logger);
        if (Presence is { } presence)
        {
            builder.WithWillTopic(presence.Topic)
                .WithWillPayload(presence.Offline)
                .WithWillRetain(true)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }

        Log.Connecting(_logger, _options.Host, _options.Port, _clientId, _options.Tls.Enabled);
        Volatile.Write(ref _client, client);

        // An attempt is progress for the watchdog: a loop that reconnects on schedule is alive, not hung.
        MarkProgress();
        await MqttConnection.ConnectAsync(client, builder.Build(), _options.ConnectTimeout, stoppingToken).ConfigureAwait(false);
        MarkProgress();
    }

    /// <summary>Runs one connection until it is lost (returns the reason) or the service stops (throws).</summary>
    private async Task<string> RunConnectedAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        using var connectionCts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        string reason = "disconnected";
        Task OnDisconnected(MqttClientDisconnectedEventArgs e)
        {
            reason = e.Exception is null ? e.Reason.ToString() : $"{e.Reason}: {e.Exception.Message}";
            try
            {
                connectionCts.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Raised after this connection was already over.
            }

            return Task.CompletedTask;
        }

        client.DisconnectedAsync += OnDisconnected;
        client.ApplicationMessageReceivedAsync += OnMessageReceived;
        Volatile.Write(ref _connectionCts, connectionCts);
        try
        {
            if (!client.IsConnected)
            {
                return reason;
            }

            CancellationToken ct = connectionCts.Token;

            // Clean sessions forget subscriptions: every connection resolves its handlers and subscribes again.
            ResolveHandlers();
            await SubscribeAsync(client, ct).ConfigureAwait(false);
            if (Presence is { } presence)
            {
                await SendAsync(client, new OutgoingMessage(presence.Topic, presence.Online, Retained: true), ct).ConfigureAwait(false);
            }

            // Retained state may have been lost with the broker (restart without persistence): send it all again.
            IReadOnlyList<OutgoingMessage> state = _queue.StateSnapshot();
            foreach (OutgoingMessage message in state)
            {
                await SendAsync(client, message, ct).ConfigureAwait(false);
                _queue.MarkStateSent(message);
            }

            Log.StateRepublished(_logger, state.Count);
            _connected = true;
            RaiseConnected();

            while (true)
            {
                if (_subscriptionsChanged)
                {
                    await SubscribeAsync(client, ct).ConfigureAwait(false);
                }

                await DrainAsync(client, ct).ConfigureAwait(false);
                await _wake.Reader.ReadAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested && connectionCts.IsCancellationRequested)
        {
            return reason;
        }
        finally
        {
            Volatile.Write(ref _connectionCts, null);
            client.ApplicationMessageReceivedAsync -= OnMessageReceived;
            client.DisconnectedAsync -= OnDisconnected;
        }
    }

    private void RaiseConnected()
    {
        try
        {
            Connected?.Invoke(this, EventArgs.Empty);
        }
#pragma warning disable CA1031 // A user's failure is its own: the connection goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.ConnectedHandlerFailed(_logger, ex, Name);
        }
    }

    /// <summary>DI handlers are resolved on every connect (a handler may appear later), then the subscriptions of users.</summary>
    private void ResolveHandlers()
    {
        IMqttInboundHandler[] registered = UsableHandlers(_handlerSource());
        lock (_subscriptionGate)
        {
            Volatile.Write(ref _handlers, [.. registered, .. _subscriptions]);
            _subscribedFilters = new HashSet<string>(StringComparer.Ordinal);
        }
    }

    /// <summary>A handler with an unusable filter is left out (and logged): subscribing it would fail every connection.</summary>
    private IMqttInboundHandler[] UsableHandlers(IEnumerable<IMqttInboundHandler> handlers)
    {
        var usable = new List<IMqttInboundHandler>();
        foreach (IMqttInboundHandler handler in handlers)
        {
            string? filter = handler.TopicFilter;
            bool valid = IsUsableFilter(filter);
            if (valid)
            {
                usable.Add(handler);
            }
            else
            {
                Log.InboundFilterInvalid(_logger, handler.GetType().Name, filter ?? "(null)");
            }
        }

        return [.. usable];
    }

    /// <summary>MQTT filter rules: not empty; `+` fills a whole level; `#` only as the whole last level.</summary>
    internal static bool IsUsableFilter(string? filter)
    {
        if (string.IsNullOrEmpty(filter))
        {
            return false;
        }

        string[] levels = filter.Split('/');
        for (int i = 0; i < levels.Length; i++)
        {
            string level = levels[i];
            bool wildcard = level.Contains('#', StringComparison.Ordinal) || level.Contains('+', StringComparison.Ordinal);
            if (wildcard && !(level == "+" || (level == "#" && i == levels.Length - 1)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Subscribes every filter of the current handlers not yet subscribed on this connection.</summary>
    private async Task SubscribeAsync(IMqttClient client, CancellationToken ct)
    {
        _subscriptionsChanged = false;
        string[] filters;
        lock (_subscriptionGate)
        {
            filters = Volatile.Read(ref _handlers).Select(h => h.TopicFilter).Distinct(StringComparer.Ordinal)
                .Where(_subscribedFilters.Add).ToArray();
        }

        if (filters.Length == 0)
        {
            return;
        }

        MqttClientSubscribeOptionsBuilder builder = _factory.CreateSubscribeOptionsBuilder();
        foreach (string filter in filters)
        {
            builder.WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.ConnectTimeout);
        MqttClientSubscribeResult result = await client.SubscribeAsync(builder.Build(), timeout.Token).ConfigureAwait(false);
        foreach (MqttClientSubscribeResultItem item in result.Items)
        {
            // Codes from 0x80 are refusals (e.g. the broker's ACL); the connection and the other subscriptions go on.
            if ((int)item.ResultCode >= 0x80)
            {
                Log.SubscribeRefused(_logger, item.TopicFilter.Topic, item.ResultCode.ToString());
            }
            else
            {
                Log.Subscribed(_logger, item.TopicFilter.Topic);
            }
        }
    }

    private Task OnMessageReceived(MqttApplicationMessageReceivedEventArgs e)
    {
        MqttApplicationMessage received = e.ApplicationMessage;
        MqttInboundMessage? message = null;
        foreach (IMqttInboundHandler handler in Volatile.Read(ref _handlers))
        {
            if (MqttTopicFilterComparer.Compare(received.Topic, handler.TopicFilter) != MqttTopicFilterCompareResult.IsMatch)
            {
                continue;
            }

            message ??= new MqttInboundMessage(received.Topic, received.Payload.ToArray(), received.Retain);
            if (!_inbound.Writer.TryWrite((handler, message)))
            {
                Log.InboundDropped(_logger, received.Topic, InboundCapacity);
            }
        }

        return Task.CompletedTask;
    }

    private async Task DispatchInboundAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach ((IMqttInboundHandler handler, MqttInboundMessage message) in _inbound.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await handler.HandleAsync(message, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // A handler's failure is its own: logged, and the connection and other handlers go on.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    Log.InboundHandlerFailed(_logger, ex, handler.GetType().Name, message.Topic);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task DrainAsync(IMqttClient client, CancellationToken ct)
    {
        while (_queue.TryDequeue(out OutgoingMessage message))
        {
            try
            {
                await SendAsync(client, message, ct).ConfigureAwait(false);
            }
            catch
            {
                _queue.PutBack(message);
                throw;
            }
        }

        Interlocked.Exchange(ref _unsentSinceTimestamp, 0);
        if (_queue.PendingEvents + _queue.PendingStates > 0)
        {
            // An enqueue raced with the clear above; its wake-up is pending, and its wait counts from now.
            MarkUnsent();
        }
    }

    private async Task SendAsync(IMqttClient client, OutgoingMessage message, CancellationToken ct)
    {
        MqttClientPublishResult result = await MqttConnection.PublishAsync(client, message, _options.ConnectTimeout, ct).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            // Retrying a refused message (not authorised, bad topic) would block everything behind it.
            Log.PublishRejected(_logger, message.Topic, result.ReasonCode.ToString());
            return;
        }

        MarkProgress();
    }

    /// <summary>Clean stop: flush what is queued, say `offline`, then DISCONNECT so the broker drops the Last Will.</summary>
    private async Task SayGoodbyeAsync(IMqttClient client)
    {
        using var bound = new CancellationTokenSource(_options.ConnectTimeout < MaxStopWait ? _options.ConnectTimeout : MaxStopWait);
        try
        {
            await DrainAsync(client, bound.Token).ConfigureAwait(false);
            if (Presence is { } presence)
            {
                await SendAsync(client, new OutgoingMessage(presence.Topic, presence.Offline, Retained: true), bound.Token).ConfigureAwait(false);
            }

            var disconnect = new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build();
            await client.DisconnectAsync(disconnect, bound.Token).ConfigureAwait(false);
            Log.Stopped(_logger);
        }
#pragma warning disable CA1031 // Stopping must not fail; the Last Will covers an unclean end.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.StopFailed(_logger, ex);
        }
    }

    private void MarkProgress() => Interlocked.Exchange(ref _lastProgressTimestamp, _time.GetTimestamp());

    private void MarkUnsent() => Interlocked.CompareExchange(ref _unsentSinceTimestamp, _time.GetTimestamp(), 0);

    private sealed class Subscription(MqttBrokerConnection owner, IMqttInboundHandler handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(handler);
            }
        }
    }
}

using System.Buffers;
using System.Threading.Channels;
using KvsEdge.Access;
using KvsEdge.Door;
using KvsEdge.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace KvsEdge.Status;

/// <summary>
/// Publishes appliance status to MQTT (topics per DESIGN.md). MQTTnet 5 has no managed client, so reconnecting,
/// re-publishing retained state and queueing while offline are done here. Publish methods only enqueue.
/// </summary>
public sealed class MqttStatusPublisher : BackgroundService, IStatusPublisher
{
    private const string AvailabilitySubtopic = "availability";

    /// <summary>Inbound messages waiting for their handler; beyond this a burst is dropped (and logged), never buffered unbounded.</summary>
    private const int InboundCapacity = 64;
    private static readonly TimeSpan MaxStopWait = TimeSpan.FromSeconds(5);

    private readonly MqttOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PublishQueue _queue;
    private readonly string _clientId;
    private readonly string _eventsTopic;
    private readonly MqttClientFactory _factory = new();

    // Capacity 1 + DropWrite: any number of enqueues collapse into one wake-up of the sender.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    // One reader: handlers run one at a time, off the MQTT client's receive path, so a slow handler never stalls it.
    private readonly Channel<(IMqttInboundHandler Handler, MqttInboundMessage Message)> _inbound =
        Channel.CreateBounded<(IMqttInboundHandler, MqttInboundMessage)>(
            new BoundedChannelOptions(InboundCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly Func<IEnumerable<IMqttInboundHandler>> _handlerSource;
    private IReadOnlyList<IMqttInboundHandler> _handlers = [];
    private IMqttClient? _client;
    private CancellationTokenSource? _connectionCts;
    private volatile bool _connected;
    private long _lastProgressTimestamp;
    private long _unsentSinceTimestamp;

    public MqttStatusPublisher(IOptions<MqttOptions> options, IOptions<DeviceOptions> device, TimeProvider timeProvider, ILogger<MqttStatusPublisher> logger)
        : this(options, device, timeProvider, logger, static () => [])
    {
    }

    /// <param name="inboundHandlers">
    /// Resolved when the service starts, not here: a handler may itself depend on this publisher (Home Assistant's
    /// birth message re-sends discovery through it).
    /// </param>
    public MqttStatusPublisher(
        IOptions<MqttOptions> options,
        IOptions<DeviceOptions> device,
        TimeProvider timeProvider,
        ILogger<MqttStatusPublisher> logger,
        Func<IEnumerable<IMqttInboundHandler>> inboundHandlers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(inboundHandlers);
        _handlerSource = inboundHandlers;
        _options = options.Value;
        _time = timeProvider;
        _logger = logger;
        _queue = new PublishQueue(_options.QueueCapacity);
        _clientId = _options.EffectiveClientId(device.Value);
        TopicPrefix = _options.EffectiveTopicPrefix(device.Value);
        AvailabilityTopic = TopicPrefix + "/" + AvailabilitySubtopic;
        _eventsTopic = TopicPrefix + "/events";
        _lastProgressTimestamp = timeProvider.GetTimestamp();
    }

    public string TopicPrefix { get; }

    /// <summary>`&lt;prefix&gt;/availability`: `online` while connected, `offline` on a clean stop and as the Last Will.</summary>
    public string AvailabilityTopic { get; }

    /// <summary>True once `online` and the retained state went out on the current connection.</summary>
    public bool IsConnected => _connected;

    /// <summary>
    /// <see cref="TimeProvider.GetTimestamp"/> of the last connect attempt, connect or successful publish. An idle
    /// connection does not advance it, so a watchdog reads it together with <see cref="IsConnected"/> and
    /// <see cref="UnsentSinceTimestamp"/>.
    /// </summary>
    public long LastProgressTimestamp => Interlocked.Read(ref _lastProgressTimestamp);

    /// <summary>
    /// <see cref="TimeProvider.GetTimestamp"/> since when something queued has been waiting to be sent; 0 when the
    /// queue was drained. A connected sender that leaves a message waiting for long is stuck.
    /// </summary>
    public long UnsentSinceTimestamp => Interlocked.Read(ref _unsentSinceTimestamp);

    /// <summary>Events dropped because the queue overflowed while the broker was unreachable.</summary>
    public long DroppedEvents => _queue.DroppedEvents;

    internal PublishQueue Queue => _queue;

    public void PublishDoor(DoorState state) => PublishState("door", StatusPayloads.Door(state));

    public void PublishRecognition(RecognitionStatus status) => PublishState("recognition", StatusPayloads.Recognition(status));

    public void PublishEvent(Decision decision)
    {
        string payload = StatusPayloads.Event(decision);
        if (!_options.Enabled)
        {
            Log.NotPublished(_logger, _eventsTopic, payload);
            return;
        }

        if (!_queue.EnqueueEvent(_eventsTopic, payload))
        {
            Log.EventDropped(_logger, _queue.Capacity, _queue.DroppedEvents);
        }

        MarkUnsent();
        _wake.Writer.TryWrite(true);
    }

    /// <summary>Sets the retained value of <c>&lt;prefix&gt;/&lt;subtopic&gt;</c> (latest wins; re-sent after every reconnect).</summary>
    public void PublishState(string subtopic, string payload)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subtopic);
        ArgumentNullException.ThrowIfNull(payload);
        if (subtopic.AsSpan().IndexOfAny('#', '+') >= 0 || subtopic.StartsWith('/') || subtopic == AvailabilitySubtopic)
        {
            throw new ArgumentException($"'{subtopic}' is not a usable state subtopic.", nameof(subtopic));
        }

        EnqueueRetained(TopicPrefix + "/" + subtopic, payload);
    }

    /// <summary>
    /// Sets a retained topic outside the prefix (Home Assistant discovery). Like state it is kept, sent again after
    /// every reconnect, and sent again when set again with the same value.
    /// </summary>
    public void PublishRetained(string topic, string payload)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentNullException.ThrowIfNull(payload);
        if (topic.AsSpan().IndexOfAny('#', '+') >= 0 || topic == AvailabilityTopic)
        {
            throw new ArgumentException($"'{topic}' is not a usable retained topic.", nameof(topic));
        }

        EnqueueRetained(topic, payload);
    }

    private void EnqueueRetained(string topic, string payload)
    {
        if (!_options.Enabled)
        {
            Log.NotPublished(_logger, topic, payload);
            return;
        }

        _queue.EnqueueState(topic, payload);
        MarkUnsent();
        _wake.Writer.TryWrite(true);
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            Log.Disabled(_logger);
            return;
        }

        if (MqttOptionsValidator.SendsPasswordInClearOverNetwork(_options))
        {
            // Accepted with Mqtt:AllowPlaintextPassword (validation refuses it otherwise); said at every start.
            Log.PlaintextPassword(_logger, _options.Host);
        }

        _handlers = UsableHandlers(_handlerSource());
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
        MqttClientOptionsBuilder builder = MqttConnection.CreateOptionsBuilder(_options, _clientId, _logger)
            .WithWillTopic(AvailabilityTopic)
            .WithWillPayload(StatusPayloads.Offline)
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);

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

            // Clean sessions forget subscriptions: every connection subscribes again.
            await SubscribeAsync(client, ct).ConfigureAwait(false);
            await SendAsync(client, new OutgoingMessage(AvailabilityTopic, StatusPayloads.Online, Retained: true), ct).ConfigureAwait(false);

            // Retained state may have been lost with the broker (restart without persistence): send it all again.
            IReadOnlyList<OutgoingMessage> state = _queue.StateSnapshot();
            foreach (OutgoingMessage message in state)
            {
                await SendAsync(client, message, ct).ConfigureAwait(false);
                _queue.MarkStateSent(message);
            }

            Log.StateRepublished(_logger, state.Count);
            _connected = true;
            Log.Connected(_logger, _options.Host, _options.Port, TopicPrefix);

            while (true)
            {
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

    private async Task SubscribeAsync(IMqttClient client, CancellationToken ct)
    {
        string[] filters = _handlers.Select(h => h.TopicFilter).Distinct(StringComparer.Ordinal).ToArray();
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
        foreach (IMqttInboundHandler handler in _handlers)
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
        MqttClientPublishResult result = await MqttConnection.PublishAsync(
            client, message.Topic, message.Payload, message.Retained, _options.ConnectTimeout, ct).ConfigureAwait(false);
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
            await SendAsync(client, new OutgoingMessage(AvailabilityTopic, StatusPayloads.Offline, Retained: true), bound.Token).ConfigureAwait(false);
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
}

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

    private IMqttClient? _client;
    private CancellationTokenSource? _connectionCts;
    private volatile bool _connected;
    private long _lastProgressTimestamp;

    public MqttStatusPublisher(IOptions<MqttOptions> options, IOptions<DeviceOptions> device, TimeProvider timeProvider, ILogger<MqttStatusPublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
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
    /// <see cref="TimeProvider.GetTimestamp"/> of the last connect or successful publish. An idle connection does not
    /// advance it, so a watchdog should read it together with <see cref="IsConnected"/>.
    /// </summary>
    public long LastProgressTimestamp => Interlocked.Read(ref _lastProgressTimestamp);

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

        string topic = TopicPrefix + "/" + subtopic;
        if (!_options.Enabled)
        {
            Log.NotPublished(_logger, topic, payload);
            return;
        }

        _queue.EnqueueState(topic, payload);
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
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(_clientId)
            // Our queue is the session; a persistent broker session would only replay duplicates.
            .WithCleanSession(true)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.ConnectTimeout)
            // AWS IoT Core closes connections on fragmented packets; status messages are small anyway.
            .WithoutPacketFragmentation()
            .WithWillTopic(AvailabilityTopic)
            .WithWillPayload(StatusPayloads.Offline)
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);

        if (!string.IsNullOrEmpty(_options.Username))
        {
            builder.WithCredentials(_options.Username, _options.Password);
        }

        if (_options.Tls.Enabled)
        {
            builder.WithTlsOptions(MqttTls.Build(_options.Tls, _options.Host, _logger));
        }

        Log.Connecting(_logger, _options.Host, _options.Port, _clientId, _options.Tls.Enabled);
        Volatile.Write(ref _client, client);

        // Network timeouts are wall-clock on purpose: the TimeProvider paces retries, not sockets.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        await client.ConnectAsync(builder.Build(), timeout.Token).ConfigureAwait(false);
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
        Volatile.Write(ref _connectionCts, connectionCts);
        try
        {
            if (!client.IsConnected)
            {
                return reason;
            }

            CancellationToken ct = connectionCts.Token;
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
            client.DisconnectedAsync -= OnDisconnected;
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
    }

    private async Task SendAsync(IMqttClient client, OutgoingMessage message, CancellationToken ct)
    {
        MqttApplicationMessage mqttMessage = new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic)
            .WithPayload(message.Payload)
            .WithRetainFlag(message.Retained)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.ConnectTimeout);
        MqttClientPublishResult result = await client.PublishAsync(mqttMessage, timeout.Token).ConfigureAwait(false);
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
}

using MQTTnet.Protocol;

namespace KvsEdge.Status;

/// <summary>
/// One MQTT message waiting to be sent. Retained messages are state; the rest are events. Status messages are text
/// (<see cref="Payload"/>) at QoS 1; other users of the connection may send bytes (<see cref="Body"/>) at any QoS.
/// </summary>
public sealed record OutgoingMessage(string Topic, string Payload, bool Retained)
{
    /// <summary>A binary payload; when set it is sent instead of <see cref="Payload"/> (which is then empty).</summary>
    public byte[]? Body { get; init; }

    public MqttQualityOfServiceLevel QualityOfService { get; init; } = MqttQualityOfServiceLevel.AtLeastOnce;

    /// <summary>A binary message (bytes sent as given).</summary>
    public static OutgoingMessage Binary(string topic, byte[] body, MqttQualityOfServiceLevel qos, bool retained) =>
        new(topic, string.Empty, retained) { Body = body, QualityOfService = qos };
}

/// <summary>
/// What the publisher still owes the broker. Pure and thread-safe: producers enqueue from any thread (the door
/// path must never wait on the network), the connection loop dequeues.
/// <list type="bullet">
/// <item>State (retained) is coalesced per topic: only the latest value matters to a subscriber.</item>
/// <item>Events are a bounded FIFO; when full the oldest is dropped and counted.</item>
/// <item>Events are dequeued before state: an access decision outranks a status refresh.</item>
/// <item>A message whose send failed goes back to the front, so nothing is lost or reordered by a failure.</item>
/// </list>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is a queue; the name is the team's vocabulary.")]
public sealed class PublishQueue
{
    private readonly Lock _gate = new();
    private readonly LinkedList<OutgoingMessage> _events = new();

    // Topics with a value not yet sent, in the order they first became pending.
    private readonly LinkedList<string> _pendingStateTopics = new();

    // Last value of every state topic ever published: re-sent after each reconnect.
    private readonly Dictionary<string, OutgoingMessage> _lastState = new(StringComparer.Ordinal);
    private long _droppedEvents;

    public PublishQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>Maximum number of queued events.</summary>
    public int Capacity { get; }

    /// <summary>Events dropped because the queue was full.</summary>
    public long DroppedEvents => Interlocked.Read(ref _droppedEvents);

    public int PendingEvents
    {
        get
        {
            lock (_gate)
            {
                return _events.Count;
            }
        }
    }

    public int PendingStates
    {
        get
        {
            lock (_gate)
            {
                return _pendingStateTopics.Count;
            }
        }
    }

    /// <summary>Records the latest value of a retained topic; an unsent older value of the same topic is replaced.</summary>
    public void EnqueueState(string topic, string payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(payload);
        EnqueueState(new OutgoingMessage(topic, payload, Retained: true));
    }

    /// <summary>Records the latest value of a retained topic (text or bytes, any QoS).</summary>
    public void EnqueueState(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentException.ThrowIfNullOrEmpty(message.Topic);
        if (!message.Retained)
        {
            throw new ArgumentException("State is retained.", nameof(message));
        }

        lock (_gate)
        {
            _lastState[message.Topic] = message;
            if (!_pendingStateTopics.Contains(message.Topic))
            {
                _pendingStateTopics.AddLast(message.Topic);
            }
        }
    }

    /// <summary>Appends an event. Returns false when the queue was full and the oldest event was dropped to make room.</summary>
    public bool EnqueueEvent(string topic, string payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(payload);
        return EnqueueEvent(new OutgoingMessage(topic, payload, Retained: false));
    }

    /// <summary>Appends a not retained message (text or bytes, any QoS); false when the oldest was dropped to make room.</summary>
    public bool EnqueueEvent(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentException.ThrowIfNullOrEmpty(message.Topic);
        if (message.Retained)
        {
            throw new ArgumentException("Events are not retained.", nameof(message));
        }

        lock (_gate)
        {
            bool dropped = false;
            if (_events.Count >= Capacity)
            {
                _events.RemoveFirst();
                Interlocked.Increment(ref _droppedEvents);
                dropped = true;
            }

            _events.AddLast(message);
            return !dropped;
        }
    }

    /// <summary>Takes the next message to send: the oldest event, else the oldest pending state topic.</summary>
    public bool TryDequeue(out OutgoingMessage message)
    {
        lock (_gate)
        {
            if (_events.First is { } first)
            {
                _events.RemoveFirst();
                message = first.Value;
                return true;
            }

            if (_pendingStateTopics.First is { } topic)
            {
                _pendingStateTopics.RemoveFirst();
                message = _lastState[topic.Value];
                return true;
            }

            message = null!;
            return false;
        }
    }

    /// <summary>Returns a message whose send failed to the front of its queue.</summary>
    public void PutBack(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            if (message.Retained)
            {
                // A newer value may have arrived meanwhile; the topic is pending then anyway and the newer value wins.
                if (!_pendingStateTopics.Contains(message.Topic))
                {
                    _pendingStateTopics.AddFirst(message.Topic);
                }

                return;
            }

            if (_events.Count >= Capacity)
            {
                // Drop-oldest holds here too: the failed event is the oldest one.
                Interlocked.Increment(ref _droppedEvents);
                return;
            }

            _events.AddFirst(message);
        }
    }

    /// <summary>The last known value of every state topic, for re-publishing after a reconnect.</summary>
    public IReadOnlyList<OutgoingMessage> StateSnapshot()
    {
        lock (_gate)
        {
            return [.. _lastState.Values];
        }
    }

    /// <summary>Marks a state value as delivered: its topic stops being pending unless a newer value arrived.</summary>
    public void MarkStateSent(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            // Record equality: same text, same byte array, same QoS.
            if (_lastState.TryGetValue(message.Topic, out OutgoingMessage? latest) && latest == message)
            {
                _pendingStateTopics.Remove(message.Topic);
            }
        }
    }
}

using System.Text;
using KvsEdge.Status;

namespace KvsEdge.TestSupport;

/// <summary>An MQTT inbound handler that records what it is given (and can be told to throw on every message).</summary>
public sealed class RecordingInboundHandler(string topicFilter, bool throws = false) : IMqttInboundHandler
{
    private readonly Lock _gate = new();
    private readonly List<MqttInboundMessage> _messages = [];
    private readonly List<(Func<MqttInboundMessage, bool> Predicate, TaskCompletionSource<MqttInboundMessage> Signal)> _waiters = [];

    public string TopicFilter => topicFilter;

    public IReadOnlyList<MqttInboundMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    public static string Text(MqttInboundMessage message) => Encoding.UTF8.GetString(message.Payload.Span);

    public ValueTask HandleAsync(MqttInboundMessage message, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _messages.Add(message);
            _waiters.RemoveAll(w => w.Predicate(message) && w.Signal.TrySetResult(message));
        }

        return throws ? throw new InvalidOperationException("handler bug") : ValueTask.CompletedTask;
    }

    /// <summary>The first message (past or future) that matches.</summary>
    public Task<MqttInboundMessage> WaitForAsync(Func<MqttInboundMessage, bool> predicate, TimeSpan timeout)
    {
        lock (_gate)
        {
            if (_messages.FirstOrDefault(predicate) is { } seen)
            {
                return Task.FromResult(seen);
            }

            var signal = new TaskCompletionSource<MqttInboundMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((predicate, signal));
            return signal.Task.WaitAsync(timeout);
        }
    }

    /// <summary>Waits for the <paramref name="count"/>-th message matching <paramref name="predicate"/>.</summary>
    public Task<MqttInboundMessage> WaitForNthAsync(int count, Func<MqttInboundMessage, bool> predicate, TimeSpan timeout)
    {
        int seen = 0;
        return WaitForAsync(m => predicate(m) && ++seen >= count, timeout);
    }
}

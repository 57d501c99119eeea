using System.Threading.Channels;

namespace KvsEdge.Triggers;

/// <summary>Names of trigger sources, as they appear in logs and the `recognition` state.</summary>
public static class TriggerKinds
{
    public const string Gpio = "gpio";
    public const string Motion = "motion";
    public const string Mqtt = "mqtt";
    public const string Interval = "interval";
    public const string Manual = "manual";
}

/// <summary>A reason to look at the camera now.</summary>
/// <param name="Timestamp">TimeProvider.GetTimestamp() at the edge, so the image path can measure edge → request.</param>
public sealed record Trigger(string Kind, DateTimeOffset At, long Timestamp, string? Detail = null);

/// <summary>
/// The one queue every trigger source writes to and the image-API source reads from. Bounded and dropping the
/// oldest: the source coalesces whatever piled up while a search ran, so a burst can never queue up calls.
/// </summary>
public sealed class TriggerChannel
{
    public const int Capacity = 16;

    private readonly Channel<Trigger> _channel = Channel.CreateBounded<Trigger>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly TimeProvider _time;
    private long _published;

    public TriggerChannel(TimeProvider time)
    {
        _time = time;
    }

    public ChannelReader<Trigger> Reader => _channel.Reader;

    /// <summary>Triggers accepted so far (all sources).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Raised after a trigger was queued (the demo view listens).</summary>
    public event EventHandler<Trigger>? Fired;

    /// <summary>Queues a trigger stamped now; never blocks (a GPIO callback or an MQTT handler may call it).</summary>
    public Trigger Fire(string kind, string? detail = null)
    {
        var trigger = new Trigger(kind, _time.GetUtcNow(), _time.GetTimestamp(), detail);
        _channel.Writer.TryWrite(trigger);
        Interlocked.Increment(ref _published);
        Fired?.Invoke(this, trigger);
        return trigger;
    }
}

using System.Threading.Channels;
using KvsEdge.Camera;

namespace KvsEdge.Triggers;

/// <summary>Names of trigger sources, as they appear in logs and the `recognition` state.</summary>
public static class TriggerKinds
{
    public const string Gpio = "gpio";
    public const string Motion = "motion";
    public const string Mqtt = "mqtt";
    public const string Interval = "interval";
    public const string Manual = "manual";
    public const string Face = "face";
}

/// <summary>A reason to look at the camera now.</summary>
/// <param name="Timestamp">TimeProvider.GetTimestamp() at the edge, so the image path can measure edge → request.</param>
/// <param name="Detail">Free text for the log (e.g. `pin 27`, `12% changed`); not a contract.</param>
public sealed record Trigger(string Kind, DateTimeOffset At, long Timestamp, string? Detail = null)
{
    /// <summary>
    /// The input that fired, unique on the device: `gpio:27`, `mqtt:&lt;topic&gt;`, or the kind when a kind has one input
    /// (`motion`, `interval`, `manual`).
    /// </summary>
    public string Input { get; init; } = Kind;

    /// <summary>What the trigger saw when it fired (a frame, faces), so a consumer need not look again; null when nothing.</summary>
    public TriggerEvidence? Evidence { get; init; }
}

/// <summary>What caused a trigger: the frame it fired on and/or the faces found in it. Both are optional.</summary>
/// <param name="Frame">The JPEG frame (bytes, size, capture time: the sample it came from).</param>
/// <param name="Faces">Faces found in that frame, in frame ratios.</param>
public sealed record TriggerEvidence(JpegFrame? Frame = null, IReadOnlyList<TriggerFace>? Faces = null)
{
    /// <summary>One JPEG per face of <see cref="Faces"/>, same order (largest first), cut from the full-resolution frame; null when none were made.</summary>
    public IReadOnlyList<JpegFrame>? Crops { get; init; }

    /// <summary>One aligned chip per crop (same order) for the local matcher; null when local recognition is off.</summary>
    public IReadOnlyList<FaceChip?>? Chips { get; init; }
}

/// <summary>
/// A face aligned for the local embedder (issue 16): 150×150 RGB24, rows of 450 bytes, and the face's size (the
/// smaller side of its detector box) in camera pixels, for the minimum face size.
/// </summary>
public sealed record FaceChip(byte[] Rgb, float FaceSize);

/// <summary>What the on-device detector saw in one frame: the faces that count, and a JPEG crop of each (same order, largest first).</summary>
/// <param name="Sequence">Increases with every detection: a newer look has a larger one.</param>
public sealed record LocalFaceLook(long Sequence, DateTimeOffset CapturedAt, IReadOnlyList<TriggerFace> Faces, IReadOnlyList<JpegFrame> Crops)
{
    /// <summary>One aligned chip per crop (null where alignment failed); null when local recognition is off.</summary>
    public IReadOnlyList<FaceChip?>? Chips { get; init; }
}

/// <summary>Registered when the on-device detector fires `face` triggers (`Vision:Enabled`): a trigger source of its own.</summary>
public sealed class FaceTriggerRegistration;

/// <summary>
/// The on-device face detector as the image-API source sees it (present only with `Vision:Enabled`): the newest look,
/// so no call is spent on a frame without a face.
/// </summary>
public interface ILocalFaces
{
    /// <summary>
    /// The newest look newer than <paramref name="after"/> (any recent one when null), waiting up to
    /// <paramref name="timeout"/> for the next detection; null when the detector gave none.
    /// </summary>
    Task<LocalFaceLook?> NextLookAsync(LocalFaceLook? after, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>The image-API source did not call for a frame because no face was found on it (`no_face_local`).</summary>
    void CallSaved();
}

/// <summary>A face box in ratios (0-1) of the frame's width and height, with the detector's score (0-1).</summary>
public readonly record struct TriggerFace(float Left, float Top, float Width, float Height, float Score);

/// <summary>
/// The one place every trigger source writes to, fanned out to every consumer. Each consumer has its own queue,
/// bounded and dropping the oldest: a consumer coalesces whatever piled up while it was busy (the image-API source
/// while a search ran, so a burst can never queue up calls), and a slow consumer never holds another back.
/// </summary>
public sealed class TriggerChannel
{
    public const int Capacity = 16;

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private Channel<Trigger>[] _consumers = [];
    private long _published;

    public TriggerChannel(TimeProvider time)
    {
        _time = time;
        // The first consumer exists from the start, so triggers that fire before the image-API source reads are kept.
        Reader = Subscribe();
    }

    /// <summary>The first consumer's queue (the image-API source reads it).</summary>
    public ChannelReader<Trigger> Reader { get; }

    /// <summary>Triggers accepted so far (all sources).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Raised after a trigger was queued (the demo view listens).</summary>
    public event EventHandler<Trigger>? Fired;

    /// <summary>A new consumer: every trigger fired from now on is queued for it too (one reader per queue).</summary>
    public ChannelReader<Trigger> Subscribe()
    {
        var channel = Channel.CreateBounded<Trigger>(
            new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            _consumers = [.. _consumers, channel];
        }

        return channel.Reader;
    }

    /// <summary>Queues a trigger stamped now; never blocks (a GPIO callback or an MQTT handler may call it).</summary>
    public Trigger Fire(string kind, string? detail = null) => Fire(kind, detail, input: null, evidence: null);

    /// <summary>Queues a trigger from a named <paramref name="input"/> (null: the kind), with what it saw.</summary>
    public Trigger Fire(string kind, string? detail, string? input, TriggerEvidence? evidence)
    {
        var trigger = new Trigger(kind, _time.GetUtcNow(), _time.GetTimestamp(), detail) { Input = input ?? kind, Evidence = evidence };
        foreach (Channel<Trigger> consumer in Volatile.Read(ref _consumers))
        {
            consumer.Writer.TryWrite(trigger);
        }

        Interlocked.Increment(ref _published);
        Fired?.Invoke(this, trigger);
        return trigger;
    }
}

namespace KvsEdge.Vision;

/// <summary>
/// Which detector-branch frames are detected. The branch delivers frames faster than `Vision:Rate` (see
/// <see cref="VisionFrameTaps.BranchRate"/>): one frame per 1/Rate slot is detected, and while a face awaits its
/// K-of-M confirmation the next frame is detected too, so a person is confirmed a frame later rather than a whole
/// detection slot later (200 ms at 5/s). Those extra detections are bounded to Rate a second: a flickering face cannot
/// raise the detector's CPU above twice its budget. Pure: times are frame timestamps.
/// </summary>
public sealed class DetectionPacer
{
    private readonly TimeSpan _interval;
    private readonly int _maxExtraPerSecond;
    private readonly Queue<TimeSpan> _extra = new();
    private TimeSpan? _last;

    public DetectionPacer(int rate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rate, 1);
        _interval = TimeSpan.FromSeconds(1.0 / rate);
        _maxExtraPerSecond = rate;
    }

    /// <summary>Extra (confirming) detections made so far.</summary>
    public long ExtraDetections { get; private set; }

    /// <summary>Whether to detect the frame at <paramref name="at"/>; <paramref name="confirming"/>: a face awaits confirmation.</summary>
    public bool ShouldDetect(TimeSpan at, bool confirming)
    {
        // A tenth of a slot of slack: frame timestamps of a 15 fps branch land on the 5/s grid only to the nanosecond.
        // A timestamp going back is a restarted pipeline (running time starts again at 0).
        if (_last is not { } last || at < last || at - last >= _interval * 0.9)
        {
            _last = at;
            return true;
        }

        if (!confirming)
        {
            return false;
        }

        while (_extra.Count > 0 && at - _extra.Peek() >= TimeSpan.FromSeconds(1))
        {
            _extra.Dequeue();
        }

        if (_extra.Count >= _maxExtraPerSecond)
        {
            return false;
        }

        // The regular grid stays where it is: the next slot's detection comes as planned.
        _extra.Enqueue(at);
        ExtraDetections++;
        return true;
    }
}

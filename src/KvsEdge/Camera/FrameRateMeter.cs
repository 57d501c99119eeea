namespace KvsEdge.Camera;

/// <summary>
/// Frame rate and bitrate over a sliding window, from cumulative counters sampled now and then
/// (e.g. frames and bytes counted by a pad probe, timestamps from TimeProvider). Not thread-safe: one sampler.
/// </summary>
public sealed class FrameRateMeter
{
    private readonly Queue<(TimeSpan At, long Frames, long Bytes)> _samples = new();
    private readonly TimeSpan _window;

    public FrameRateMeter(TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _window = window;
    }

    /// <summary>Frames per second over the window; 0 until two samples span some time.</summary>
    public double Fps { get; private set; }

    /// <summary>Kilobits per second over the window.</summary>
    public double Kbps { get; private set; }

    /// <summary>Adds a sample of cumulative counters taken at a monotonic <paramref name="at"/>.</summary>
    public void Add(TimeSpan at, long frames, long bytes)
    {
        if (_samples.Count > 0)
        {
            (TimeSpan lastAt, long lastFrames, long lastBytes) = _samples.Last();
            // Counters going backwards mean a new pipeline; time going backwards means a caller bug. Start over either way.
            if (at < lastAt || frames < lastFrames || bytes < lastBytes)
            {
                Reset();
            }
        }

        _samples.Enqueue((at, frames, bytes));

        // Keep one sample at or before the window start so the window is covered fully.
        while (_samples.Count > 2 && at - _samples.ElementAt(1).At >= _window)
        {
            _samples.Dequeue();
        }

        (TimeSpan firstAt, long firstFrames, long firstBytes) = _samples.Peek();
        double seconds = (at - firstAt).TotalSeconds;
        if (seconds <= 0)
        {
            Fps = 0;
            Kbps = 0;
            return;
        }

        Fps = (frames - firstFrames) / seconds;
        Kbps = (bytes - firstBytes) * 8 / 1000.0 / seconds;
    }

    public void Reset()
    {
        _samples.Clear();
        Fps = 0;
        Kbps = 0;
    }
}

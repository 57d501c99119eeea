namespace KvsEdge.Common;

/// <summary>
/// Capped exponential backoff with "equal jitter": each delay is between half and all of
/// min(max, initial · 2^attempt), so many devices reconnecting after one outage spread out
/// but none waits less than half the nominal delay.
/// </summary>
public sealed class Backoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly Func<double> _random;
    private int _attempt;

    /// <param name="random">Returns a value in [0, 1); tests pass a fixed function.</param>
    public Backoff(TimeSpan initial, TimeSpan max, Func<double>? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        _initial = initial;
        _max = max;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>How many delays were handed out since the last <see cref="Reset"/>.</summary>
    public int Attempt => _attempt;

    /// <summary>The nominal (un-jittered) delay for the current attempt.</summary>
    public TimeSpan NominalDelay
    {
        get
        {
            // 2^30 · 1 ms already exceeds any sane cap; clamp the exponent so the multiplication cannot overflow.
            double factor = Math.Pow(2, Math.Min(_attempt, 30));
            double ticks = Math.Min(_max.Ticks, _initial.Ticks * factor);
            return TimeSpan.FromTicks((long)ticks);
        }
    }

    /// <summary>Returns the next delay and advances the attempt counter.</summary>
    public TimeSpan Next()
    {
        TimeSpan nominal = NominalDelay;
        _attempt++;
        double half = nominal.Ticks / 2.0;
        return TimeSpan.FromTicks((long)(half + (half * _random())));
    }

    /// <summary>Call after a success so the next failure starts from the initial delay again.</summary>
    public void Reset() => _attempt = 0;
}

using KvsEdge.Common;

namespace KvsEdge.Triggers;

/// <summary>
/// Turns a noisy input (a bouncing doorbell contact, a PIR output) into one trigger per activation: the input must
/// stay at its active level for <c>debounce</c> before it counts, and must go inactive again before it can count
/// again. Time comes from the injected TimeProvider, so tests drive it with FakeTimeProvider.
/// </summary>
public sealed class EdgeDebouncer : IDisposable
{
    private readonly TimeSpan _debounce;
    private readonly Action _activated;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private bool _active;
    private bool _fired;
    private long _activeSince;

    public EdgeDebouncer(TimeSpan debounce, TimeProvider time, Action activated)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(debounce, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        _debounce = debounce;
        _activated = activated;
        _time = time;
        _timer = time.CreateTimer(OnTimer, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Activations that counted.</summary>
    public int Activations { get; private set; }

    /// <summary>Feed every raw level change here (already translated to active / inactive).</summary>
    public void OnLevel(bool active)
    {
        bool fireNow = false;
        lock (_gate)
        {
            if (active == _active)
            {
                return;
            }

            _active = active;
            _activeSince = _time.GetTimestamp();
            if (!active)
            {
                _fired = false; // released: the next stable press counts again
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                return;
            }

            if (_debounce == TimeSpan.Zero)
            {
                fireNow = MarkFired();
            }
            else
            {
                _timer.Change(_debounce, Timeout.InfiniteTimeSpan);
            }
        }

        if (fireNow)
        {
            _activated();
        }
    }

    private void OnTimer(object? state)
    {
        bool fire;
        lock (_gate)
        {
            // A callback of an earlier arming may run late, or this one a moment early: count only an input that has
            // been active long enough, and let an early callback wait for the rest.
            fire = _active && !_fired && SettleTimer.HasHeld(_time, _timer, _activeSince, _debounce) && MarkFired();
        }

        if (fire)
        {
            _activated();
        }
    }

    private bool MarkFired()
    {
        if (_fired)
        {
            return false;
        }

        _fired = true;
        Activations++;
        return true;
    }

    public void Dispose() => _timer.Dispose();
}

using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.TestSupport;

/// <summary>
/// A FakeTimeProvider that tells the test when code under test starts waiting, so the test advances time only
/// once the wait exists (advancing earlier would be lost) — no real sleeps, no polling.
/// </summary>
public sealed class SignallingTimeProvider : FakeTimeProvider
{
    private readonly object _gate = new();
    private readonly List<TimeSpan> _created = [];
    private readonly List<(Func<TimeSpan, bool> Match, TaskCompletionSource<TimeSpan> Signal)> _waiters = [];

    public SignallingTimeProvider()
    {
    }

    public SignallingTimeProvider(DateTimeOffset start)
        : base(start)
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ITimer timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_gate)
        {
            int index = _waiters.FindIndex(w => w.Match(dueTime));
            if (index >= 0)
            {
                _waiters[index].Signal.TrySetResult(dueTime);
                _waiters.RemoveAt(index);
            }
            else
            {
                _created.Add(dueTime);
            }
        }

        return timer;
    }

    /// <summary>Completes when a timer whose due time matches is (or already was) created; consumes it.</summary>
    public Task<TimeSpan> WaitForTimerAsync(Func<TimeSpan, bool> match)
    {
        lock (_gate)
        {
            int index = _created.FindIndex(d => match(d));
            if (index >= 0)
            {
                TimeSpan due = _created[index];
                _created.RemoveAt(index);
                return Task.FromResult(due);
            }

            var signal = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, signal));
            return signal.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Waits for the next timer not yet taken (a backoff or poll delay) and returns its due time.</summary>
    public Task<TimeSpan> NextTimerAsync(TimeSpan timeout) => WaitForTimerAsync(static _ => true).WaitAsync(timeout);
}

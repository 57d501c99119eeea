using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Status;

/// <summary>A FakeTimeProvider that reports each timer created, so a test knows a backoff delay has begun.</summary>
internal sealed class SignallingTimeProvider : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ITimer timer = base.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>Waits for the next timer (a backoff delay) and returns its due time.</summary>
    public async Task<TimeSpan> NextTimerAsync(TimeSpan timeout) => await _timers.Reader.ReadAsync().AsTask().WaitAsync(timeout);
}

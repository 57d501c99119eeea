using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Common;

/// <summary>
/// A <see cref="FakeTimeProvider"/> whose timers call back <c>early</c> before their due time, as the system timer
/// does against the stopwatch now and then (its tick is coarser): the clocks stay the fake's.
/// </summary>
public sealed class EarlyTimerTimeProvider(FakeTimeProvider inner, TimeSpan early) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new EarlyTimer(inner.CreateTimer(callback, state, Earlier(dueTime), period), this);

    private TimeSpan Earlier(TimeSpan due) =>
        due == Timeout.InfiniteTimeSpan || due <= early ? due : due - early;

    private sealed class EarlyTimer(ITimer timer, EarlyTimerTimeProvider owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => timer.Change(owner.Earlier(dueTime), period);

        public void Dispose() => timer.Dispose();

        public ValueTask DisposeAsync() => timer.DisposeAsync();
    }
}

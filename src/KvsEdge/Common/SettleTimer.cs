namespace KvsEdge.Common;

/// <summary>
/// The debounce check shared by the door inputs and the triggers: a level counts once it has held for the debounce
/// time on the timestamp clock. A timer may run its callback a moment before the timestamp clock says the time is up
/// (the system timer is coarser than the stopwatch); such an early callback re-arms for the rest instead of dropping
/// the level, which would lose a door-closed or a doorbell press for good.
/// </summary>
public static class SettleTimer
{
    /// <summary>
    /// True when the level that changed at <paramref name="since"/> has held for <paramref name="debounce"/>;
    /// otherwise <paramref name="timer"/> is armed again for the time left.
    /// </summary>
    public static bool HasHeld(TimeProvider time, ITimer timer, long since, TimeSpan debounce)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(timer);
        TimeSpan left = debounce - time.GetElapsedTime(since);
        if (left <= TimeSpan.Zero)
        {
            return true;
        }

        timer.Change(left, Timeout.InfiniteTimeSpan);
        return false;
    }
}

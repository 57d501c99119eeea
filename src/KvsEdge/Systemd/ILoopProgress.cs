namespace KvsEdge.Systemd;

/// <summary>
/// One loop the service watchdog watches. The keep-alive goes to systemd only while every active loop showed progress
/// within its <see cref="StallAfter"/>; a hung loop therefore lets systemd restart the service.
/// </summary>
public interface ILoopProgress
{
    /// <summary>Short name for logs and systemd's STATUS line, e.g. `camera`.</summary>
    string Name { get; }

    /// <summary>False while the loop does not run (disabled, not yet started, finished): it then does not count.</summary>
    bool IsActive { get; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> of the loop's latest sign of progress.</summary>
    long LastProgressTimestamp { get; }

    /// <summary>The longest a healthy loop can be quiet (its longest backoff plus its longest bounded call, plus a grace).</summary>
    TimeSpan StallAfter { get; }
}

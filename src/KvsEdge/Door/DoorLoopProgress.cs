using KvsEdge.Systemd;

namespace KvsEdge.Door;

/// <summary>
/// The door is healthy while its relay is confirmed inactive, or active for no longer than a pulse may last. A relay
/// not read back inactive within Door:MaxPulseDuration + <see cref="Margin"/> (a relock that keeps failing) stops the
/// keep-alive: systemd kills the service and its ExecStopPost (`door lock`) drives the strike from a fresh process.
/// </summary>
public sealed class DoorLoopProgress(DoorController door, TimeProvider time) : ILoopProgress
{
    /// <summary>A few seconds for the relock retries; not the 30 s grace of the other loops: the strike may be held open.</summary>
    public static TimeSpan Margin { get; } = TimeSpan.FromSeconds(5);

    private readonly DoorController _door = door ?? throw new ArgumentNullException(nameof(door));
    private readonly TimeProvider _time = time ?? throw new ArgumentNullException(nameof(time));

    public string Name => "door";

    public bool IsActive => _door.IsRunning;

    public long LastProgressTimestamp => Progress(_door.RelayUnconfirmedSinceTimestamp, _time.GetTimestamp());

    public TimeSpan StallAfter => _door.MaxPulseDuration + Margin;

    /// <summary>Confirmed inactive: now. Otherwise: when the relay was last driven active or failed to lock.</summary>
    internal static long Progress(long unconfirmedSince, long now) => unconfirmedSince == 0 ? now : unconfirmedSince;
}

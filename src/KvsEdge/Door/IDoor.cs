namespace KvsEdge.Door;

public enum DoorState
{
    Locked,
    Unlocked,

    /// <summary>The relay could not be confirmed inactive: the strike may be held. Retried until it reads back inactive.</summary>
    Fault,
}

/// <summary>The door strike and its indicator LEDs, as the access loop sees them.</summary>
public interface IDoor
{
    DoorState State { get; }

    /// <summary>Raised on every relay change (Locked → Unlocked → Locked, or → Fault → Locked), in order.</summary>
    event EventHandler<DoorState>? StateChanged;

    /// <summary>
    /// Starts one pulse of the configured length. Returns true once the relay is active; false when a pulse
    /// is already running or the door is stopping. The pulse ends by itself, always with the relay inactive.
    /// </summary>
    Task<bool> UnlockAsync(CancellationToken cancellationToken);

    /// <summary>Shows a denial on the denied LED (if one is configured); never touches the relay.</summary>
    void SignalDenied();
}

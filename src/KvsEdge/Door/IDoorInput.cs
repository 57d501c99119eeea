namespace KvsEdge.Door;

/// <summary>
/// A named, debounced input beside the door (exit button, door contact, tamper switch). It only reports: it never
/// drives the relay, so inputs can be added without touching <see cref="DoorController"/>'s fail-secure logic.
/// </summary>
public interface IDoorInput : IDisposable
{
    /// <summary>Stable name (`exit_button`, `door_contact`) used in logs and, later, in events.</summary>
    string Name { get; }

    /// <summary>The debounced state: true while the input is active (pressed, door open).</summary>
    bool IsActive { get; }

    /// <summary>Raised once per debounced change, never for bounce shorter than the debounce time.</summary>
    event EventHandler<DoorInputChange>? Changed;
}

/// <summary>A debounced change of a door input; <paramref name="At"/> is when the new level began.</summary>
public readonly record struct DoorInputChange(string Name, bool IsActive, DateTimeOffset At);

/// <summary>Where a door input is wired.</summary>
/// <param name="Pin">Line offset on the door's chip.</param>
/// <param name="ActiveLow">True when the active state reads low (a button to ground with a pull-up).</param>
/// <param name="Pull">`up`, `down` or `none` (an external resistor).</param>
/// <param name="Debounce">How long a new level must hold before it counts, in both directions.</param>
public sealed record DoorInputWiring(int Pin, bool ActiveLow, string Pull, TimeSpan Debounce);

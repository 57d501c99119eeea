using System.Device.Gpio;
using KvsEdge.Door;

namespace KvsEdge.Cli;

/// <summary>
/// The demo's simulated person at the door: after each unlock the door contact (a simulated input line) opens, then
/// closes again while the strike is still released, so the demo shows the position, the absence of a forced alarm and
/// the relock on close. Driven on the host's TimeProvider; only ever touches the simulated driver.
/// </summary>
public sealed class DemoDoorVisitor : IDisposable
{
    /// <summary>How long after the unlock the person pulls the door open.</summary>
    public static readonly TimeSpan OpensAfter = TimeSpan.FromMilliseconds(800);

    /// <summary>How long the door stays open (the person walks through), shorter than the demo's pulse.</summary>
    public static readonly TimeSpan OpenFor = TimeSpan.FromMilliseconds(900);

    private readonly IDoor _door;
    private readonly SimulatedGpioDriver _driver;
    private readonly int _contactPin;
    private readonly bool _activeLow;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();

    public DemoDoorVisitor(IDoor door, SimulatedGpioDriver driver, DoorContactOptions contact, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(door);
        ArgumentNullException.ThrowIfNull(contact);
        _door = door;
        _driver = driver;
        _contactPin = contact.Pin ?? throw new ArgumentException("The demo's door contact needs a pin.", nameof(contact));
        _activeLow = contact.ActiveLow;
        _time = time;
        _door.StateChanged += OnDoorChanged;
    }

    public void Dispose()
    {
        _door.StateChanged -= OnDoorChanged;
        _stop.Cancel();
        _stop.Dispose();
    }

    private void OnDoorChanged(object? sender, DoorState state)
    {
        if (state == DoorState.Unlocked)
        {
            _ = WalkThroughAsync(_stop.Token);
        }
    }

    private async Task WalkThroughAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(OpensAfter, _time, cancellationToken).ConfigureAwait(false);
            _driver.DriveInput(_contactPin, Level(open: true));
            await Task.Delay(OpenFor, _time, cancellationToken).ConfigureAwait(false);
            _driver.DriveInput(_contactPin, Level(open: false));
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The demo is stopping (the line may already be closed).
        }
    }

    private PinValue Level(bool open) => open != _activeLow ? PinValue.High : PinValue.Low;
}

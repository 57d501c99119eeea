using KvsEdge.Door;
using KvsEdge.Status;

namespace KvsEdge.Hosting;

/// <summary>
/// Reports the door's inputs (issue 14) on MQTT: position and alarms retained under `door/`, door events on the events
/// topic. The inputs act on the strike themselves (<see cref="DoorInputMonitor"/>); this only reports, and every
/// publish only enqueues, so a broker that is down never reaches the door.
/// </summary>
public sealed class DoorInputsStatus : IDisposable
{
    private readonly DoorInputMonitor _inputs;
    private readonly IStatusPublisher _status;

    /// <summary>Subscribes, then publishes the current position and alarms (so no change falls between the two).</summary>
    public DoorInputsStatus(DoorInputMonitor inputs, IStatusPublisher status)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(status);
        _inputs = inputs;
        _status = status;
        inputs.PositionChanged += OnPositionChanged;
        inputs.AlarmsChanged += OnAlarmsChanged;
        inputs.EventRaised += OnEvent;
        if (inputs.HasContact)
        {
            OnPositionChanged(this, inputs.Position);
        }

        if (inputs.HasContact || inputs.HasTamper)
        {
            OnAlarmsChanged(this, inputs.Alarms);
        }
    }

    public void Dispose()
    {
        _inputs.PositionChanged -= OnPositionChanged;
        _inputs.AlarmsChanged -= OnAlarmsChanged;
        _inputs.EventRaised -= OnEvent;
    }

    private void OnPositionChanged(object? sender, DoorPosition position)
    {
        if (position != DoorPosition.Unknown)
        {
            _status.PublishState(DoorInputPayloads.PositionSubtopic, DoorInputPayloads.Position(position));
        }
    }

    private void OnAlarmsChanged(object? sender, DoorAlarms alarms) => _status.PublishState(DoorInputPayloads.AlarmsSubtopic, DoorInputPayloads.Alarms(alarms));

    private void OnEvent(object? sender, DoorEvent doorEvent) => _status.PublishDoorEvent(doorEvent);
}

using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Door;
using KvsEdge.Recognition;
using KvsEdge.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KvsEdge.Hosting;

/// <summary>
/// Runs after the door is safe and before any recognition source: reloads the grant ledger (so nothing replays
/// after a restart) and mirrors the door's relay state to the retained `door` topic. On shutdown it stops the
/// door (ending any pulse) while MQTT still runs, so the last `locked` is published before `offline`.
/// </summary>
public sealed class AccessStartup : IHostedService
{
    private readonly DecisionExecutor _executor;
    private readonly DoorController _door;
    private readonly IStatusPublisher _status;
    private readonly AccessOptions _access;
    private readonly RecognitionStatusReporter _recognition;
    private readonly DoorInputMonitor? _inputs;
    private DoorInputsStatus? _doorInputsStatus;

    public AccessStartup(
        DecisionExecutor executor, DoorController door, IStatusPublisher status, IOptions<AccessOptions> access, RecognitionStatusReporter recognition,
        DoorInputMonitor? inputs = null)
    {
        _inputs = inputs;
        _recognition = recognition;
        _executor = executor;
        _door = door;
        _status = status;
        _access = access.Value;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The ledger's health is part of the retained recognition state, so a read-only or full state directory shows.
        _executor.LedgerAvailabilityChanged += OnLedgerAvailabilityChanged;
        _executor.RestoreLedger(_access.MaxEventAge + _access.MaxClockSkew);
        _recognition.LedgerAvailability(_executor.LedgerAvailable);
        _door.StateChanged += OnDoorStateChanged;
        _status.PublishDoor(_door.State);
        // Door inputs (issue 14): position, alarms and door events to MQTT.
        _doorInputsStatus = _inputs is null ? null : new DoorInputsStatus(_inputs, _status);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _door.StopAsync(cancellationToken).ConfigureAwait(false);
        _door.StateChanged -= OnDoorStateChanged;
        _doorInputsStatus?.Dispose();
        _executor.LedgerAvailabilityChanged -= OnLedgerAvailabilityChanged;
    }

    private void OnLedgerAvailabilityChanged(object? sender, bool available) => _recognition.LedgerAvailability(available);

    private void OnDoorStateChanged(object? sender, DoorState state) => _status.PublishDoor(state);
}

using System.Collections.Concurrent;
using KvsEdge.Access;
using KvsEdge.Door;
using KvsEdge.Status;

namespace KvsEdge.TestSupport;

/// <summary>An IDoor that records unlock requests; the relay itself is tested with the simulated GPIO driver.</summary>
public sealed class RecordingDoor : IDoor
{
    private readonly object _gate = new();
    private TaskCompletionSource _unlocked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DoorState State { get; private set; } = DoorState.Locked;

    public int Unlocks { get; private set; }

    public int Denials { get; private set; }

    public event EventHandler<DoorState>? StateChanged;

    public Task<bool> UnlockAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Unlocks++;
            _unlocked.TrySetResult();
            _unlocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        StateChanged?.Invoke(this, DoorState.Unlocked);
        return Task.FromResult(true);
    }

    public void SignalDenied() => Denials++;

    /// <summary>Completes on the next unlock after this call.</summary>
    public Task NextUnlockAsync()
    {
        lock (_gate)
        {
            return _unlocked.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}

/// <summary>An IStatusPublisher that keeps what it was given and signals each event.</summary>
public sealed class RecordingStatus : IStatusPublisher
{
    private readonly BlockingCollection<Decision> _events = [];

    public ConcurrentQueue<Decision> Events { get; } = new();

    public ConcurrentQueue<RecognitionStatus> Recognition { get; } = new();

    public ConcurrentQueue<DoorState> Door { get; } = new();

    public void PublishDoor(DoorState state) => Door.Enqueue(state);

    public void PublishEvent(Decision decision)
    {
        Events.Enqueue(decision);
        _events.Add(decision);
    }

    public void PublishRecognition(RecognitionStatus status) => Recognition.Enqueue(status);

    public ConcurrentQueue<DoorEvent> DoorEvents { get; } = new();

    public void PublishDoorEvent(DoorEvent doorEvent) => DoorEvents.Enqueue(doorEvent);

    public ConcurrentQueue<(string Subtopic, string Payload)> States { get; } = new();

    public void PublishState(string subtopic, string payload) => States.Enqueue((subtopic, payload));

    /// <summary>The next decision published after the ones already taken.</summary>
    public Task<Decision> NextEventAsync() => Task.Run(() =>
        _events.TryTake(out Decision? decision, TimeSpan.FromSeconds(10)) ? decision : throw new TimeoutException("No event within 10 s."));
}

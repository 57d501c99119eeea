using System.Collections.Concurrent;
using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Camera;
using KvsEdge.Door;
using Spectre.Console;

namespace KvsEdge.Cli;

/// <summary>The demo's live view: one coloured line per decision and per relay change.</summary>
public sealed class DemoConsoleView
{
    private readonly IDoor _door;
    private readonly DoorOptions _doorOptions;
    private readonly ConcurrentDictionary<DecisionKind, int> _counts = new();
    private readonly object _console = new();

    private string? _cameraState;

    public DemoConsoleView(DecisionExecutor executor, IDoor door, DoorOptions doorOptions, PipelineSupervisor camera)
    {
        _door = door;
        _doorOptions = doorOptions;
        executor.Decided += (_, decision) => OnDecided(decision);
        door.StateChanged += (_, state) => OnDoorChanged(state);
        camera.StatusChanged += (_, status) => OnCameraChanged(status);
    }

    public int Count(DecisionKind kind) => _counts.GetValueOrDefault(kind);

    /// <summary>What the Recognition row of the header says (the image-API demo replaces it).</summary>
    public string RecognitionText { get; set; } = "replayed stream-processor records (times shifted to now)";

    public void WriteHeader(string brokerText, string topicPrefix, string? brokerHost, int? brokerPort)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("[bold]Recognition[/]", Markup.Escape(RecognitionText));
        grid.AddRow("[bold]Camera[/]", "test pattern → H.264 → local recording ring (kvssink is not needed)");
        grid.AddRow("[bold]Door[/]", Markup.Escape($"simulated GPIO: strike relay on pin {_doorOptions.Relay.Pin}, pulse {_doorOptions.PulseDuration}"));
        grid.AddRow("[bold]MQTT[/]", Markup.Escape($"{brokerText}, topics {topicPrefix}/#"));
        if (brokerHost is not null)
        {
            grid.AddRow("[bold]Watch[/]", Markup.Escape($"mosquitto_sub -h {brokerHost} -p {brokerPort ?? 1883} -t '{topicPrefix}/#' -v"));
        }

        lock (_console)
        {
            AnsiConsole.Write(new Panel(grid).Header("KvsEdge demo").Border(BoxBorder.Rounded));
            AnsiConsole.MarkupLine("[grey]Ctrl+C stops. Each line is a decision of the access policy or a change of the strike relay.[/]");
        }
    }

    /// <summary>Completes when the relay is inactive (at once if it already is).</summary>
    public async Task WaitUntilLockedAsync()
    {
        var locked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(object? sender, DoorState state)
        {
            if (state == DoorState.Locked)
            {
                locked.TrySetResult();
            }
        }

        _door.StateChanged += OnChanged;
        try
        {
            if (_door.State != DoorState.Locked)
            {
                await locked.Task.ConfigureAwait(false);
            }
        }
        finally
        {
            _door.StateChanged -= OnChanged;
        }
    }

    public void WriteSummary()
    {
        lock (_console)
        {
            AnsiConsole.MarkupLine(Markup.Escape(
                $"Summary: {Count(DecisionKind.Granted)} granted, {Count(DecisionKind.Denied)} denied, "
                + $"{Count(DecisionKind.UnknownFace)} unknown faces, {Count(DecisionKind.Ignored)} ignored; door {_door.State.ToString().ToLowerInvariant()}."));
        }
    }

    /// <summary>The image-API demo: a line per trigger and per answer of the local Rekognition stand-in.</summary>
    public void ShowImageApi(Triggers.TriggerChannel triggers, Demo.RekognitionStandIn standIn)
    {
        ArgumentNullException.ThrowIfNull(triggers);
        ArgumentNullException.ThrowIfNull(standIn);
        triggers.Fired += (_, t) => Line($"{t.At:HH:mm:ss.fff} [blue]trigger[/]         {Markup.Escape(t.Kind)}");
        standIn.Answered += (_, a) => Line($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} [grey]SearchFacesByImage → {Markup.Escape(a.Label)}[/]");
    }

    private void Line(string markup)
    {
        lock (_console)
        {
            AnsiConsole.MarkupLine(markup);
        }
    }

    private void OnDecided(Decision decision)
    {
        _counts.AddOrUpdate(decision.Kind, 1, static (_, n) => n + 1);
        string colour = decision.Kind switch
        {
            DecisionKind.Granted => "green",
            DecisionKind.Denied => "red",
            DecisionKind.UnknownFace => "orange1",
            _ => "grey",
        };
        string person = decision.Person is null ? string.Empty : $" {decision.Person}";
        string similarity = decision.Similarity is { } s ? $" {s:0.0}%" : string.Empty;
        string detail = decision.Detail is null ? string.Empty : $" — {decision.Detail}";
        lock (_console)
        {
            AnsiConsole.MarkupLine(
                $"{decision.DecidedAt:HH:mm:ss.fff} [{colour}]{Markup.Escape(decision.EventType),-15}[/]{Markup.Escape(person + similarity)} [grey]({Markup.Escape(decision.Reason)}){Markup.Escape(detail)}[/]");
        }
    }

    /// <summary>A camera line on each change of state or error, and with each playing update (every 5 s, with fps).</summary>
    private void OnCameraChanged(CameraStatus status)
    {
        string key = status.State + status.LastError;
        if (key == Interlocked.Exchange(ref _cameraState, key) && status.State != CameraState.Playing)
        {
            return;
        }

        string colour = status.State switch { CameraState.Playing => "green", CameraState.Error => "red", _ => "grey" };
        string detail = status.LastError is null ? string.Empty : $" — {status.LastError}";
        lock (_console)
        {
            AnsiConsole.MarkupLine(Markup.Escape($"{status.UpdatedAt:HH:mm:ss.fff} ") + $"[{colour}]camera {Markup.Escape(status.State)}[/]"
                + Markup.Escape($" {status.Encoder} → {string.Join(", ", status.Sinks)}, {status.Fps:0.0} fps, {status.BitrateKbps} kbit/s, restarts {status.Restarts}{detail}"));
        }
    }

    private void OnDoorChanged(DoorState state)
    {
        lock (_console)
        {
            AnsiConsole.MarkupLine(state switch
            {
                DoorState.Unlocked => $"{DateTimeOffset.UtcNow:HH:mm:ss.fff} [black on green] DOOR UNLOCKED [/] relay pin {_doorOptions.Relay.Pin} active",
                DoorState.Fault => $"{DateTimeOffset.UtcNow:HH:mm:ss.fff} [white on red] DOOR FAULT [/] relay pin {_doorOptions.Relay.Pin} not confirmed inactive; retrying",
                _ => $"{DateTimeOffset.UtcNow:HH:mm:ss.fff} [black on white] DOOR LOCKED [/] relay pin {_doorOptions.Relay.Pin} inactive",
            });
        }
    }
}

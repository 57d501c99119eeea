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
    /// <summary>Width given to piped output, so long lines (the `mosquitto_sub` command) stay whole for copy and grep.</summary>
    public const int PipedWidth = 1000;

    /// <summary>Tokens (de-dup keys, ARNs) longer than this are shortened in the middle.</summary>
    public const int MaxTokenLength = 40;

    private readonly IAnsiConsole _out;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<DecisionKind, int> _counts = new();
    private readonly object _console = new();

    private string? _cameraState;

    /// <summary>A relay-active line held back until the decisions of its frame are shown (guarded by _console).</summary>
    private string? _pendingRelayLine;

    /// <param name="camera">Null when the demo has no camera line to show (tests).</param>
    /// <param name="console">Spectre's console by default; piped output is given <see cref="PipedWidth"/> columns instead of 80.</param>
    public DemoConsoleView(DecisionExecutor executor, IDoor door, DoorOptions doorOptions, PipelineSupervisor? camera,
        IAnsiConsole? console = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(door);
        _door = door;
        _doorOptions = doorOptions;
        _time = time ?? TimeProvider.System;
        _out = console ?? AnsiConsole.Console;
        if (console is null && Console.IsOutputRedirected)
        {
            // Spectre assumes 80 columns without a terminal and hard-wraps there.
            _out.Profile.Width = PipedWidth;
        }

        executor.Decided += (_, decision) => OnDecided(decision);
        executor.FrameDecided += (_, _) => FlushRelayLine();
        door.StateChanged += (_, state) => OnDoorChanged(state);
        if (camera is not null)
        {
            camera.StatusChanged += (_, status) => OnCameraChanged(status);
        }
    }

    public int Count(DecisionKind kind) => _counts.GetValueOrDefault(kind);

    /// <summary>What the Recognition row of the header says (the image-API demo replaces it).</summary>
    public string RecognitionText { get; set; } = "replayed stream-processor records (times shifted to now)";

    /// <param name="brokerHost">Null when MQTT is off: no `mosquitto_sub` line.</param>
    /// <param name="recordings">Where the recording ring writes; the demo deletes it on exit.</param>
    public void WriteHeader(string brokerText, string topicPrefix, string? brokerHost, int? brokerPort, string recordings)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("[bold]Recognition[/]", Markup.Escape(RecognitionText));
        grid.AddRow("[bold]Camera[/]", "test pattern → H.264 → local recording ring (kvssink is not needed)");
        grid.AddRow("[bold]Recordings[/]", Markup.Escape($"{recordings} (deleted when the demo exits)"));
        grid.AddRow("[bold]Door[/]", Markup.Escape($"simulated GPIO: strike relay on pin {_doorOptions.Relay.Pin}, pulse {_doorOptions.PulseDuration}"));
        grid.AddRow("[bold]MQTT[/]", Markup.Escape($"{brokerText}, topics {topicPrefix}/#"));
        if (brokerHost is not null)
        {
            grid.AddRow("[bold]Watch[/]", Markup.Escape($"mosquitto_sub -h {brokerHost} -p {brokerPort ?? 1883} -t '{topicPrefix}/#' -v"));
        }

        lock (_console)
        {
            _out.Write(new Panel(grid).Header("KvsEdge demo").Border(BoxBorder.Rounded));
            _out.MarkupLine("[grey]Ctrl+C stops. Each line is a decision of the access policy or a change of the strike relay.[/]");
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
            _out.MarkupLine(Markup.Escape(
                $"Summary: {Count(DecisionKind.Granted)} granted, {Count(DecisionKind.Denied)} denied, "
                + $"{Count(DecisionKind.UnknownFace)} unknown {(Count(DecisionKind.UnknownFace) == 1 ? "face" : "faces")}, {Count(DecisionKind.Ignored)} ignored; door {_door.State.ToString().ToLowerInvariant()}."));
        }
    }

    /// <summary>The image-API demo: a line per trigger and per answer of the local Rekognition stand-in.</summary>
    public void ShowImageApi(Triggers.TriggerChannel triggers, Demo.RekognitionStandIn standIn)
    {
        ArgumentNullException.ThrowIfNull(triggers);
        ArgumentNullException.ThrowIfNull(standIn);
        triggers.Fired += (_, t) => Line($"{t.At:HH:mm:ss.fff} [blue]trigger[/]         {Markup.Escape(t.Kind)}");
        standIn.Answered += (_, a) => Line($"{_time.GetUtcNow():HH:mm:ss.fff} [grey]SearchFacesByImage → {Markup.Escape(a.Label)}[/]");
    }

    /// <summary>Door inputs (issue 14): a line per door position change and per door event (exit request, alarms).</summary>
    public void ShowDoorInputs(DoorInputMonitor inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        inputs.PositionChanged += (_, p) => Line($"{_time.GetUtcNow():HH:mm:ss.fff} [aqua]door {(p == DoorPosition.Open ? "open" : "closed"),-10}[/] [grey](contact pin {_doorOptions.Inputs.Contact.Pin})[/]");
        inputs.EventRaised += (_, e) => Line($"{e.At:HH:mm:ss.fff} [yellow]{Markup.Escape(e.Type),-15}[/] [grey]({Markup.Escape(e.Reason)}){Markup.Escape(e.Detail is null ? string.Empty : " — " + e.Detail)}[/]");
    }

    private void Line(string markup)
    {
        lock (_console)
        {
            _out.MarkupLine(markup);
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
        string detail = decision.Detail is null ? string.Empty : $" — {Shorten(decision.Detail)}";
        lock (_console)
        {
            _out.MarkupLine(
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
            _out.MarkupLine(Markup.Escape($"{status.UpdatedAt:HH:mm:ss.fff} ") + $"[{colour}]camera {Markup.Escape(status.State)}[/]"
                + Markup.Escape($" {status.Encoder} → {string.Join(", ", status.Sinks)}, {status.Fps:0.0} fps, {status.BitrateKbps} kbit/s, restarts {status.Restarts}{detail}"));
        }
    }

    /// <summary>Shortens long tokens (a de-dup key is a whole stream ARN) to their start and end.</summary>
    public static string Shorten(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        const int Keep = (MaxTokenLength - 1) / 2;
        return string.Join(' ', text.Split(' ').Select(t => t.Length <= MaxTokenLength ? t : $"{t[..Keep]}…{t[^Keep..]}"));
    }

    private void OnDoorChanged(DoorState state)
    {
        lock (_console)
        {
            if (state == DoorState.Unlocked)
            {
                // The relay moves before the executor audits the grant that caused it: show that grant first.
                _pendingRelayLine = $"{_time.GetUtcNow():HH:mm:ss.fff} [black on green] DOOR UNLOCKED [/] relay pin {_doorOptions.Relay.Pin} active";
                return;
            }

            FlushRelayLineLocked();
            _out.MarkupLine(state == DoorState.Fault
                ? $"{_time.GetUtcNow():HH:mm:ss.fff} [white on red] DOOR FAULT [/] relay pin {_doorOptions.Relay.Pin} not confirmed inactive; retrying"
                : $"{_time.GetUtcNow():HH:mm:ss.fff} [black on white] DOOR LOCKED [/] relay pin {_doorOptions.Relay.Pin} inactive");
        }
    }

    private void FlushRelayLine()
    {
        lock (_console)
        {
            FlushRelayLineLocked();
        }
    }

    private void FlushRelayLineLocked()
    {
        if (_pendingRelayLine is { } line)
        {
            _pendingRelayLine = null;
            _out.MarkupLine(line);
        }
    }
}

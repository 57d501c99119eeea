using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Cli;
using KvsEdge.Door;
using KvsEdge.Recognition;
using KvsEdge.Tests.Consumer;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Spectre.Console.Testing;

namespace KvsEdge.Tests.Cli;

/// <summary>The demo's live view on Spectre's test console: what a user reads, line by line.</summary>
public sealed class DemoConsoleViewTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-view-").FullName;
    private readonly TestConsole _console = new();
    private readonly RecordingDoor _door = new();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Every_decision_of_a_frame_is_shown_before_the_relay_line_it_caused_with_times_in_order()
    {
        using var executor = new DecisionExecutor(new AccessPolicy(TestPolicies.AliceAllowed()), _door, new RecordingStatus(),
            new GrantLedger(_directory), _time, NullLogger<DecisionExecutor>.Instance);
        // The relay moves a moment after the decision (the ledger write and the GPIO call).
        _door.StateChanged += (_, _) => _time.Advance(TimeSpan.FromMilliseconds(7));
        var view = new DemoConsoleView(executor, _door, new DoorOptions(), camera: null, _console, _time);
        FaceObservation alice = Frame(FaceRecords.Match("alice", 97, _time.GetUtcNow()))[0];

        await executor.HandleFrameAsync([alice, alice with { FaceIndex = 1, Candidates = [] }], CancellationToken.None);

        string[] lines = [.. _console.Lines.Where(l => l.Length > 0)];
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("10:00:00.000 access_granted  alice 97.0%", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("10:00:00.000 unknown_face", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("10:00:00.007  DOOR UNLOCKED ", lines[2], StringComparison.Ordinal);
        Assert.Equal(1, view.Count(DecisionKind.Granted));
    }

    [Fact]
    public void The_summary_counts_one_unknown_face_in_the_singular()
    {
        using var executor = new DecisionExecutor(new AccessPolicy(TestPolicies.AliceAllowed()), _door, new RecordingStatus(),
            new GrantLedger(_directory), _time, NullLogger<DecisionExecutor>.Instance);
        var view = new DemoConsoleView(executor, _door, new DoorOptions(), camera: null, _console, _time);

        view.WriteSummary();
        _ = executor.HandleFrameAsync(Frame(FaceRecords.Unknown(_time.GetUtcNow())), CancellationToken.None);
        view.WriteSummary();

        Assert.Contains("0 unknown faces,", _console.Output, StringComparison.Ordinal);
        Assert.Contains("1 unknown face,", _console.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("face arn:aws:kinesisvideo:eu-west-1:123456789012:stream/front-door/1700000000000|9134385233|1.5#0 was decided before",
        "face arn:aws:kinesisvide…00|9134385233|1.5#0 was decided before")]
    [InlineData("similarity 71.8 is below 90 for alice", "similarity 71.8 is below 90 for alice")]
    public void Long_tokens_are_shortened_to_their_start_and_end(string detail, string shown)
    {
        Assert.Equal(shown, DemoConsoleView.Shorten(detail));
        Assert.All(DemoConsoleView.Shorten(detail).Split(' '), t => Assert.True(t.Length <= DemoConsoleView.MaxTokenLength));
    }

    private IReadOnlyList<FaceObservation> Frame(byte[] record) =>
        FaceSearchRecordParser.Parse(record, RecognitionSources.Kinesis, _time.GetUtcNow()).Frame!.Faces;
}

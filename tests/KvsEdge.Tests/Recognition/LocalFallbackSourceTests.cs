using KvsEdge.Access;
using KvsEdge.Camera;
using KvsEdge.Offline;
using KvsEdge.Recognition;
using KvsEdge.Tests.Offline;
using KvsEdge.Tests.Vision;
using KvsEdge.TestSupport;
using KvsEdge.Triggers;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvsEdge.Tests.Recognition;

/// <summary>
/// The image-API source with local recognition: which of the cloud and the local matcher decides, per mode, through the
/// real client (wire listener), executor, policy (alice allowed) and door. Chips are descriptors in disguise
/// (<see cref="LocalRecognitionTests.FixedDescriber"/>): alice's is axis 0, the gallery's bob axis 1.
/// </summary>
public sealed class LocalFallbackSourceTests
{
    private static Func<ImageApiHarness, LocalRecognition> Local(string mode, int frames = 2) => h =>
    {
        string path = Path.Combine(h.StateDirectory, FaceGallery.FileName);
        LocalRecognitionTests.Sample().Save(path);
        var local = new LocalRecognition(
            new LocalRecognitionOptions { Enabled = true, Mode = mode, MinAgreeingFrames = frames }, new LocalRecognitionTests.FixedDescriber(),
            path, 80, h.Reporter, h.Time, NullLogger<LocalRecognition>.Instance);
        local.Reload();
        return local;
    };

    /// <summary>Looks of one face whose chip is <paramref name="axis"/>'s person, each a new frame.</summary>
    private static ScriptedLocalFaces Faces(ImageApiHarness h, int axis, int looks)
    {
        var faces = new ScriptedLocalFaces();
        for (int i = 0; i < looks; i++)
        {
            DateTimeOffset at = h.Time.GetUtcNow() - TimeSpan.FromMilliseconds(500 - (100 * i));
            faces.Looks.Enqueue(new LocalFaceLook(i + 1, at, [new TriggerFace(0.4f, 0.2f, 0.2f, 0.3f, 0.9f)], [new JpegFrame(SyntheticFrames.Jpeg, 200, 200, at)])
            {
                Chips = [LocalRecognitionTests.ChipNear(axis, 0.2f)],
            });
        }

        return faces;
    }

    [Fact]
    public async Task Fallback_with_the_budget_spent_lets_the_local_matcher_decide_without_a_call()
    {
        ScriptedLocalFaces faces = null!;
        await using var h = new ImageApiHarness(o => (o.MaxCallsPerMinute, o.MaxCallsPerDay) = (1, 10), localFaces: new Deferred(() => faces), local: Local(LocalRecognitionOptions.Fallback));
        faces = Faces(h, axis: 0, looks: 4);
        h.EnqueueUnknownFace();
        await h.TriggerAsync(); // spends the budget: an unknown face
        Assert.True(h.Budget.Snapshot.Exhausted);

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Assert.Equal(ImageApiOutcomes.Decided, ended.Outcome);
        Decision granted = Assert.Single(ended.Decisions, d => d.Kind == DecisionKind.Granted);
        Assert.Equal(("alice", "local"), (granted.Person, granted.Observation!.Source));
        Assert.Equal(0.2f, granted.Observation.Local!.Distance, 3);
        Assert.Single(h.Searches); // only the first trigger's call
        Assert.Equal(1, h.Door.Unlocks);
    }

    [Fact]
    public async Task Second_opinion_with_the_budget_spent_never_unlocks()
    {
        ScriptedLocalFaces faces = null!;
        await using var h = new ImageApiHarness(o => (o.MaxCallsPerMinute, o.MaxCallsPerDay) = (1, 10), localFaces: new Deferred(() => faces), local: Local(LocalRecognitionOptions.SecondOpinion));
        faces = Faces(h, axis: 0, looks: 4);
        h.EnqueueUnknownFace();
        await h.TriggerAsync();

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Assert.Equal(ImageApiOutcomes.BudgetExhausted, ended.Outcome);
        Assert.DoesNotContain(ended.Decisions, d => d.Kind == DecisionKind.Granted);
        Assert.Equal(0, h.Door.Unlocks);
    }

    [Fact]
    public async Task Fallback_does_not_fall_back_on_a_permanent_cloud_error()
    {
        ScriptedLocalFaces faces = null!;
        await using var h = new ImageApiHarness(localFaces: new Deferred(() => faces), local: Local(LocalRecognitionOptions.Fallback, frames: 1));
        faces = Faces(h, axis: 0, looks: 3);
        h.Listener.Handle("SearchFacesByImage", _ => RekognitionWireResponses.AccessDenied());

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Assert.Equal(ImageApiOutcomes.Error, ended.Outcome);
        Assert.Empty(ended.Decisions);
        Assert.Equal(0, h.Door.Unlocks);
    }

    [Fact]
    public async Task Second_opinion_unlocks_when_the_cloud_and_the_local_matcher_agree()
    {
        ScriptedLocalFaces faces = null!;
        await using var h = new ImageApiHarness(localFaces: new Deferred(() => faces), local: Local(LocalRecognitionOptions.SecondOpinion));
        faces = Faces(h, axis: 0, looks: 3);
        for (int i = 0; i < 3; i++)
        {
            h.EnqueueMatch("alice", 99);
        }

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Decision granted = Assert.Single(ended.Decisions, d => d.Kind == DecisionKind.Granted);
        Assert.Equal(("alice", "image-api"), (granted.Person, granted.Observation!.Source));
        Assert.Equal(2, h.Searches.Count); // the first frame waited for the local matcher's second agreeing frame
        Assert.Equal(1, h.Door.Unlocks);
    }

    [Fact]
    public async Task Only_never_calls_the_cloud()
    {
        ScriptedLocalFaces faces = null!;
        await using var h = new ImageApiHarness(localFaces: new Deferred(() => faces), local: Local(LocalRecognitionOptions.Only));
        faces = Faces(h, axis: 1, looks: 3); // bob: in the gallery, not allowed

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Decision denied = Assert.Single(ended.Decisions, d => d.Kind == DecisionKind.Denied);
        Assert.Equal((DecisionReasons.NotAllowed, "local"), (denied.Reason, denied.Observation!.Source));
        Assert.Empty(h.Searches);
        Assert.Equal(0, h.Door.Unlocks);
    }

    [Fact]
    public async Task Fallback_gives_a_hanging_cloud_CloudTimeout_then_the_local_matcher_decides()
    {
        using var release = new ManualResetEventSlim();
        ScriptedLocalFaces faces = null!;
        await using var h = new ImageApiHarness(localFaces: new Deferred(() => faces), local: Local(LocalRecognitionOptions.Fallback, frames: 1));
        faces = Faces(h, axis: 0, looks: 3);
        h.Listener.Handle("SearchFacesByImage", _ =>
        {
            release.Wait(TimeSpan.FromSeconds(30)); // the cloud hangs until the test ends
            return RekognitionWireResponses.SearchFacesByImage([]);
        });

        Task<ImageApiSearchEnded> search = h.TriggerAsync();
        TimeSpan bound = await h.Time.WaitForTimerAsync(d => d == new LocalRecognitionOptions().CloudTimeout);
        h.Time.Advance(bound);
        // Well inside the test client's own 10 s timeout: only CloudTimeout (on the test clock) can end the call this soon.
        ImageApiSearchEnded ended = await search.WaitAsync(TimeSpan.FromSeconds(5));
        release.Set();

        Decision granted = Assert.Single(ended.Decisions, d => d.Kind == DecisionKind.Granted);
        Assert.Equal(("alice", "local"), (granted.Person, granted.Observation!.Source));
        Assert.Equal(1, h.Door.Unlocks);
    }

    /// <summary>The harness wants the gate before it exists; the looks need the harness's clock.</summary>
    private sealed class Deferred(Func<ScriptedLocalFaces> faces) : ILocalFaces
    {
        public Task<LocalFaceLook?> NextLookAsync(LocalFaceLook? after, TimeSpan timeout, CancellationToken cancellationToken) =>
            faces().NextLookAsync(after, timeout, cancellationToken);

        public void CallSaved() => faces().CallSaved();
    }
}

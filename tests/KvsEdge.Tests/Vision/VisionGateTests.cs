using KvsEdge.Access;
using KvsEdge.Camera;
using KvsEdge.Recognition;
using KvsEdge.Tests.Recognition;
using KvsEdge.Triggers;

namespace KvsEdge.Tests.Vision;

/// <summary>
/// The image-API source with the on-device detector in front (against the Rekognition wire listener): no call on a
/// frame without a face, one call per face crop, largest first, each face decided on its own, within the budget.
/// </summary>
public sealed class VisionGateTests
{
    private static readonly byte[] Large = [0xFF, 0xD8, 0x01, 0xFF, 0xD9];
    private static readonly byte[] Small = [0xFF, 0xD8, 0x02, 0xFF, 0xD9];

    private static LocalFaceLook Empty(long sequence, DateTimeOffset at) => new(sequence, at, [], []);

    private static LocalFaceLook TwoFaces(long sequence, DateTimeOffset at) => new(
        sequence, at,
        [new TriggerFace(0.1f, 0.1f, 0.2f, 0.3f, 0.9f), new TriggerFace(0.6f, 0.1f, 0.1f, 0.15f, 0.8f)],
        [new JpegFrame(Large, 200, 200, at), new JpegFrame(Small, 100, 100, at)]);

    [Fact]
    public async Task A_motion_trigger_on_frames_without_a_face_spends_no_call_and_counts_no_face_local()
    {
        var faces = new ScriptedLocalFaces();
        await using var h = new ImageApiHarness(o => o.MaxFrames = 3, localFaces: faces);
        for (int i = 1; i <= 3; i++)
        {
            faces.Looks.Enqueue(Empty(i, h.Time.GetUtcNow()));
        }

        ImageApiSearchEnded ended = await h.TriggerAsync(TriggerKinds.Motion);

        Assert.Equal(ImageApiOutcomes.NoFaceLocal, ended.Outcome);
        Assert.Empty(h.Searches);
        Assert.Equal(3, faces.Saved);
        Assert.Equal(0, h.Budget.Snapshot.CallsToday);
        Assert.Equal(0, h.Frames.Pulled); // the whole-frame tap is never used with vision on
    }

    [Fact]
    public async Task Two_faces_cost_two_calls_largest_first_and_each_gets_its_own_decision()
    {
        var faces = new ScriptedLocalFaces();
        await using var h = new ImageApiHarness(localFaces: faces);
        faces.Looks.Enqueue(TwoFaces(1, h.Time.GetUtcNow()));
        h.EnqueueUnknownFace();
        h.EnqueueMatch("alice", 97);

        ImageApiSearchEnded ended = await h.TriggerAsync(TriggerKinds.Gpio);

        Assert.Equal([Large, Small], h.Searches.Select(r => Convert.FromBase64String(r.Body!["Image"]!["Bytes"]!.GetValue<string>())));
        Assert.Equal(ImageApiOutcomes.Decided, ended.Outcome);
        Assert.Equal(2, ended.Decisions.Count);
        Assert.Contains(ended.Decisions, d => d.Kind == DecisionKind.Granted && d.Person == "alice");
        Assert.Contains(ended.Decisions, d => d.EventType == "unknown_face");
        Assert.Equal(1, h.Door.Unlocks);
        Assert.Equal(2, ended.Decisions.Select(d => d.Observation!.DedupKey).Distinct().Count());
    }

    [Fact]
    public async Task A_face_trigger_searches_the_crops_it_carries_without_asking_the_detector_again()
    {
        var faces = new ScriptedLocalFaces();
        await using var h = new ImageApiHarness(localFaces: faces);
        DateTimeOffset captured = h.Time.GetUtcNow() - TimeSpan.FromMilliseconds(150);
        LocalFaceLook look = TwoFaces(7, captured);
        h.EnqueueMatch("alice", 97);
        h.EnqueueUnknownFace();

        ImageApiSearchEnded ended = await h.TriggerAsync(TriggerKinds.Face, new TriggerEvidence(Faces: look.Faces) { Crops = look.Crops });

        Assert.Equal(2, h.Searches.Count);
        Assert.Equal(1, h.Door.Unlocks);
        // The frame time the policy ages is the capture time of the frame the crop came from.
        Assert.All(ended.Decisions, d => Assert.Equal(captured, d.Observation!.FrameTime));
    }

    [Fact]
    public async Task Faces_beyond_the_budget_are_not_searched()
    {
        var faces = new ScriptedLocalFaces();
        await using var h = new ImageApiHarness(o => { o.MaxCallsPerMinute = 1; o.MaxCallsPerDay = 10; }, localFaces: faces);
        faces.Looks.Enqueue(TwoFaces(1, h.Time.GetUtcNow()));
        h.EnqueueUnknownFace();

        ImageApiSearchEnded ended = await h.TriggerAsync(TriggerKinds.Gpio);

        Assert.Equal(Large, Convert.FromBase64String(Assert.Single(h.Searches).Body!["Image"]!["Bytes"]!.GetValue<string>()));
        Assert.Equal(ImageApiOutcomes.BudgetExhausted, ended.Outcome);
    }
}

using System.Text.Json.Nodes;
using KvsEdge.Access;
using KvsEdge.Recognition;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using KvsEdge.Triggers;

namespace KvsEdge.Tests.Recognition;

/// <summary>
/// The image-API path against the Rekognition wire listener (request shape and SigV4 checked on every call), through
/// the real executor, policy, grant ledger and status reporter.
/// </summary>
public sealed class ImageApiFaceMatchSourceTests
{
    [Fact]
    public async Task A_match_of_an_allowed_person_is_granted_through_the_same_policy_door_and_events()
    {
        await using var h = new ImageApiHarness();
        h.EnqueueMatch("alice", 97.5);

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Assert.Equal(ImageApiOutcomes.Decided, ended.Outcome);
        Decision decision = Assert.Single(ended.Decisions);
        Assert.Equal((DecisionKind.Granted, "alice"), (decision.Kind, decision.Person));
        Assert.Equal(1, h.Door.Unlocks);
        Decision audited = Assert.Single(h.Status.Events);
        Assert.Equal(RecognitionSources.ImageApi, audited.Observation!.Source);
        // Frame time is the capture time, not when the answer came.
        Assert.Equal(h.Frames.Given[0].CapturedAt, audited.Observation.FrameTime);

        RekognitionWireRequest request = Assert.Single(h.Searches);
        Assert.Empty(h.Listener.Failures);
        Assert.Equal(ImageApiHarness.Collection, request.Body!["CollectionId"]!.GetValue<string>());
        Assert.Equal(85, request.Body["FaceMatchThreshold"]!.GetValue<double>());
        Assert.Equal(4, request.Body["MaxFaces"]!.GetValue<int>());
        Assert.Equal(SyntheticFrames.Jpeg, Convert.FromBase64String(request.Body["Image"]!["Bytes"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData(150.0)]
    [InlineData(-0.5)]
    [InlineData(100.001)]
    public async Task A_similarity_outside_0_to_100_is_malformed_and_never_reaches_the_policy(double similarity)
    {
        await using var h = new ImageApiHarness();
        h.EnqueueMatch("alice", similarity);

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Decision decision = Assert.Single(ended.Decisions);
        Assert.Equal((DecisionKind.Ignored, DecisionReasons.Malformed), (decision.Kind, decision.Reason));
        Assert.Null(decision.Observation);
        Assert.Contains("Similarity", decision.Detail, StringComparison.Ordinal);
        Assert.Equal(0, h.Door.Unlocks);
        Assert.Equal(DecisionKind.Ignored, Assert.Single(h.Status.Events).Kind);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(100.5f)]
    public void The_mapping_rejects_a_similarity_that_is_not_a_percentage(float similarity)
    {
        var result = new KvsEdge.Aws.SearchFacesByImageResult
        {
            FaceMatches =
            [
                new KvsEdge.Aws.FaceMatch { Similarity = 97, Face = new KvsEdge.Aws.Face { FaceId = "f1", ExternalImageId = "alice" } },
                new KvsEdge.Aws.FaceMatch { Similarity = similarity, Face = new KvsEdge.Aws.Face { FaceId = "f2", ExternalImageId = "bob" } },
            ],
        };
        var frame = new KvsEdge.Camera.JpegFrame(SyntheticFrames.Jpeg, 640, 480, PolicyTestKitTime);

        FaceObservation? observation = ImageApiFaceMatchSource.ToObservation(result, frame, PolicyTestKitTime, 1, out string? malformed);

        Assert.Null(observation);
        Assert.StartsWith("FaceMatches[1].Similarity", malformed, StringComparison.Ordinal);
        Assert.NotNull(ImageApiFaceMatchSource.ToObservation(result with { FaceMatches = [result.FaceMatches[0]] }, frame, PolicyTestKitTime, 2, out malformed));
        Assert.Null(malformed);
    }

    private static readonly DateTimeOffset PolicyTestKitTime = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_face_not_in_the_collection_is_an_unknown_face_and_the_door_stays_locked()
    {
        await using var h = new ImageApiHarness();
        h.EnqueueUnknownFace();

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Assert.Equal(ImageApiOutcomes.Decided, ended.Outcome);
        Assert.Equal(DecisionKind.UnknownFace, Assert.Single(ended.Decisions).Kind);
        Assert.Equal(0, h.Door.Unlocks);
        Assert.Equal(1, h.Door.Denials);
        Assert.Single(h.Searches);
        Assert.Empty(h.Listener.Failures);
    }

    [Fact]
    public async Task No_face_in_the_image_moves_on_to_the_next_frame()
    {
        await using var h = new ImageApiHarness();
        h.EnqueueNoFace();
        h.EnqueueMatch("alice", 96);

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Assert.Equal(2, h.Searches.Count);
        Assert.Equal(2, ended.Frames);
        Assert.Equal(DecisionKind.Granted, Assert.Single(ended.Decisions).Kind);
        Assert.Equal(1, h.Door.Unlocks);
    }

    [Fact]
    public async Task No_face_in_every_frame_ends_after_MaxFrames_with_nothing_decided_and_no_error()
    {
        await using var h = new ImageApiHarness(o => o.MaxFrames = 3);
        h.Listener.Handle("SearchFacesByImage", _ => RekognitionWireResponses.NoFacesInImage());

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Assert.Equal(ImageApiOutcomes.NoFace, ended.Outcome);
        Assert.Null(ended.Error);
        Assert.Equal(3, h.Searches.Count);
        Assert.Empty(ended.Decisions);
        Assert.Empty(h.Status.Events); // "no face" is not a decision: nothing to audit
        Assert.Equal(0, h.Door.Unlocks);
        Assert.Equal("running", h.Reporter.Current!.State);
    }

    [Fact]
    public async Task Throttling_is_retried_after_a_backoff_and_each_retry_is_a_counted_call()
    {
        await using var h = new ImageApiHarness(o => (o.RetryMinDelay, o.RetryMaxDelay) = (TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2)));
        h.Listener.Enqueue("SearchFacesByImage", RekognitionWireResponses.Throttling());
        h.EnqueueMatch("alice", 98);

        Task<ImageApiSearchEnded> search = h.TriggerAsync();
        TimeSpan delay = await h.Time.WaitForTimerAsync(d => d > TimeSpan.Zero && d <= TimeSpan.FromMilliseconds(200));
        Assert.Single(h.Searches); // nothing more goes out until the backoff has passed
        h.Time.Advance(delay);
        ImageApiSearchEnded ended = await search;

        Assert.Equal(2, h.Searches.Count);
        Assert.Equal(DecisionKind.Granted, Assert.Single(ended.Decisions).Kind);
        Assert.Equal(2, h.Budget.Snapshot.CallsToday);
        Assert.Empty(h.Listener.Failures);
    }

    [Fact]
    public async Task Throttling_never_spends_more_than_the_budget()
    {
        await using var h = new ImageApiHarness(o => (o.MaxCallsPerMinute, o.MaxCallsPerDay) = (2, 2));
        h.Listener.Handle("SearchFacesByImage", _ => RekognitionWireResponses.Throttling());

        Task<ImageApiSearchEnded> search = h.TriggerAsync();
        TimeSpan delay = await h.Time.WaitForTimerAsync(d => d > TimeSpan.Zero && d < TimeSpan.FromSeconds(1));
        h.Time.Advance(delay);
        delay = await h.Time.WaitForTimerAsync(d => d > TimeSpan.Zero && d < TimeSpan.FromSeconds(1));
        h.Time.Advance(delay);
        ImageApiSearchEnded ended = await search;

        Assert.Equal(ImageApiOutcomes.BudgetExhausted, ended.Outcome);
        Assert.Equal(2, h.Searches.Count);
        Assert.Equal(0, h.Door.Unlocks);
    }

    [Fact]
    public async Task When_the_budget_is_spent_triggers_make_no_call_and_are_reported()
    {
        await using var h = new ImageApiHarness(o => (o.MaxCallsPerMinute, o.MaxCallsPerDay) = (1, 10));
        h.EnqueueUnknownFace();
        await h.TriggerAsync();

        ImageApiSearchEnded spent = await h.TriggerAsync();

        Assert.Equal(ImageApiOutcomes.BudgetExhausted, spent.Outcome);
        Assert.Single(h.Searches);
        Assert.Equal(1, h.Frames.Pulled); // not even a frame was taken for the ignored trigger
        RecognitionStatus status = h.Reporter.Current!;
        Assert.Equal(RecognitionSources.ImageApi, status.Source);
        Assert.Equal(
            new ImageApiCounters(2, 1, 1, 1, 1, 0, 9, TriggerKinds.Gpio, ImageApiOutcomes.BudgetExhausted),
            status.ImageApi);
        string payload = StatusPayloads.Recognition(status);
        JsonNode imageApi = JsonNode.Parse(payload)!["image_api"]!;
        Assert.Equal(0, imageApi["remaining_this_minute"]!.GetValue<int>());
        Assert.Equal(1, imageApi["triggers_ignored"]!.GetValue<long>());

        // A minute later the rolling window has room again.
        h.Time.Advance(TimeSpan.FromMinutes(1));
        h.EnqueueMatch("alice", 97);
        ImageApiSearchEnded again = await h.TriggerAsync();
        Assert.Equal(DecisionKind.Granted, Assert.Single(again.Decisions).Kind);
    }

    [Fact]
    public async Task The_day_count_survives_a_restart()
    {
        await using var h = new ImageApiHarness(o => (o.MaxCallsPerMinute, o.MaxCallsPerDay) = (5, 2));
        h.EnqueueUnknownFace();
        h.EnqueueUnknownFace();
        await h.TriggerAsync();
        await h.TriggerAsync();

        var restarted = new ImageApiBudget(5, 2, h.Time, h.StateDirectory);
        Assert.Equal(2, restarted.Snapshot.CallsToday);
        Assert.False(restarted.TryAcquire());
        h.Time.Advance(TimeSpan.FromDays(1));
        Assert.True(restarted.TryAcquire());
    }

    [Fact]
    public async Task A_stale_capture_never_unlocks()
    {
        await using var h = new ImageApiHarness(o => o.MaxFrames = 1);
        h.Frames.Age = TimeSpan.FromSeconds(30); // Access:MaxEventAge is 10 s
        h.EnqueueMatch("alice", 99);

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Decision decision = Assert.Single(ended.Decisions);
        Assert.Equal((DecisionKind.Ignored, DecisionReasons.Stale), (decision.Kind, decision.Reason));
        Assert.Equal(0, h.Door.Unlocks);
    }

    [Fact]
    public async Task A_stale_capture_is_not_final_a_fresh_frame_after_it_can_still_decide()
    {
        await using var h = new ImageApiHarness();
        h.Frames.Age = TimeSpan.FromSeconds(30);
        h.EnqueueMatch("alice", 99);
        h.Listener.Enqueue("SearchFacesByImage", _ =>
        {
            h.Frames.Age = TimeSpan.Zero; // not a race: the source asks for the next frame only after this answer
            return RekognitionWireResponses.NoFacesInImage();
        });
        h.EnqueueMatch("alice", 99);

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Assert.Equal([DecisionReasons.Stale, DecisionReasons.Allowed], ended.Decisions.Select(d => d.Reason));
        Assert.Equal(1, h.Door.Unlocks);
    }

    [Theory]
    [InlineData("AccessDeniedException", 1)]
    [InlineData("ResourceNotFoundException", 1)]
    public async Task An_error_that_retrying_cannot_fix_ends_the_search_locked_and_reported(string error, int expectedCalls)
    {
        await using var h = new ImageApiHarness();
        h.Listener.Handle("SearchFacesByImage", _ => RekognitionWireResponses.Error(error, "no"));

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Assert.Equal(ImageApiOutcomes.Error, ended.Outcome);
        Assert.Equal(expectedCalls, h.Searches.Count);
        Assert.Equal(0, h.Door.Unlocks);
        Assert.Empty(h.Status.Events);
        Assert.Equal("error", h.Reporter.Current!.State);
        Assert.NotNull(h.Reporter.Current.LastError);
    }

    [Theory]
    [InlineData("""{"FaceMatches": "alice"}""")]
    [InlineData("""{"FaceMatches": [{"Similarity": 99.9, "Face": {"ExternalImageId": "alice"}}]}""")] // FaceId missing
    [InlineData("not json")]
    public async Task An_unreadable_answer_never_unlocks(string body)
    {
        await using var h = new ImageApiHarness();
        h.Listener.Handle("SearchFacesByImage", _ => RekognitionWireResponses.Ok(body));

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Assert.Equal(ImageApiOutcomes.Error, ended.Outcome);
        Assert.Empty(ended.Decisions);
        Assert.Equal(0, h.Door.Unlocks);
    }

    [Fact]
    public async Task A_server_error_moves_on_to_the_next_frame_and_never_unlocks_by_itself()
    {
        await using var h = new ImageApiHarness(o => o.MaxFrames = 2);
        h.Listener.Handle("SearchFacesByImage", _ => RekognitionWireResponses.Error("InternalServerError", "boom", 500));

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Assert.Equal(ImageApiOutcomes.Error, ended.Outcome);
        Assert.Equal(2, h.Searches.Count);
        Assert.Equal(0, h.Door.Unlocks);
    }

    [Fact]
    public async Task The_policy_decides_a_person_who_is_not_allowed_is_denied_and_a_weak_match_is_not_enough()
    {
        await using var h = new ImageApiHarness(o => o.MaxFrames = 1);
        h.EnqueueMatch("mallory", 99.5);
        ImageApiSearchEnded denied = await h.TriggerAsync();
        h.EnqueueMatch("alice", 86);
        ImageApiSearchEnded weak = await h.TriggerAsync();

        Assert.Equal((DecisionKind.Denied, DecisionReasons.NotAllowed), (denied.Decisions[0].Kind, denied.Decisions[0].Reason));
        Assert.Equal((DecisionKind.Ignored, DecisionReasons.BelowThreshold), (weak.Decisions[0].Kind, weak.Decisions[0].Reason));
        Assert.Equal(0, h.Door.Unlocks);
    }

    [Fact]
    public async Task No_frame_from_the_camera_makes_no_call()
    {
        await using var h = new ImageApiHarness();
        h.Frames.Available = false;

        ImageApiSearchEnded ended = await h.TriggerAsync();

        Assert.Equal(ImageApiOutcomes.NoFrame, ended.Outcome);
        Assert.Empty(h.Searches);
        Assert.Equal(0, h.Budget.Snapshot.CallsToday);
    }

    [Fact]
    public async Task The_running_service_coalesces_triggers_that_piled_up_into_one_search()
    {
        await using var h = new ImageApiHarness();
        h.EnqueueMatch("alice", 97);
        var ended = new TaskCompletionSource<ImageApiSearchEnded>(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Source.SearchEnded += (_, e) => ended.TrySetResult(e);
        h.Triggers.Fire(TriggerKinds.Motion);
        h.Triggers.Fire(TriggerKinds.Gpio);
        h.Triggers.Fire(TriggerKinds.Mqtt);

        await h.Source.StartAsync(CancellationToken.None);
        ImageApiSearchEnded search = await ended.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await h.Source.StopAsync(CancellationToken.None);

        Assert.Equal(TriggerKinds.Motion, search.Trigger.Kind);
        Assert.Single(h.Searches);
        Assert.Equal(3, h.Reporter.Current!.ImageApi!.Triggers);
    }

    [Fact]
    public async Task The_idle_service_keeps_advancing_its_progress_for_the_watchdog()
    {
        await using var h = new ImageApiHarness();
        await h.Source.StartAsync(CancellationToken.None);
        await h.Time.WaitForTimerAsync(d => d == ImageApiFaceMatchSource.HeartbeatInterval);
        long before = h.Reporter.LastProgressTimestamp;

        h.Time.Advance(ImageApiFaceMatchSource.HeartbeatInterval);
        await h.Time.WaitForTimerAsync(d => d == ImageApiFaceMatchSource.HeartbeatInterval);

        Assert.True(h.Reporter.LastProgressTimestamp > before);
        await h.Source.StopAsync(CancellationToken.None);
        Assert.Equal("stopped", h.Reporter.Current!.State);
    }
}

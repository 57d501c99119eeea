using KvsEdge.Access;
using KvsEdge.Recognition;
using KvsEdge.Status;
using static KvsEdge.Tests.Access.PolicyTestKit;

namespace KvsEdge.Tests.Recognition;

/// <summary>
/// `fallback`, `second-opinion` and `only`, from the cloud's answer and the local opinion to what the access policy
/// decides (the same policy every source goes through).
/// </summary>
public sealed class LocalRecognitionModesTests
{
    private const string Fallback = LocalRecognitionOptions.Fallback;
    private const string SecondOpinion = LocalRecognitionOptions.SecondOpinion;
    private const string Only = LocalRecognitionOptions.Only;

    private static LocalMatch Settled(string? person, float distance = 0.42f) =>
        new(person is null ? LocalMatchOutcome.NoMatch : LocalMatchOutcome.Match, person, person ?? "alice", distance, 0.6f, 3);

    private static readonly LocalMatch Pending = new(LocalMatchOutcome.Pending, null, "alice", 0.4f, 0.6f, 1, "1 of 3 agreeing frames: match");

    private static FaceObservation LocalObs(LocalMatch local) => LocalRecognitionModes.ToObservation(local, 0, T0, T0, Interlocked.Increment(ref s_sequence));

    private static long s_sequence;

    private static FaceObservation? Resolve(string mode, CloudAnswer cloud, FaceObservation? cloudObs, LocalMatch? local) =>
        LocalRecognitionModes.Resolve(mode, cloud, cloudObs, local, LocalObs);

    private static string Decide(FaceObservation? obs) => obs is null ? "nothing" : Outcome(Policy(o => o.Confirmation.Required = 1).Decide(obs, T0));

    [Theory]
    [InlineData(Fallback, CloudAnswer.Unreachable, true)]
    [InlineData(Fallback, CloudAnswer.BudgetSpent, true)]
    [InlineData(Fallback, CloudAnswer.Answered, false)]
    [InlineData(Fallback, CloudAnswer.NoFace, false)]
    [InlineData(Fallback, CloudAnswer.Failed, false)] // access denied or no collection is a misconfiguration, not an outage
    [InlineData(SecondOpinion, CloudAnswer.Unreachable, false)]
    [InlineData(SecondOpinion, CloudAnswer.BudgetSpent, false)]
    [InlineData(SecondOpinion, CloudAnswer.Answered, false)]
    [InlineData(Only, CloudAnswer.NotAsked, true)]
    public void The_local_matcher_decides_alone_only_in_only_and_in_fallback_while_the_cloud_cannot_answer(string mode, CloudAnswer cloud, bool localDecides)
    {
        Assert.Equal(localDecides, LocalRecognitionModes.LocalDecides(mode, cloud));
        Assert.Equal(localDecides ? "Granted/allowed" : "nothing", Decide(Resolve(mode, cloud, null, Settled("alice"))));
    }

    [Fact]
    public void Only_never_asks_the_cloud()
    {
        Assert.False(LocalRecognitionModes.AsksCloud(Only));
        Assert.True(LocalRecognitionModes.AsksCloud(Fallback));
        Assert.True(LocalRecognitionModes.AsksCloud(SecondOpinion));
    }

    [Fact]
    public void A_local_match_is_decided_by_the_policy_with_source_local_and_its_distance_on_the_event()
    {
        FaceObservation obs = Resolve(Fallback, CloudAnswer.Unreachable, null, Settled("alice_2", 0.42f))!;
        Decision decision = Policy(o => o.Confirmation.Required = 1).Decide(obs, T0);

        Assert.Equal(("Granted/allowed", "alice"), (Outcome(decision), decision.Person));
        string json = StatusPayloads.Event(decision);
        Assert.Contains("\"source\":\"local\"", json, StringComparison.Ordinal);
        Assert.Contains("\"distance\":0.42", json, StringComparison.Ordinal);
        Assert.Contains("\"similarity\":null", json, StringComparison.Ordinal); // no Rekognition figure to report
    }

    [Fact]
    public void A_local_match_goes_through_the_same_allow_list_schedules_and_cooldown()
    {
        AccessPolicy policy = Policy(o =>
        {
            o.Confirmation.Required = 1;
            var monday = new ScheduleWindowOptions { From = "08:00", To = "09:00" };
            monday.Days.Add("Monday");
            o.People["bob"].Schedule.Add(monday);
        });

        Assert.Equal("Denied/not_allowed", Outcome(policy.Decide(LocalObs(Settled("mallory")), T0)));
        Assert.Equal("Denied/outside_schedule", Outcome(policy.Decide(LocalObs(Settled("bob")), T0))); // T0 is a Wednesday
        Assert.Equal("Granted/allowed", Outcome(policy.Decide(LocalObs(Settled("alice")), T0)));
        Assert.Equal("Ignored/cooldown", Outcome(policy.Decide(LocalObs(Settled("alice")), T0.AddSeconds(1))));
    }

    [Fact]
    public void A_settled_local_no_match_is_an_unknown_face_and_a_pending_one_decides_nothing_yet()
    {
        Assert.Equal("UnknownFace/unknown_face", Decide(Resolve(Only, CloudAnswer.NotAsked, null, Settled(null))));
        Assert.Equal("nothing", Decide(Resolve(Only, CloudAnswer.NotAsked, null, Pending)));
        Assert.Equal("nothing", Decide(Resolve(Fallback, CloudAnswer.Unreachable, null, Pending)));
    }

    [Fact]
    public void Fallback_with_the_cloud_answering_is_the_clouds_decision_alone()
    {
        FaceObservation cloud = Obs(T0, ("alice", 99));

        FaceObservation? obs = Resolve(Fallback, CloudAnswer.Answered, cloud, Settled("bob"));

        Assert.Same(cloud, obs);
        Assert.False(LocalRecognitionModes.NeedsLocal(Fallback, CloudAnswer.Answered, cloud)); // no embedding spent on it
    }

    [Fact]
    public void Second_opinion_unlocks_when_cloud_and_local_name_the_same_person()
    {
        FaceObservation? obs = Resolve(SecondOpinion, CloudAnswer.Answered, Obs(T0, ("alice", 99)), Settled("alice_front.jpg"));

        Assert.Equal("Granted/allowed", Decide(obs));
    }

    public static TheoryData<string, LocalMatch?> Disagreements => new()
    {
        { "local names someone else", Settled("bob") },
        { "local names nobody", Settled(null) },
        { "local names someone not allowed", Settled("mallory") },
        { "local ambiguous", new LocalMatch(LocalMatchOutcome.Ambiguous, null, "alice", 0.3f, 0.6f, 3) },
        { "no usable gallery", new LocalMatch(LocalMatchOutcome.Unavailable, null, null, float.PositiveInfinity, float.NaN, 0) },
        { "no local opinion", null },
    };

    [Theory]
    [MemberData(nameof(Disagreements))]
    public void Second_opinion_never_unlocks_on_a_disagreement(string what, LocalMatch? local)
    {
        FaceObservation? obs = Resolve(SecondOpinion, CloudAnswer.Answered, Obs(T0, ("alice", 99)), local);

        Decision decision = Policy(o => o.Confirmation.Required = 1).Decide(obs!, T0);

        Assert.True(decision.Kind == DecisionKind.Denied, what);
        Assert.Equal(DecisionReasons.LocalDisagrees, decision.Reason);
    }

    [Fact]
    public void Second_opinion_waits_while_the_local_opinion_is_still_counting_frames()
    {
        FaceObservation? obs = Resolve(SecondOpinion, CloudAnswer.Answered, Obs(T0, ("alice", 99)), Pending);

        Assert.Equal("Ignored/awaiting_confirmation", Decide(obs));
    }

    [Fact]
    public void Second_opinion_without_the_cloud_decides_nothing()
    {
        Assert.Null(Resolve(SecondOpinion, CloudAnswer.Unreachable, null, Settled("alice")));
        Assert.Null(Resolve(SecondOpinion, CloudAnswer.BudgetSpent, null, Settled("alice")));
    }
}

using KvsEdge.Access;
using Microsoft.Extensions.Options;
using static KvsEdge.Tests.Access.PolicyTestKit;

namespace KvsEdge.Tests.Access;

public class AccessPolicyTests
{
    private const string Granted = "Granted/allowed";

    public static TheoryData<double?, double, string> Thresholds => new()
    {
        { null, 90, Granted },                          // exactly at the default grants
        { null, 100, Granted },
        { null, 89.999, "Ignored/below_threshold" },
        { 95, 95, Granted },                           // exactly at a personal threshold grants
        { 95, 94.99, "Ignored/below_threshold" },
        { 80, 80, Granted },                           // a personal threshold below the default applies
        { 80, 79.9, "Ignored/below_threshold" },
    };

    [Theory]
    [MemberData(nameof(Thresholds))]
    public void Threshold_is_the_persons_own_or_the_default(double? personal, double similarity, string expected)
    {
        AccessPolicy policy = Policy(o => o.People["alice"].MinSimilarity = personal);
        Decision decision = policy.Decide(Obs(T0, ("alice", similarity)), T0);
        Assert.Equal(expected, Outcome(decision));
        Assert.Equal("alice", decision.Person);
        Assert.Equal(similarity, decision.Similarity);
        Assert.Equal("face-alice-0", decision.FaceId);
    }

    [Fact]
    public void Granted_decision_carries_person_similarity_face_and_times()
    {
        FaceObservation obs = Obs(T0, ("alice_2", 97.5));
        Decision decision = Policy().Decide(obs, T0.AddSeconds(1));
        Assert.Equal(new Decision(DecisionKind.Granted, DecisionReasons.Allowed, T0.AddSeconds(1), obs, "alice", 97.5, "face-alice_2-0"), decision);
        Assert.Equal("access_granted", decision.EventType);
    }

    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("alice_2", "alice")]
    [InlineData("Alice-front.jpg", "alice")]
    [InlineData("ALICE.PNG", "alice")]
    [InlineData("alice_side.jpeg", "alice")]
    [InlineData("door-cam-7", "alice")] // alias
    [InlineData("mallory", null)]
    public void Ids_map_to_people_when_deciding(string externalImageId, string? person)
    {
        AccessPolicy policy = Policy(o => o.Aliases["door-cam-7"] = "alice");
        Decision decision = policy.Decide(Obs(T0, (externalImageId, 99.5)), T0);
        Assert.Equal(person is null ? "Denied/not_allowed" : Granted, Outcome(decision));
        Assert.Equal(person, decision.Person);
    }

    public static TheoryData<string, DateTimeOffset, bool> ScheduleEdges => new()
    {
        // Europe/Berlin is UTC+1 in November. alice: Mon-Fri 08:00-18:00.
        { "alice", At("2026-11-25T07:00:00Z"), true },        // 08:00 local, From is inclusive
        { "alice", At("2026-11-25T06:59:59.999Z"), false },
        { "alice", At("2026-11-25T16:59:59.999Z"), true },
        { "alice", At("2026-11-25T17:00:00Z"), false },       // 18:00 local, To is exclusive
        { "alice", At("2026-11-28T10:00:00Z"), false },       // Saturday
        // bob: Friday 22:00 - 06:00 (across midnight, belongs to the Friday it starts on).
        { "bob", At("2026-11-27T21:00:00Z"), true },          // Fri 22:00
        { "bob", At("2026-11-27T20:59:00Z"), false },         // Fri 21:59
        { "bob", At("2026-11-28T04:59:00Z"), true },          // Sat 05:59
        { "bob", At("2026-11-28T05:00:00Z"), false },         // Sat 06:00, To is exclusive
        { "bob", At("2026-11-26T21:00:00Z"), false },         // Thu 22:00
        { "bob", At("2026-11-29T04:00:00Z"), false },         // Sun 05:00 (the night after Saturday)
        // carol: Saturday 00:00-02:00 local; the UTC weekday is Friday then.
        { "carol", At("2026-11-27T23:30:00Z"), true },        // Fri 23:30 UTC = Sat 00:30 Berlin
        { "carol", At("2026-11-28T23:30:00Z"), false },       // Sat 23:30 UTC = Sun 00:30 Berlin
        { "carol", At("2026-11-28T00:30:00Z"), true },        // Sat 01:30 Berlin
        // dave: Sunday 08:00-09:00 across the DST changes of 2026 (29 March, 25 October).
        { "dave", At("2026-03-22T07:00:00Z"), true },         // CET: 08:00
        { "dave", At("2026-03-29T06:00:00Z"), true },         // CEST: 08:00 (a fixed +1 would say 07:00)
        { "dave", At("2026-03-29T07:00:00Z"), false },        // CEST: 09:00
        { "dave", At("2026-10-25T06:30:00Z"), false },        // CET again: 07:30 (a stale +2 would say 08:30)
        { "dave", At("2026-10-25T07:00:00Z"), true },         // CET: 08:00
        // erin: every day 00:00-00:00 is a full day.
        { "erin", At("2026-11-25T23:59:59Z"), true },
    };

    [Theory]
    [MemberData(nameof(ScheduleEdges))]
    public void Schedules_are_read_on_the_frame_time_in_the_configured_zone(string person, DateTimeOffset frameTime, bool granted)
    {
        AccessPolicy policy = Policy(o =>
        {
            o.TimeZone = "Europe/Berlin";
            o.People["alice"].Schedule.Add(Window("08:00", "18:00", "Mon", "Tuesday", "wed", "THU", "Fri"));
            o.People["bob"].Schedule.Add(Window("22:00", "06:00", "Friday"));
            o.People["carol"] = new PersonOptions();
            o.People["carol"].Schedule.Add(Window("00:00", "02:00", "Sat"));
            o.People["dave"] = new PersonOptions();
            o.People["dave"].Schedule.Add(Window("08:00", "09:00", "Sunday"));
            o.People["erin"] = new PersonOptions();
            o.People["erin"].Schedule.Add(Window("00:00", "00:00", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"));
        });

        // `now` is a second after the frame, so the decision depends on the frame time only.
        Decision decision = policy.Decide(Obs(frameTime, (person, 99.5)), frameTime.AddSeconds(1));

        Assert.Equal(granted ? Granted : "Denied/outside_schedule", Outcome(decision));
        Assert.Equal(person, decision.Person);
    }

    [Fact]
    public void Several_schedule_windows_are_alternatives()
    {
        AccessPolicy policy = Policy(o =>
        {
            o.People["alice"].Schedule.Add(Window("08:00", "09:00", "Wed"));
            o.People["alice"].Schedule.Add(Window("10:00", "11:00", "Wed"));
        });
        Assert.Equal(Granted, Outcome(policy.Decide(Obs(T0, ("alice", 99)), T0)));
        Assert.Equal("Denied/outside_schedule", Outcome(policy.Decide(Obs(T0.AddHours(2), ("alice", 99)), T0.AddHours(2))));
    }

    [Fact]
    public void Cooldown_ignores_the_same_person_until_it_has_passed_since_the_grant()
    {
        AccessPolicy policy = Policy(o => o.Cooldown = TimeSpan.FromSeconds(10));
        Assert.Equal(Granted, Outcome(policy.Decide(Obs(T0, ("alice", 99)), T0)));

        DateTimeOffset justInside = T0.AddSeconds(10).AddMilliseconds(-1);
        Decision inside = policy.Decide(Obs(justInside, ("alice", 99)), justInside);
        Assert.Equal("Ignored/cooldown", Outcome(inside));
        Assert.Equal("alice", inside.Person);

        Assert.Equal(Granted, Outcome(policy.Decide(Obs(T0.AddSeconds(1), ("bob", 99.5)), T0.AddSeconds(1)))); // per person
        Assert.Equal("Ignored/cooldown", Outcome(policy.Decide(Obs(T0.AddSeconds(-1), ("alice", 99)), T0.AddSeconds(5)))); // a frame older than the grant
        Assert.Equal(Granted, Outcome(policy.Decide(Obs(T0.AddSeconds(10), ("alice", 99)), T0.AddSeconds(10)))); // exactly at the end
    }

    public static TheoryData<string, string[]> Confirmations => new()
    {
        // frames: "<ms after T0>:<alice similarity or - for an unknown face>" → expected outcome per frame
        { "0:99 200:99", ["Ignored/awaiting_confirmation", Granted] },
        { "0:99 200:- 400:99", ["Ignored/awaiting_confirmation", "UnknownFace/unknown_face", Granted] },
        { "0:99 200:- 400:- 600:99", ["Ignored/awaiting_confirmation", "UnknownFace/unknown_face", "UnknownFace/unknown_face", "Ignored/awaiting_confirmation"] },
        { "0:99 200:80 400:99", ["Ignored/awaiting_confirmation", "Ignored/below_threshold", Granted] },
        { "0:99 3000:99", ["Ignored/awaiting_confirmation", Granted] },                                   // window edge is inclusive
        { "0:99 3001:99", ["Ignored/awaiting_confirmation", "Ignored/awaiting_confirmation"] },          // beyond the window
    };

    [Theory]
    [MemberData(nameof(Confirmations))]
    public void N_of_M_confirmation_needs_enough_matching_frames_in_the_window(string frames, string[] expected)
    {
        AccessPolicy policy = Policy(o =>
        {
            o.Confirmation.Required = 2;
            o.Confirmation.OutOf = 3;
            o.Confirmation.Window = TimeSpan.FromSeconds(3);
        });

        var outcomes = new List<string>();
        foreach (string frame in frames.Split(' '))
        {
            string[] parts = frame.Split(':');
            DateTimeOffset at = T0.AddMilliseconds(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture));
            FaceObservation obs = parts[1] == "-" ? Obs(at) : Obs(at, ("alice", double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)));
            outcomes.Add(Outcome(policy.Decide(obs, at)));
        }

        Assert.Equal(expected, outcomes);
    }

    [Fact]
    public void The_frame_being_decided_always_counts_even_when_another_frame_has_the_same_time()
    {
        // Two records of one stream stamped with the same frame time: the earlier miss must not push the
        // matching frame out of a 1-of-1 window.
        AccessPolicy single = Policy();
        Assert.Equal("UnknownFace/unknown_face", Outcome(single.Decide(Obs(T0), T0)));
        Assert.Equal("Granted/allowed", Outcome(single.Decide(Obs(T0, ("alice", 97)), T0)));


        AccessPolicy pair = Policy(o => o.Confirmation.Required = o.Confirmation.OutOf = 2);
        Assert.Equal("Ignored/awaiting_confirmation", Outcome(pair.Decide(Obs(T0, ("alice", 97)), T0)));
        Assert.Equal("Granted/allowed", Outcome(pair.Decide(Obs(T0.AddMilliseconds(100), ("alice", 97)), T0.AddMilliseconds(100))));
    }

    [Fact]
    public void Two_faces_in_one_frame_do_not_confirm_each_other_and_streams_are_separate()
    {
        AccessPolicy policy = Policy(o => o.Confirmation.Required = o.Confirmation.OutOf = 2);
        string key = NewRecordKey(T0);
        Assert.Equal("Ignored/awaiting_confirmation", Outcome(policy.Decide(Face(key, 0, T0, ("alice_1", 99)), T0)));
        Assert.Equal("Ignored/awaiting_confirmation", Outcome(policy.Decide(Face(key, 1, T0, ("alice_2", 99)), T0)));

        FaceObservation otherCamera = Obs(T0.AddMilliseconds(100), ("alice", 99)) with { StreamArn = "arn:other" };
        Assert.Equal("Ignored/awaiting_confirmation", Outcome(policy.Decide(otherCamera, T0)));

        Assert.Equal(Granted, Outcome(policy.Decide(Obs(T0.AddMilliseconds(200), ("alice", 99)), T0)));
    }

    [Fact]
    public void Stale_boundary_is_inclusive_and_the_detail_says_how_old()
    {
        AccessPolicy policy = Policy(o => o.MaxEventAge = TimeSpan.FromSeconds(10));
        Assert.Equal(Granted, Outcome(policy.Decide(Obs(T0, ("alice", 99)), T0.AddSeconds(10))));

        Decision stale = policy.Decide(Obs(T0, ("bob", 99.9)), T0.AddSeconds(42.1));
        Assert.Equal("Ignored/stale", Outcome(stale));
        Assert.Equal("frame is 42.1 s old, limit 10 s", stale.Detail);
        Assert.Null(stale.Person);

        Assert.Equal("Ignored/stale", Outcome(policy.Decide(Obs(T0, ("bob", 99.9)), T0.AddSeconds(10).AddMilliseconds(1))));
    }

    [Fact]
    public void Frames_from_the_future_beyond_the_skew_are_ignored()
    {
        AccessPolicy policy = Policy(o => o.MaxClockSkew = TimeSpan.FromSeconds(2));
        Assert.Equal(Granted, Outcome(policy.Decide(Obs(T0.AddSeconds(2), ("alice", 99)), T0)));

        Decision skewed = policy.Decide(Obs(T0.AddSeconds(2.001), ("bob", 99.9)), T0);
        Assert.Equal("Ignored/clock_skew", Outcome(skewed));
        Assert.Equal("frame is 2.001 s in the future, limit 2 s", skewed.Detail);
    }

    [Fact]
    public void A_face_is_decided_once()
    {
        AccessPolicy policy = Policy();
        FaceObservation obs = Obs(T0, ("alice", 99));
        Assert.Equal(Granted, Outcome(policy.Decide(obs, T0)));

        // A redelivery (a new object with the same content) is a duplicate, even after the cooldown.
        FaceObservation redelivered = obs with { ReceivedAt = T0.AddSeconds(5) };
        Assert.Equal("Ignored/duplicate", Outcome(policy.Decide(redelivered, T0.AddSeconds(5))));

        // The next face of the same frame is not.
        Assert.Equal("Denied/not_allowed", Outcome(policy.Decide(Face(obs.RecordKey, 1, T0, ("mallory", 99)), T0)));

        // Long after, the key may be forgotten, but then the frame is stale: it still cannot unlock.
        Assert.Equal("Ignored/stale", Outcome(policy.Decide(obs, T0.AddMinutes(5))));
    }

    [Fact]
    public void Non_granted_decisions_are_remembered_too()
    {
        AccessPolicy policy = Policy(o => o.Confirmation.Required = o.Confirmation.OutOf = 2);
        FaceObservation obs = Obs(T0, ("alice", 99));
        Assert.Equal("Ignored/awaiting_confirmation", Outcome(policy.Decide(obs, T0)));
        Assert.Equal("Ignored/duplicate", Outcome(policy.Decide(obs, T0))); // a redelivery cannot confirm itself
    }

    [Fact]
    public void RememberGranted_makes_a_later_identical_observation_a_duplicate()
    {
        FaceObservation obs = Obs(T0, ("alice", 99));
        AccessPolicy restarted = Policy();
        restarted.RememberGranted(obs.DedupKey, obs.FrameTime);
        Decision decision = restarted.Decide(obs, T0.AddSeconds(1));
        Assert.Equal("Ignored/duplicate", Outcome(decision));
        Assert.Equal(DecisionKind.Ignored, decision.Kind);
    }

    public static TheoryData<(string, double)[], string, string?> Identities => new()
    {
        { [("alice", 95), ("bob", 99.5)], "Denied/ambiguous", null },                 // two people at/above their thresholds
        { [("alice", 95), ("bob", 85)], Granted, "alice" },                           // bob below his 99 and not the best match
        { [("bob", 85), ("alice", 95)], Granted, "alice" },                           // order does not matter
        { [("bob", 98), ("alice", 95)], "Denied/ambiguous", null },                   // looks more like bob (below his 99) than alice
        { [("alice_1", 95), ("alice_2", 97)], Granted, "alice" },                     // several images of one person
        { [("alice", 95), ("mallory", 95)], "Denied/ambiguous", null },               // equal best matches, different identities
        { [("mallory", 99)], "Denied/not_allowed", null },
        { [("mallory", 99), ("alice", 95)], "Denied/not_allowed", null },             // best match is not on the allow list
        { [("", 99), ("alice", 95)], "Denied/not_allowed", null },                    // a collection face without ExternalImageId
        { [("alice", 70), ("bob", 60)], "Ignored/below_threshold", "alice" },
        { [], "UnknownFace/unknown_face", null },
    };

    [Theory]
    [MemberData(nameof(Identities))]
    public void Identity_is_one_allowed_person_or_no_grant((string, double)[] candidates, string expected, string? person)
    {
        Decision decision = Policy().Decide(Obs(T0, candidates), T0);
        Assert.Equal(expected, Outcome(decision));
        Assert.Equal(person, decision.Person);
        Assert.NotNull(decision.Observation);
    }

    [Fact]
    public void Nobody_is_let_in_when_People_is_empty()
    {
        var policy = new AccessPolicy(new AccessOptions());
        Assert.Equal("Denied/not_allowed", Outcome(policy.Decide(Obs(T0, ("alice", 100)), T0)));
    }

    [Fact]
    public void Malformed_records_are_ignored_with_their_detail()
    {
        Decision decision = AccessPolicy.Malformed("invalid JSON at byte 12", T0);
        Assert.Equal(new Decision(DecisionKind.Ignored, DecisionReasons.Malformed, T0, null, Detail: "invalid JSON at byte 12"), decision);
        Assert.Equal("ignored", decision.EventType);
    }

    [Fact]
    public void Invalid_options_stop_construction_with_the_key_named()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Policy(o => o.People["alice"].MinSimilarity = 101));
        Assert.Contains("Access:People:alice:MinSimilarity must be between 0 and 100", ex.Failures);
    }

    [Fact]
    public void Options_are_a_snapshot()
    {
        AccessOptions options = Options();
        var policy = new AccessPolicy(options);
        options.People.Remove("alice");
        Assert.Equal(Granted, Outcome(policy.Decide(Obs(T0, ("alice", 99)), T0)));
    }

    [Fact]
    public void Remembered_faces_stay_bounded()
    {
        AccessPolicy policy = Policy();
        for (int i = 0; i < AccessPolicy.MaxRememberedFaces + 10; i++)
        {
            // Frame times in the future, so pruning by age cannot be what keeps the count down: only the cap can.
            policy.RememberGranted(Key(i), T0.AddYears(1).AddMilliseconds(i));
        }

        Assert.Equal(AccessPolicy.MaxRememberedFaces, policy.RememberedFaceCount);

        // The earliest frame times were dropped first; the latest are still known.
        Assert.Equal("Ignored/duplicate", Outcome(policy.Decide(Face("k10", 0, T0, ("alice", 99)), T0)));
        Assert.Equal("Ignored/duplicate", Outcome(policy.Decide(Face("k" + (AccessPolicy.MaxRememberedFaces + 9).ToString(System.Globalization.CultureInfo.InvariantCulture), 0, T0, ("alice", 99)), T0)));
        Assert.Equal(Granted, Outcome(policy.Decide(Face("k9", 0, T0, ("alice", 99)), T0)));
        Assert.Equal(AccessPolicy.MaxRememberedFaces, policy.RememberedFaceCount);

        static string Key(int i) => "k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "#0";
    }

    [Fact]
    public void A_NaN_similarity_never_beats_or_ties_a_number()
    {
        AccessPolicy policy = Policy();

        // NaN first: a loop keeping the first candidate unless a later one is greater would keep the NaN as best.
        Decision nanFirst = policy.Decide(Obs(T0, ("bob", double.NaN), ("alice", 97)), T0);
        Assert.Equal((Granted, "alice", 97.0), (Outcome(nanFirst), nanFirst.Person, nanFirst.Similarity));

        // NaN after the number: it does not tie with it either (a tie between people would be ambiguous).
        Decision nanLast = policy.Decide(Obs(T0.AddMinutes(1), ("alice", 97), ("bob", double.NaN)), T0.AddMinutes(1));
        Assert.Equal((Granted, "alice"), (Outcome(nanLast), nanLast.Person));

        // Only NaN: nothing to trust, never a grant.
        Decision onlyNaN = policy.Decide(Obs(T0.AddMinutes(2), ("alice", double.NaN)), T0.AddMinutes(2));
        Assert.Equal("Ignored/malformed", Outcome(onlyNaN));
    }

    [Fact]
    public void A_restored_grant_restores_the_persons_cooldown()
    {
        AccessPolicy policy = Policy();
        policy.RememberGranted("before-restart#0", T0, "Alice");

        Assert.Equal("Ignored/cooldown", Outcome(policy.Decide(Obs(T0.AddSeconds(3), ("alice", 99)), T0.AddSeconds(3))));
        Assert.Equal(Granted, Outcome(policy.Decide(Obs(T0.AddSeconds(10), ("alice", 99)), T0.AddSeconds(10))));

        // A name the current rules do not list is kept too (a reload may list them again), without throwing.
        policy.RememberGranted("removed#0", T0, "carol");
    }

    internal static ScheduleWindowOptions Window(string from, string to, params string[] days)
    {
        var window = new ScheduleWindowOptions { From = from, To = to };
        window.Days.AddRange(days);
        return window;
    }

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);
}

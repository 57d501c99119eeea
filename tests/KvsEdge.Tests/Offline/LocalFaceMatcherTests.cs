using KvsEdge.Access;
using KvsEdge.Offline;
using KvsEdge.Recognition;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Offline;

public sealed class LocalFaceMatcherTests
{
    private const string Model = "55533b28aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const float MinFaceSize = 80;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero));

    /// <summary>A descriptor at <paramref name="offset"/> from the unit vector along <paramref name="axis"/> (distance = offset).</summary>
    internal static float[] Near(int axis, float offset = 0f)
    {
        var d = new float[128];
        d[axis] = 1f;
        d[127] = offset;
        return d;
    }

    private DateTimeOffset _frame = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A new camera frame's capture time (each call).</summary>
    private DateTimeOffset NextFrame() => _frame = _frame.AddMilliseconds(200);

    internal static FaceGallery Gallery() => FaceGallery.Empty(Model)
        .WithPerson("alice", [Near(0)])
        .WithPerson("bob", [Near(1)]);

    private LocalFaceMatcher Matcher(int frames = 3, float threshold = 0.6f, Dictionary<string, float>? perPerson = null) =>
        new(new LocalRecognitionOptions { MinAgreeingFrames = frames, Threshold = threshold, Thresholds = perPerson ?? new(StringComparer.Ordinal) }, MinFaceSize, _time);

    [Fact]
    public void The_nearest_person_below_the_threshold_matches_after_N_agreeing_frames_and_not_before()
    {
        LocalFaceMatcher matcher = Matcher(frames: 3);

        LocalMatch first = matcher.Observe("t#0", NextFrame(), Near(0, 0.3f), 120, Gallery());
        _time.Advance(TimeSpan.FromMilliseconds(200));
        LocalMatch second = matcher.Observe("t#0", NextFrame(), Near(0, 0.32f), 120, Gallery());
        _time.Advance(TimeSpan.FromMilliseconds(200));
        LocalMatch third = matcher.Observe("t#0", NextFrame(), Near(0, 0.31f), 120, Gallery());

        Assert.Equal((LocalMatchOutcome.Pending, 1), (first.Outcome, first.AgreeingFrames));
        Assert.Null(first.Person);
        Assert.Equal("alice", first.Nearest); // still reported, for events
        Assert.Equal((LocalMatchOutcome.Pending, 2), (second.Outcome, second.AgreeingFrames));
        Assert.Equal((LocalMatchOutcome.Match, "alice", 3), (third.Outcome, third.Person, third.AgreeingFrames));
        Assert.Equal(0.31f, third.Distance, 4);
        Assert.Equal(0.6f, third.Threshold);
    }

    [Fact]
    public void A_distance_at_the_threshold_is_no_match()
    {
        LocalMatch match = Matcher(frames: 1, threshold: 0.5f).Observe("t#0", NextFrame(), Near(0, 0.5f), 120, Gallery());

        Assert.Equal(LocalMatchOutcome.NoMatch, match.Outcome);
        Assert.Null(match.Person);
        Assert.Equal("alice", match.Nearest);
    }

    [Fact]
    public void A_per_person_threshold_applies_to_that_person_only()
    {
        LocalFaceMatcher matcher = Matcher(frames: 1, perPerson: new(StringComparer.Ordinal) { ["alice"] = 0.3f });

        Assert.Equal(LocalMatchOutcome.NoMatch, matcher.Observe("a", NextFrame(), Near(0, 0.4f), 120, Gallery()).Outcome);
        Assert.Equal(LocalMatchOutcome.Match, matcher.Observe("b", NextFrame(), Near(1, 0.4f), 120, Gallery()).Outcome);
    }

    [Fact]
    public void A_different_answer_restarts_the_count()
    {
        LocalFaceMatcher matcher = Matcher(frames: 2);

        matcher.Observe("t#0", NextFrame(), Near(0, 0.2f), 120, Gallery());
        LocalMatch bob = matcher.Observe("t#0", NextFrame(), Near(1, 0.2f), 120, Gallery());
        LocalMatch alice = matcher.Observe("t#0", NextFrame(), Near(0, 0.2f), 120, Gallery());

        Assert.Equal((LocalMatchOutcome.Pending, 1), (bob.Outcome, bob.AgreeingFrames));
        Assert.Equal((LocalMatchOutcome.Pending, 1), (alice.Outcome, alice.AgreeingFrames));
    }

    [Fact]
    public void Agreeing_frames_further_apart_than_the_window_do_not_add_up()
    {
        LocalFaceMatcher matcher = Matcher(frames: 2);

        matcher.Observe("t#0", NextFrame(), Near(0, 0.2f), 120, Gallery());
        _time.Advance(LocalFaceMatcher.AgreementWindow + TimeSpan.FromMilliseconds(1));
        LocalMatch late = matcher.Observe("t#0", NextFrame(), Near(0, 0.2f), 120, Gallery());

        Assert.Equal((LocalMatchOutcome.Pending, 1), (late.Outcome, late.AgreeingFrames));
    }

    [Fact]
    public void The_same_frame_seen_twice_is_one_agreeing_frame()
    {
        LocalFaceMatcher matcher = Matcher(frames: 2);
        DateTimeOffset frame = NextFrame();

        matcher.Observe("t#0", frame, Near(0, 0.2f), 120, Gallery());
        LocalMatch again = matcher.Observe("t#0", frame, Near(0, 0.2f), 120, Gallery());
        LocalMatch next = matcher.Observe("t#0", NextFrame(), Near(0, 0.2f), 120, Gallery());

        Assert.Equal((LocalMatchOutcome.Pending, 1), (again.Outcome, again.AgreeingFrames));
        Assert.Equal((LocalMatchOutcome.Match, 2), (next.Outcome, next.AgreeingFrames));
    }

    [Fact]
    public void Faces_of_different_tracks_count_apart()
    {
        LocalFaceMatcher matcher = Matcher(frames: 2);

        matcher.Observe("t#0", NextFrame(), Near(0, 0.2f), 120, Gallery());
        LocalMatch other = matcher.Observe("t#1", NextFrame(), Near(0, 0.2f), 120, Gallery());

        Assert.Equal(LocalMatchOutcome.Pending, other.Outcome);
    }

    [Fact]
    public void A_face_below_the_minimum_size_never_matches_however_close()
    {
        LocalFaceMatcher matcher = Matcher(frames: 1);

        LocalMatch small = matcher.Observe("t#0", NextFrame(), Near(0), MinFaceSize - 1, Gallery());

        Assert.Equal(LocalMatchOutcome.Unusable, small.Outcome);
        Assert.Null(small.Person);
        Assert.Equal(LocalMatchOutcome.Match, matcher.Observe("t#1", NextFrame(), Near(0), MinFaceSize, Gallery()).Outcome);
    }

    [Fact]
    public void A_face_near_two_people_is_ambiguous_and_names_nobody()
    {
        var gallery = FaceGallery.Empty(Model).WithPerson("alice", [Near(0)]).WithPerson("bob", [Near(1)]);
        var close = new LocalFaceMatcher(new LocalRecognitionOptions { MinAgreeingFrames = 1, Threshold = 0.6f, Thresholds = { ["alice"] = 0.6f } }, MinFaceSize, _time);
        float[] query = new float[128];
        query[0] = query[1] = 0.8f; // sqrt(0.04 + 0.64) = 0.82 from each: nobody
        Assert.Equal(LocalMatchOutcome.NoMatch, close.Observe("a", NextFrame(), query, 120, gallery).Outcome);

        // Two enrolled people whose descriptors are 0.4 apart: a face between them is below 0.6 for both.
        var twins = FaceGallery.Empty(Model).WithPerson("alice", [Near(0)]).WithPerson("bob", [Near(0, 0.4f)]);
        LocalMatch ambiguous = close.Observe("b", NextFrame(), Near(0, 0.2f), 120, twins);

        Assert.Equal(LocalMatchOutcome.Ambiguous, ambiguous.Outcome);
        Assert.Null(ambiguous.Person);
    }

    [Fact]
    public void Without_a_gallery_nothing_matches()
    {
        LocalMatch match = Matcher(frames: 1).Observe("t#0", NextFrame(), Near(0), 120, gallery: null);

        Assert.Equal(LocalMatchOutcome.Unavailable, match.Outcome);
        Assert.Null(match.Person);
    }
}

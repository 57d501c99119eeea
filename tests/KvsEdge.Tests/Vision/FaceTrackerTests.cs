using KvsEdge.Vision;
using KvsEdge.Vision.Detection;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Vision;

/// <summary>The face trigger's decisions on a test clock: K of M, one search per person, cooldown, a new person.</summary>
public sealed class FaceTrackerTests
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(200); // 5 detections a second

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));
    private readonly VisionOptions _options = new() { ConfirmRequired = 2, ConfirmOutOf = 3, TrackCooldown = TimeSpan.FromSeconds(30), TrackTimeout = TimeSpan.FromSeconds(2) };

    private static LocalFace Face(float x, float size = 120, float score = 0.9f, float yaw = 0) => new(new BoxF(x, 100, size, size), score, yaw);

    private FaceSearch<string>? Step(FaceTracker<string> tracker, string frame, params LocalFace[] faces)
    {
        FaceSearch<string>? search = tracker.Update(frame, faces);
        _time.Advance(Period);
        return search;
    }

    [Fact]
    public void A_face_seen_in_2_of_the_last_3_detections_starts_one_search_and_not_one_per_frame()
    {
        var tracker = new FaceTracker<string>(_options, _time);

        Assert.Null(Step(tracker, "f0", Face(100)));
        FaceSearch<string>? search = Step(tracker, "f1", Face(104));
        Assert.NotNull(search);
        // The person stays at the door for 20 s (100 detections): no second search inside the cooldown.
        int later = Enumerable.Range(2, 100).Count(i => Step(tracker, $"f{i}", Face(100 + i % 5)) is not null);

        Assert.Single(search.Faces);
        Assert.Equal(0, later);
    }

    [Fact]
    public void A_face_one_sighting_short_of_confirmation_says_so_until_it_confirms_and_not_in_its_cooldown()
    {
        var tracker = new FaceTracker<string>(_options, _time);
        Assert.Null(Step(tracker, "f0"));
        Assert.False(tracker.Confirming);

        Assert.Null(Step(tracker, "f1", Face(100)));
        Assert.True(tracker.Confirming);
        Assert.NotNull(Step(tracker, "f2", Face(102)));
        Assert.False(tracker.Confirming);
        Assert.Null(Step(tracker, "f3", Face(101)));
        Assert.False(tracker.Confirming); // searched: the cooldown runs, nothing to hurry for
    }

    [Fact]
    public void A_face_seen_once_in_3_detections_starts_nothing()
    {
        var tracker = new FaceTracker<string>(_options, _time);

        // A flash every third detection: never 2 of the last 3.
        int searches = Enumerable.Range(0, 30).Count(i => (i % 3 == 0 ? Step(tracker, $"f{i}", Face(100)) : Step(tracker, $"f{i}")) is not null);

        Assert.Equal(0, searches);
    }

    [Fact]
    public void After_the_cooldown_the_same_person_still_there_is_searched_again()
    {
        var tracker = new FaceTracker<string>(_options, _time);
        int searches = 0;
        // 31 s of the same face at 5/s.
        for (int i = 0; i < 155; i++)
        {
            searches += Step(tracker, $"f{i}", Face(100)) is null ? 0 : 1;
        }

        Assert.Equal(2, searches);
    }

    [Fact]
    public void A_new_person_beside_the_first_gets_a_search_of_their_own()
    {
        var tracker = new FaceTracker<string>(_options, _time);
        Step(tracker, "a0", Face(100));
        FaceSearch<string>? first = Step(tracker, "a1", Face(100));

        Assert.Null(Step(tracker, "b0", Face(100), Face(600)));
        FaceSearch<string>? second = Step(tracker, "b1", Face(100), Face(600));

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.NotEqual(first.TrackIds.Single(), second.TrackIds.Single());
        Assert.Equal(600, second.Faces.Single().Box.X);
    }

    [Fact]
    public void A_person_who_left_and_came_back_after_the_track_timeout_is_a_new_search()
    {
        var tracker = new FaceTracker<string>(_options, _time);
        Step(tracker, "a0", Face(100));
        Assert.NotNull(Step(tracker, "a1", Face(100)));
        for (int i = 0; i < 15; i++)
        {
            Step(tracker, $"empty{i}"); // 3 s without a face: longer than TrackTimeout
        }

        Step(tracker, "b0", Face(100));

        Assert.NotNull(Step(tracker, "b1", Face(100)));
    }

    [Fact]
    public void Two_people_confirming_together_share_one_search_largest_first()
    {
        var tracker = new FaceTracker<string>(_options, _time);
        Step(tracker, "f0", Face(100, size: 90), Face(600, size: 150));

        FaceSearch<string>? search = Step(tracker, "f1", Face(100, size: 90), Face(600, size: 150));

        Assert.NotNull(search);
        Assert.Equal([150f, 90f], search.Faces.Select(f => f.Box.Width));
    }

    [Fact]
    public void The_search_uses_the_best_frame_of_the_window_larger_more_confident_and_more_frontal()
    {
        var tracker = new FaceTracker<string>(Confirm(3, 3), _time);
        Step(tracker, "turned", Face(100, size: 130, yaw: 70));
        Step(tracker, "frontal", Face(102, size: 125, yaw: 5));

        FaceSearch<string>? search = Step(tracker, "small", Face(104, size: 100, yaw: 0));

        Assert.Equal("frontal", search?.Frame);
    }

    private VisionOptions Confirm(int k, int m) => new()
    {
        ConfirmRequired = k, ConfirmOutOf = m, TrackCooldown = _options.TrackCooldown, TrackTimeout = _options.TrackTimeout,
    };
}

using System.Globalization;
using KvsEdge.Access;
using KvsEdge.Offline;

namespace KvsEdge.Recognition;

/// <summary>
/// Turns face descriptors into <see cref="LocalMatch"/> opinions: the nearest gallery person by Euclidean distance
/// (<see cref="FaceGallery.FindNearest"/>, per-person thresholds), faces below the minimum face size refused, and an
/// opinion settled only after <see cref="LocalRecognitionOptions.MinAgreeingFrames"/> consecutive frames of one face
/// gave the same answer within <see cref="AgreementWindow"/> of each other. Pure: no I/O, the clock is a TimeProvider.
/// </summary>
public sealed class LocalFaceMatcher
{
    /// <summary>Agreeing frames further apart than this do not add up (a face that left and came back starts again).</summary>
    public static readonly TimeSpan AgreementWindow = TimeSpan.FromSeconds(2);

    private const int MaxTracks = 64;
    private readonly LocalRecognitionOptions _options;
    private volatile LocalRecognitionOptions _thresholds; // swapped whole by a rules reload
    private readonly float _minFaceSize;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Track> _tracks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <param name="minFaceSize">The detector's minimum face size (`Vision:MinFaceSize`, camera pixels): descriptors of smaller faces are not trustworthy (docs/offline.md).</param>
    public LocalFaceMatcher(LocalRecognitionOptions options, float minFaceSize, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _thresholds = options;
        _minFaceSize = minFaceSize;
        _time = time;
    }

    /// <summary>
    /// From now on, matches use the `Threshold` and `Thresholds` of <paramref name="thresholds"/> (already validated):
    /// the reloadable rules path changes them without a restart. The other settings stay as at start.
    /// </summary>
    public void UseThresholds(LocalRecognitionOptions thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        _thresholds = thresholds;
    }

    /// <summary>
    /// One frame of the face <paramref name="trackKey"/> (stable across the frames of one face, e.g. one search and face
    /// index): its descriptor, the face's size in camera pixels, and the gallery to match against (null: none usable).
    /// The same frame seen twice (<paramref name="frameTime"/> unchanged) counts once.
    /// </summary>
    public LocalMatch Observe(string trackKey, DateTimeOffset frameTime, ReadOnlySpan<float> descriptor, float faceSize, FaceGallery? gallery)
    {
        ArgumentNullException.ThrowIfNull(trackKey);
        if (gallery is null)
        {
            return new LocalMatch(LocalMatchOutcome.Unavailable, null, null, float.PositiveInfinity, float.NaN, 0, "no usable face gallery");
        }

        // The minimum face size is checked here as well as by the detector: below it descriptors of different people
        // are as close as the same person's (docs/offline.md, wayne.jpg), so such a face must never count.
        if (!(faceSize >= _minFaceSize))
        {
            return new LocalMatch(LocalMatchOutcome.Unusable, null, null, float.PositiveInfinity, float.NaN, 0,
                string.Create(CultureInfo.InvariantCulture, $"face of {faceSize:0} px is below the minimum of {_minFaceSize:0} px"));
        }

        GalleryMatch nearest = gallery.FindNearest(descriptor, _thresholds.ThresholdOf);
        LocalMatchOutcome answer = nearest.Outcome switch
        {
            GalleryMatchOutcome.Match => LocalMatchOutcome.Match,
            GalleryMatchOutcome.Ambiguous => LocalMatchOutcome.Ambiguous,
            _ => LocalMatchOutcome.NoMatch,
        };
        int agreeing = Agree(trackKey, frameTime, answer, nearest.Person);
        bool settled = agreeing >= _options.MinAgreeingFrames;
        return new LocalMatch(
            settled ? answer : LocalMatchOutcome.Pending,
            settled ? nearest.Person : null,
            nearest.Nearest,
            nearest.Distance,
            nearest.Threshold,
            agreeing,
            string.Create(CultureInfo.InvariantCulture, $"{agreeing} of {_options.MinAgreeingFrames} agreeing frames: {answer.ToString().ToLowerInvariant()}"));
    }

    /// <summary>Forgets every face (a reloaded gallery: answers from the old one must not add up with the new one's).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _tracks.Clear();
        }
    }

    private int Agree(string trackKey, DateTimeOffset frameTime, LocalMatchOutcome answer, string? person)
    {
        long now = _time.GetTimestamp();
        lock (_gate)
        {
            if (_tracks.TryGetValue(trackKey, out Track? track)
                && track.Answer == answer
                && string.Equals(track.Person, person, StringComparison.Ordinal)
                && _time.GetElapsedTime(track.LastSeen, now) <= AgreementWindow)
            {
                // A frame handed over twice (the trigger's look, then the detector's newest, when no newer one came) is
                // one frame: a still photo must not agree with itself.
                if (frameTime != track.LastFrame)
                {
                    track.Count++;
                    track.LastFrame = frameTime;
                }

                track.LastSeen = now;
                return track.Count;
            }

            if (_tracks.Count >= MaxTracks)
            {
                // Faces of finished searches: drop the ones not seen for longest.
                foreach (string stale in _tracks.OrderBy(t => t.Value.LastSeen).Take(_tracks.Count - MaxTracks + 1).Select(t => t.Key).ToArray())
                {
                    _tracks.Remove(stale);
                }
            }

            _tracks[trackKey] = new Track(answer, person) { Count = 1, LastSeen = now, LastFrame = frameTime };
            return 1;
        }
    }

    private sealed class Track(LocalMatchOutcome answer, string? person)
    {
        public LocalMatchOutcome Answer { get; } = answer;

        public string? Person { get; } = person;

        public int Count { get; set; }

        public long LastSeen { get; set; }

        public DateTimeOffset LastFrame { get; set; }
    }
}

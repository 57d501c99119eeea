using KvsEdge.Vision.Detection;

namespace KvsEdge.Vision;

/// <summary>A face kept by the vision loop: box in pixels of the camera frame, detector score, head turn.</summary>
public sealed record LocalFace(BoxF Box, float Score, float YawDegrees)
{
    /// <summary>What the best frame maximises: larger, more confident, more frontal.</summary>
    public double Quality => Box.Area * Score * Math.Max(0, Math.Cos(YawDegrees * Math.PI / 180));
}

/// <summary>A search to start: the best frame of the tracks that confirmed, and their faces in it (largest first).</summary>
public sealed record FaceSearch<TFrame>(TFrame Frame, IReadOnlyList<LocalFace> Faces, IReadOnlyList<int> TrackIds);

/// <summary>
/// Follows faces across detections by box overlap and decides when a face is worth a search: seen in K of the last M
/// detections, at most once per track cooldown, so one person standing at the door costs one search and a new
/// person (a new track) gets a new one. Pure: the clock is a TimeProvider, frames are whatever the caller passes.
/// Not thread-safe (the vision loop's alone).
/// </summary>
public sealed class FaceTracker<TFrame>
    where TFrame : class
{
    private readonly VisionOptions _options;
    private readonly TimeProvider _time;
    private readonly List<Track> _tracks = [];
    private int _nextId = 1;

    public FaceTracker(VisionOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>Faces tracked now (seen within the track timeout).</summary>
    public int Count => _tracks.Count;

    /// <summary>
    /// After the last <see cref="Update"/>: a face seen then would start a search if the next detection sees it again
    /// (one hit short of K, out of cooldown). The vision loop detects the next frame for it instead of waiting a slot.
    /// </summary>
    public bool Confirming { get; private set; }

    /// <summary>
    /// One detection's faces (already filtered by size and region) on <paramref name="frame"/>. Returns the search to
    /// start, or null. Every detection counts, including those without faces (they age the K of M).
    /// </summary>
    public FaceSearch<TFrame>? Update(TFrame frame, IReadOnlyList<LocalFace> faces)
    {
        ArgumentNullException.ThrowIfNull(faces);
        long now = _time.GetTimestamp();

        // Greedy by overlap: the best-overlapping pairs first, each track and face used once.
        var pairs = new List<(float Iou, Track Track, int Face)>();
        foreach (Track track in _tracks)
        {
            for (int i = 0; i < faces.Count; i++)
            {
                float iou = track.Box.IntersectionOverUnion(faces[i].Box);
                if (iou >= _options.TrackOverlap)
                {
                    pairs.Add((iou, track, i));
                }
            }
        }

        pairs.Sort((a, b) => b.Iou.CompareTo(a.Iou));
        var matched = new HashSet<Track>();
        var used = new bool[faces.Count];
        foreach ((float _, Track track, int face) in pairs)
        {
            if (used[face] || !matched.Add(track))
            {
                continue;
            }

            used[face] = true;
            track.Seen(faces[face], frame, now, _options, _time);
        }

        foreach (Track track in _tracks)
        {
            if (!matched.Contains(track))
            {
                track.Missed(_options.ConfirmOutOf);
            }
        }

        _tracks.RemoveAll(t => _time.GetElapsedTime(t.LastSeen, now) > _options.TrackTimeout);
        for (int i = 0; i < faces.Count; i++)
        {
            if (!used[i])
            {
                var track = new Track(_nextId++, faces[i].Box);
                track.Seen(faces[i], frame, now, _options, _time);
                _tracks.Add(track);
                matched.Add(track);
            }
        }

        // Tracks that confirm now (seen this time, K of M, out of cooldown); the best of them picks the frame.
        List<Track> due = _tracks.Where(t => matched.Contains(t) && t.Hits >= _options.ConfirmRequired
            && (t.SearchedAt is not { } at || _time.GetElapsedTime(at, now) >= _options.TrackCooldown)).ToList();
        Confirming = _tracks.Any(t => matched.Contains(t) && !due.Contains(t) && t.Hits + 1 >= _options.ConfirmRequired
            && (t.SearchedAt is not { } searched || _time.GetElapsedTime(searched, now) >= _options.TrackCooldown));
        if (due.Count == 0)
        {
            return null;
        }

        Track lead = due.MaxBy(t => t.Best!.Value.Face.Quality)!;
        TFrame best = lead.Best!.Value.Frame;
        // The other confirming tracks join when they were in that frame; otherwise they confirm on the next detection.
        var joined = due.Where(t => t.FaceIn(best) is not null).OrderByDescending(t => t.FaceIn(best)!.Box.Area).ToList();
        foreach (Track track in joined)
        {
            track.SearchedAt = now;
        }

        return new FaceSearch<TFrame>(best, joined.Select(t => t.FaceIn(best)!).ToList(), joined.Select(t => t.Id).ToList());
    }

    /// <summary>Forgets every track (the camera restarted).</summary>
    public void Reset()
    {
        _tracks.Clear();
        Confirming = false;
    }

    private sealed class Track(int id, BoxF box)
    {
        private readonly Queue<bool> _history = new();

        public int Id { get; } = id;

        public BoxF Box { get; private set; } = box;

        public long LastSeen { get; private set; }

        public long? SearchedAt { get; set; }

        /// <summary>The best face of the search window and its frame (one frame kept per track, to bound memory).</summary>
        public (TFrame Frame, LocalFace Face, long At)? Best { get; private set; }

        /// <summary>The newest face and its frame.</summary>
        public (TFrame Frame, LocalFace Face)? Latest { get; private set; }

        public int Hits => _history.Count(h => h);

        public void Seen(LocalFace face, TFrame frame, long now, VisionOptions options, TimeProvider time)
        {
            Push(true, options.ConfirmOutOf);
            Box = face.Box;
            LastSeen = now;
            Latest = (frame, face);
            if (Best is not { } best || time.GetElapsedTime(best.At, now) > options.SearchWindow || face.Quality >= best.Face.Quality)
            {
                Best = (frame, face, now);
            }
        }

        public void Missed(int outOf) => Push(false, outOf);

        public LocalFace? FaceIn(TFrame frame) =>
            Best is { } b && ReferenceEquals(b.Frame, frame) ? b.Face
            : Latest is { } l && ReferenceEquals(l.Frame, frame) ? l.Face
            : null;

        private void Push(bool hit, int outOf)
        {
            _history.Enqueue(hit);
            while (_history.Count > outOf)
            {
                _history.Dequeue();
            }
        }
    }
}

using System.Globalization;
using Microsoft.Extensions.Options;

namespace KvsEdge.Access;

/// <summary>
/// Turns face observations into decisions. Pure: no I/O and no clock (the caller passes <c>now</c>), so every
/// rule is testable with plain values. It keeps small, bounded state: faces already decided (de-duplication),
/// recent frames per stream (N-of-M confirmation) and last grant per person (cooldown).
/// Thread-safe (one lock), though the appliance decides on a single loop.
/// </summary>
/// <remarks>
/// Order of checks: duplicate → clock_skew → stale → unknown_face → not_allowed / ambiguous / below_threshold →
/// outside_schedule → awaiting_confirmation → cooldown → allowed. Everything that is not clearly one allowed
/// person, now, inside their schedule, is not a grant.
/// </remarks>
public sealed class AccessPolicy
{
    /// <summary>
    /// Hard cap on remembered faces. Far above what a few cameras produce within MaxEventAge + MaxClockSkew;
    /// if ever reached, the entries with the oldest frame time (the next to turn stale anyway) go first.
    /// </summary>
    public const int MaxRememberedFaces = 50_000;

    private const int MaxTrackedStreams = 64;

    private readonly Lock _gate = new();
    private AccessRules _rules; // replaced whole under _gate by Reload; the memory below outlives every swap
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _seenByFrameTime = new();
    private readonly Dictionary<string, List<FrameMark>> _recentFrames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastGrant = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Takes a validated snapshot of <paramref name="options"/>; later edits to it have no effect.</summary>
    /// <exception cref="OptionsValidationException">The options are invalid (messages name the keys).</exception>
    public AccessPolicy(AccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        _rules = AccessRules.Compile(options, errors)
            ?? throw new OptionsValidationException(AccessOptions.SectionName, typeof(AccessOptions), errors);
    }

    /// <summary>How many faces are remembered for de-duplication (at most <see cref="MaxRememberedFaces"/>).</summary>
    internal int RememberedFaceCount
    {
        get
        {
            lock (_gate)
            {
                return _seen.Count;
            }
        }
    }

    /// <summary>The mapping from ExternalImageId to person this policy uses (the current rules').</summary>
    public ExternalIdMapper Mapper
    {
        get
        {
            lock (_gate)
            {
                return _rules.Mapper;
            }
        }
    }

    /// <summary>Held by whoever builds options and swaps them in through <see cref="Reload"/> (file, IoT shadow).</summary>
    public AccessRulesGate RulesGate { get; } = new();

    /// <summary>The allow-listed people of the current rules (Access:People keys), sorted.</summary>
    public IReadOnlyList<string> People
    {
        get
        {
            lock (_gate)
            {
                return _rules.People.Keys.Order(StringComparer.Ordinal).ToArray();
            }
        }
    }

    /// <summary>
    /// Swaps in rules compiled from <paramref name="options"/>, keeping de-duplication, confirmation and cooldown
    /// memory: replacing the policy object instead would forget them and let a redelivered grant unlock twice.
    /// Invalid options change nothing. MaxEventAge and MaxClockSkew stay as they were at start (they bound the replay
    /// window the ledger was restored for and faces are forgotten by); a change to them is reported as deferred.
    /// </summary>
    public AccessRulesReload Reload(AccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        AccessRules? next = AccessRules.Compile(options, errors);
        if (next is null)
        {
            return new AccessRulesReload(false, errors, []);
        }

        AccessRulesReload result;
        lock (_gate)
        {
            var deferred = new List<string>();
            if (next.MaxEventAge != _rules.MaxEventAge)
            {
                deferred.Add(AccessOptions.SectionName + ":" + nameof(AccessOptions.MaxEventAge));
            }

            if (next.MaxClockSkew != _rules.MaxClockSkew)
            {
                deferred.Add(AccessOptions.SectionName + ":" + nameof(AccessOptions.MaxClockSkew));
            }

            _rules = next.WithReplayWindowOf(_rules);
            result = new AccessRulesReload(true, [], deferred);
        }

        // After the swap and outside the lock: a listener reads the new rules (People), whoever reloaded them.
        RulesSwapped?.Invoke(this, EventArgs.Empty);
        return result;
    }

    /// <summary>
    /// Raised after <see cref="Reload"/> swapped in new rules, before it returns: whatever follows the rules (the
    /// presence sensors) is up to date by the time the caller reports the reload, from the file or the IoT shadow.
    /// </summary>
    public event EventHandler? RulesSwapped;

    /// <summary>The decision for a record that could not be parsed: audited, never acted on.</summary>
    public static Decision Malformed(string detail, DateTimeOffset now) =>
        new(DecisionKind.Ignored, DecisionReasons.Malformed, now, null, Detail: detail);

    /// <summary>
    /// Marks a face as already decided, e.g. grants reloaded from the ledger after a restart, so a redelivered
    /// record cannot unlock a second time.
    /// </summary>
    /// <param name="person">Who was granted, when known: their cooldown then runs from this grant, as it would have
    /// without the restart (else a frame in cooldown before a crash would unlock again on replay).</param>
    public void RememberGranted(string dedupKey, DateTimeOffset frameTime, string? person = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(dedupKey);
        lock (_gate)
        {
            Remember(dedupKey, frameTime);
            EnforceCap();
            // Whoever it was, even someone the current rules no longer list: a reload may list them again.
            if (person is not null && (!_lastGrant.TryGetValue(person, out DateTimeOffset last) || frameTime > last))
            {
                _lastGrant[person] = frameTime;
            }
        }
    }

    /// <summary>Decides one observation at <paramref name="now"/> (the caller's clock).</summary>
    public Decision Decide(FaceObservation obs, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(obs);
        lock (_gate)
        {
            return DecideLocked(obs, now);
        }
    }

    private Decision DecideLocked(FaceObservation obs, DateTimeOffset now)
    {
        PruneSeen(now);

        string dedupKey = obs.DedupKey;
        if (_seen.ContainsKey(dedupKey))
        {
            return Ignored(obs, now, DecisionReasons.Duplicate, "face " + dedupKey + " was decided before");
        }

        // Remembered whatever the outcome, so a redelivery is always a duplicate and never a second chance.
        Remember(dedupKey, obs.FrameTime);
        EnforceCap();

        TimeSpan ahead = obs.FrameTime - now;
        if (ahead > _rules.MaxClockSkew)
        {
            return Ignored(obs, now, DecisionReasons.ClockSkew,
                Invariant($"frame is {ahead.TotalSeconds:0.0##} s in the future, limit {_rules.MaxClockSkew.TotalSeconds:0.###} s"));
        }

        TimeSpan age = now - obs.FrameTime;
        if (age > _rules.MaxEventAge)
        {
            return Ignored(obs, now, DecisionReasons.Stale,
                Invariant($"frame is {age.TotalSeconds:0.0##} s old, limit {_rules.MaxEventAge.TotalSeconds:0.###} s"));
        }

        Identity identity = Identify(obs, now);

        // Every fresh face counts towards confirmation, misses included, so N-of-M means N of M frames.
        RecordFrame(obs, identity.Person?.Name, now);

        if (identity.Rejection is { } rejection)
        {
            return rejection;
        }

        PersonRule person = identity.Person!;
        FaceCandidate match = identity.Match!;

        if (obs.NeedsLocalAgreement && SecondOpinion(obs, now, person, match) is { } refused)
        {
            return refused;
        }

        // The frame's own time, read on the wall clock of the configured zone, so DST and weekdays come out as people expect.
        DateTime local = TimeZoneInfo.ConvertTime(obs.FrameTime, _rules.Zone).DateTime;
        if (!person.IsInSchedule(local))
        {
            return For(obs, now, DecisionKind.Denied, DecisionReasons.OutsideSchedule, person, match,
                Invariant($"{local:dddd HH:mm} ({_rules.Zone.Id}) is outside {person.Name}'s schedule"));
        }

        int confirmations = CountConfirmations(obs, person.Name);
        if (confirmations < _rules.Required)
        {
            return For(obs, now, DecisionKind.Ignored, DecisionReasons.AwaitingConfirmation, person, match,
                Invariant($"{confirmations} of the last {_rules.OutOf} frames within {_rules.Window.TotalSeconds:0.###} s matched, {_rules.Required} required"));
        }

        // Measured on frame times, from the grant (sightings in between do not extend it); an older frame than the grant is inside it too.
        if (_lastGrant.TryGetValue(person.Name, out DateTimeOffset lastGrant) && obs.FrameTime - lastGrant < _rules.Cooldown)
        {
            return For(obs, now, DecisionKind.Ignored, DecisionReasons.Cooldown, person, match,
                Invariant($"granted {(obs.FrameTime - lastGrant).TotalSeconds:0.0##} s before, cooldown {_rules.Cooldown.TotalSeconds:0.###} s"));
        }

        _lastGrant[person.Name] = obs.FrameTime;
        return For(obs, now, DecisionKind.Granted, DecisionReasons.Allowed, person, match, null);
    }

    /// <summary>
    /// `second-opinion`: the cloud named <paramref name="person"/>; the local matcher must name the same allowed person
    /// on enough agreeing frames. Still counting is not final (the next frame may agree); anything else is a denial.
    /// </summary>
    private Decision? SecondOpinion(FaceObservation obs, DateTimeOffset now, PersonRule person, FaceCandidate match)
    {
        LocalMatch? local = obs.Local;
        if (local is { Outcome: LocalMatchOutcome.Pending or LocalMatchOutcome.Unusable })
        {
            return For(obs, now, DecisionKind.Ignored, DecisionReasons.AwaitingConfirmation, person, match,
                Invariant($"local second opinion: {local.AgreeingFrames} agreeing frame(s) so far ({local.Detail})"));
        }

        string? localPerson = local is { Outcome: LocalMatchOutcome.Match } ? _rules.Mapper.Map(local.Person) : null;
        if (!string.Equals(localPerson, person.Name, StringComparison.OrdinalIgnoreCase))
        {
            string what = local is null
                ? "no local opinion"
                : Invariant($"local {local.Outcome.ToString().ToLowerInvariant()}, nearest {local.Nearest ?? "nobody"} at {local.Distance:0.###}{(local.Detail is null ? "" : "; " + local.Detail)}");
            return For(obs, now, DecisionKind.Denied, DecisionReasons.LocalDisagrees, person, match,
                Invariant($"the cloud named {person.Name}; {what}"));
        }

        return null;
    }

    /// <summary>Who this face is, if it is clearly one allow-listed person at or above their threshold.</summary>
    private Identity Identify(FaceObservation obs, DateTimeOffset now)
    {
        IReadOnlyList<FaceCandidate> candidates = obs.Candidates;
        if (candidates.Count == 0)
        {
            return new Identity(new Decision(DecisionKind.UnknownFace, DecisionReasons.UnknownFace, now, obs), null, null);
        }

        // Sources validate similarity, but a NaN must still never be the best match nor tie with a number:
        // every comparison with NaN is false, so a NaN first candidate would otherwise stay "best".
        FaceCandidate best = candidates[0];
        foreach (FaceCandidate candidate in candidates)
        {
            if (double.IsNaN(best.Similarity) || candidate.Similarity > best.Similarity)
            {
                best = candidate;
            }
        }

        if (double.IsNaN(best.Similarity))
        {
            return Reject(obs, now, DecisionKind.Ignored, DecisionReasons.Malformed, "similarity is not a number");
        }

        string? bestName = _rules.Mapper.Map(best.ExternalImageId);

        // Best match per allow-listed person at/above that person's own threshold.
        var qualified = new Dictionary<string, FaceCandidate>(StringComparer.OrdinalIgnoreCase);
        bool tiedWithSomeoneElse = false;
        foreach (FaceCandidate candidate in candidates)
        {
            string? name = _rules.Mapper.Map(candidate.ExternalImageId);
            if (candidate.Similarity == best.Similarity && !string.Equals(name, bestName, StringComparison.OrdinalIgnoreCase))
            {
                tiedWithSomeoneElse = true;
            }

            if (name is not null && candidate.Similarity >= _rules.People[name].MinSimilarity
                && (!qualified.TryGetValue(name, out FaceCandidate? previous) || candidate.Similarity > previous.Similarity))
            {
                qualified[name] = candidate;
            }
        }

        if (qualified.Count >= 2)
        {
            string who = string.Join(", ", qualified.Select(q => Invariant($"{q.Key} {q.Value.Similarity:0.##}")));
            return Reject(obs, now, DecisionKind.Denied, DecisionReasons.Ambiguous, "several people match: " + who);
        }

        if (tiedWithSomeoneElse)
        {
            return Reject(obs, now, DecisionKind.Denied, DecisionReasons.Ambiguous,
                Invariant($"best matches of {best.Similarity:0.##} belong to different people"));
        }

        if (bestName is null)
        {
            // The face looks most like someone who is not on the allow list: deny even if an allowed person also matches.
            // The event names who it looks like (the collection's id), so an operator sees who was refused.
            return new Identity(
                new Decision(DecisionKind.Denied, DecisionReasons.NotAllowed, now, obs, NullIfEmpty(best.ExternalImageId), best.Similarity, best.FaceId,
                    "best match '" + best.ExternalImageId + "' is not an allowed person"),
                null, null);
        }

        PersonRule bestPerson = _rules.People[bestName];
        if (qualified.Count == 0)
        {
            return new Identity(
                new Decision(DecisionKind.Ignored, DecisionReasons.BelowThreshold, now, obs, bestPerson.Name, best.Similarity, best.FaceId,
                    Invariant($"similarity {best.Similarity:0.##} is below {bestPerson.MinSimilarity:0.##} for {bestPerson.Name}")),
                null, null);
        }

        (string qualifiedName, FaceCandidate qualifiedMatch) = qualified.First();
        if (!string.Equals(qualifiedName, bestPerson.Name, StringComparison.OrdinalIgnoreCase))
        {
            // Looks more like bestPerson (below their stricter threshold) than like the one who qualifies: do not pick.
            return Reject(obs, now, DecisionKind.Denied, DecisionReasons.Ambiguous,
                Invariant($"best match {bestPerson.Name} {best.Similarity:0.##} is below their threshold, {qualifiedName} {qualifiedMatch.Similarity:0.##} is not the best match"));
        }

        return new Identity(null, bestPerson, qualifiedMatch);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private void RecordFrame(FaceObservation obs, string? person, DateTimeOffset now)
    {
        string stream = obs.StreamArn ?? obs.Source;
        if (!_recentFrames.TryGetValue(stream, out List<FrameMark>? frames))
        {
            if (_recentFrames.Count >= MaxTrackedStreams)
            {
                DropIdleStreams(now);
            }

            frames = [];
            _recentFrames[stream] = frames;
        }

        FrameMark? mark = frames.Find(f => string.Equals(f.RecordKey, obs.RecordKey, StringComparison.Ordinal));
        if (mark is null)
        {
            mark = new FrameMark(obs.RecordKey, obs.FrameTime);
            frames.Add(mark);
            // Only the last M frames before a face count; keep a few more so that frames arriving slightly out of
            // order are still judged against their own predecessors, and never drop the frame being decided.
            if (frames.Count > (2 * _rules.OutOf) + 8)
            {
                frames.Remove(frames.Where(f => !ReferenceEquals(f, mark)).MinBy(f => f.FrameTime)!);
            }
        }

        if (person is not null)
        {
            mark.People.Add(person);
        }
    }

    private int CountConfirmations(FaceObservation obs, string person)
    {
        List<FrameMark> frames = _recentFrames[obs.StreamArn ?? obs.Source];
        // The frame being decided is always one of the M, even when another frame carries the same time:
        // otherwise a 1-of-1 rule could be blocked by an earlier miss at an equal timestamp.
        FrameMark current = frames.Find(f => string.Equals(f.RecordKey, obs.RecordKey, StringComparison.Ordinal))!;
        int own = current.People.Contains(person) ? 1 : 0;
        return own + frames
            .Where(f => !ReferenceEquals(f, current) && f.FrameTime <= obs.FrameTime && obs.FrameTime - f.FrameTime <= _rules.Window)
            .OrderByDescending(f => f.FrameTime)
            .Take(_rules.OutOf - 1)
            .Count(f => f.People.Contains(person));
    }

    private void DropIdleStreams(DateTimeOffset now)
    {
        DateTimeOffset cutoff = now - _rules.MaxEventAge - _rules.Window;
        foreach ((string stream, List<FrameMark> frames) in _recentFrames.ToList())
        {
            if (frames.Count == 0 || frames.Max(f => f.FrameTime) < cutoff)
            {
                _recentFrames.Remove(stream);
            }
        }

        while (_recentFrames.Count >= MaxTrackedStreams)
        {
            string oldest = _recentFrames.MinBy(s => s.Value.Count == 0 ? DateTimeOffset.MinValue : s.Value.Max(f => f.FrameTime)).Key;
            _recentFrames.Remove(oldest);
        }
    }

    private void Remember(string dedupKey, DateTimeOffset frameTime)
    {
        if (_seen.TryAdd(dedupKey, frameTime))
        {
            _seenByFrameTime.Enqueue(dedupKey, frameTime);
        }
    }

    // A face older than MaxEventAge (+ skew margin) is stale on arrival, so forgetting it cannot let it unlock.
    private void PruneSeen(DateTimeOffset now)
    {
        DateTimeOffset cutoff = now - _rules.MaxEventAge - _rules.MaxClockSkew;
        while (_seenByFrameTime.TryPeek(out string? key, out DateTimeOffset frameTime) && frameTime < cutoff)
        {
            _seenByFrameTime.Dequeue();
            _seen.Remove(key);
        }
    }

    private void EnforceCap()
    {
        while (_seen.Count > MaxRememberedFaces && _seenByFrameTime.TryDequeue(out string? key, out _))
        {
            _seen.Remove(key);
        }
    }

    private static Decision Ignored(FaceObservation obs, DateTimeOffset now, string reason, string detail) =>
        new(DecisionKind.Ignored, reason, now, obs, Detail: detail);

    private static Identity Reject(FaceObservation obs, DateTimeOffset now, DecisionKind kind, string reason, string detail) =>
        new(new Decision(kind, reason, now, obs, Detail: detail), null, null);

    private static Decision For(
        FaceObservation obs, DateTimeOffset now, DecisionKind kind, string reason, PersonRule person, FaceCandidate match, string? detail) =>
        new(kind, reason, now, obs, person.Name, match.Similarity, match.FaceId, detail);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Identity(Decision? Rejection, PersonRule? Person, FaceCandidate? Match);

    private sealed class FrameMark(string recordKey, DateTimeOffset frameTime)
    {
        public string RecordKey { get; } = recordKey;

        public DateTimeOffset FrameTime { get; } = frameTime;

        public HashSet<string> People { get; } = new(StringComparer.OrdinalIgnoreCase);
    }
}

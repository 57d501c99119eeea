namespace KvsEdge.Access;

/// <summary>What the on-device matcher concluded about one face (issue 16).</summary>
public enum LocalMatchOutcome
{
    /// <summary>One gallery person, below their threshold, on enough agreeing frames.</summary>
    Match,

    /// <summary>Nobody below their threshold, on enough agreeing frames.</summary>
    NoMatch,

    /// <summary>Two people below their thresholds (never a match), on enough agreeing frames.</summary>
    Ambiguous,

    /// <summary>Not enough agreeing frames yet: the next frame may settle it.</summary>
    Pending,

    /// <summary>This face cannot be matched (smaller than the minimum face size, or not aligned): it counts for nothing.</summary>
    Unusable,

    /// <summary>Local matching is off: no gallery loaded (missing, damaged, another model) or no embedder.</summary>
    Unavailable,
}

/// <summary>
/// The local matcher's opinion of one face. <paramref name="Nearest"/>, <paramref name="Distance"/> and
/// <paramref name="Threshold"/> describe the nearest gallery person whatever the outcome (for events and state);
/// <paramref name="Person"/> is set only for <see cref="LocalMatchOutcome.Match"/>.
/// </summary>
public sealed record LocalMatch(
    LocalMatchOutcome Outcome, string? Person, string? Nearest, float Distance, float Threshold, int AgreeingFrames, string? Detail = null)
{
    /// <summary>Settled: a match, no match or ambiguity seen on enough agreeing frames.</summary>
    public bool IsSettled => Outcome is LocalMatchOutcome.Match or LocalMatchOutcome.NoMatch or LocalMatchOutcome.Ambiguous;
}

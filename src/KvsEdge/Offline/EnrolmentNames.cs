using KvsEdge.Access;

namespace KvsEdge.Offline;

/// <summary>One photo's result on the local side; <paramref name="Person"/> is the gallery name it counts for.</summary>
public sealed record LocalPhotoResult(string Source, string? Person, LocalPhotoOutcome Outcome, string Detail)
{
    /// <summary>The photo's face is in the gallery now (added by this run or before).</summary>
    public bool Succeeded => Outcome is LocalPhotoOutcome.Added or LocalPhotoOutcome.AlreadyInGallery;
}

/// <summary>Which person a photo's file name stem enrols.</summary>
public static class EnrolmentNames
{
    /// <summary>
    /// The allow-listed person the policy would map the stem to (aliases, then the longest prefix ending at an
    /// `Access:IdSeparators` character), else the stem up to its first separator: `alice_2` and `alice-front` are alice.
    /// </summary>
    public static Func<string, string> PersonOf(AccessOptions access)
    {
        ArgumentNullException.ThrowIfNull(access);
        var mapper = new ExternalIdMapper(access.People.Keys, access.Aliases, access.IdSeparators);
        string separators = access.IdSeparators ?? string.Empty;
        return stem => mapper.Map(stem) ?? StemPerson(stem, separators);
    }

    /// <summary>The stem up to its first separator (the whole stem when it has none or starts with one).</summary>
    public static string StemPerson(string stem, string separators)
    {
        ArgumentNullException.ThrowIfNull(stem);
        int i = string.IsNullOrEmpty(separators) ? -1 : stem.IndexOfAny(separators.ToCharArray());
        return i > 0 ? stem[..i] : stem;
    }
}

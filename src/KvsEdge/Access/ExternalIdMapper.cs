namespace KvsEdge.Access;

/// <summary>
/// Maps a Rekognition ExternalImageId to an allow-listed person. Order: alias (exact, then without the image
/// extension), the id itself, then the longest prefix that ends at a separator: with "_-", `alice_2`,
/// `Alice-front.jpg` and `alice-front_2` are all alice. Case-insensitive; returns the name as configured.
/// </summary>
public sealed class ExternalIdMapper
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png"];

    private readonly Dictionary<string, string> _people = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _aliases = new(StringComparer.OrdinalIgnoreCase);
    private readonly string _separators;

    /// <param name="people">Allow-listed names; only these are ever returned.</param>
    /// <param name="aliases">ExternalImageId → person; an alias to someone not in <paramref name="people"/> maps to nobody.</param>
    /// <param name="separators">Characters that end the person part of an id.</param>
    public ExternalIdMapper(IEnumerable<string> people, IEnumerable<KeyValuePair<string, string>> aliases, string? separators)
    {
        ArgumentNullException.ThrowIfNull(people);
        ArgumentNullException.ThrowIfNull(aliases);
        foreach (string person in people)
        {
            _people[person] = person;
        }

        foreach ((string externalId, string person) in aliases)
        {
            if (person is not null && _people.TryGetValue(person, out string? canonical))
            {
                _aliases[externalId] = canonical;
            }
        }

        _separators = separators ?? string.Empty;
    }

    /// <summary>The allow-listed person <paramref name="externalImageId"/> belongs to, or null.</summary>
    public string? Map(string? externalImageId)
    {
        if (string.IsNullOrEmpty(externalImageId))
        {
            return null;
        }

        if (_aliases.TryGetValue(externalImageId, out string? alias))
        {
            return alias;
        }

        string stem = StripImageExtension(externalImageId);
        if (stem.Length == 0)
        {
            return null;
        }

        if (_aliases.TryGetValue(stem, out alias) || _people.TryGetValue(stem, out alias))
        {
            return alias;
        }

        // Longest prefix first, so a configured "mary-jane" wins over "mary" for `mary-jane_2`.
        for (int i = stem.Length - 1; i > 0; i--)
        {
            if (_separators.Contains(stem[i], StringComparison.Ordinal) && _people.TryGetValue(stem[..i], out string? person))
            {
                return person;
            }
        }

        return null;
    }

    private static string StripImageExtension(string id)
    {
        foreach (string extension in ImageExtensions)
        {
            if (id.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                return id[..^extension.Length];
            }
        }

        return id;
    }
}

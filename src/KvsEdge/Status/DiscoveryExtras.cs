namespace KvsEdge.Status;

/// <summary>
/// What the discovery payload announces beyond the appliance's fixed entities: the decision snapshot image, one
/// presence sensor per allowed person (which changes with the access rules) and the board's diagnostic sensors
/// (announced only where the board has them). <see cref="Changed"/> asks the discovery publisher to send it again.
/// </summary>
public sealed class DiscoveryExtras
{
    private IReadOnlyList<string> _people = [];

    /// <summary>Announce the `image` entity of `&lt;prefix&gt;/snapshot`.</summary>
    public bool Snapshot { get; init; }

    /// <summary>The board has /sys/class/thermal: announce the CPU temperature.</summary>
    public bool CpuTemperature { get; init; }

    /// <summary>The board reports throttling (Raspberry Pi firmware): announce the throttled sensor.</summary>
    public bool Throttling { get; init; }

    /// <summary>The allowed people (Access:People), sorted.</summary>
    public IReadOnlyList<string> People => Volatile.Read(ref _people);

    /// <summary>Raised when <see cref="People"/> changed (an access-rule reload added or removed someone).</summary>
    public event EventHandler? Changed;

    /// <returns>True when the list changed.</returns>
    public bool SetPeople(IEnumerable<string> people)
    {
        ArgumentNullException.ThrowIfNull(people);
        string[] next = people.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (next.SequenceEqual(People, StringComparer.Ordinal))
        {
            return false;
        }

        Volatile.Write(ref _people, next);
        Changed?.Invoke(this, EventArgs.Empty);
        return true;
    }

    /// <summary>
    /// The topic and id part for each person: lower-case letters, digits and '_' (MQTT- and unique_id-safe), made
    /// unique with a suffix when two names map to the same slug. Same input, same slugs.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Slugs(IReadOnlyList<string> people)
    {
        ArgumentNullException.ThrowIfNull(people);
        var slugs = new Dictionary<string, string>(StringComparer.Ordinal);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (string person in people.Order(StringComparer.Ordinal))
        {
            string slug = string.Concat(person.ToLowerInvariant().Select(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '_'));
            string unique = slug;
            for (int n = 2; !taken.Add(unique); n++)
            {
                unique = slug + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            slugs[person] = unique;
        }

        return slugs;
    }
}

using System.Globalization;
using Microsoft.Extensions.Options;

namespace KvsEdge.Access;

/// <summary>
/// Checks the `Access` section at start-up (register with ValidateOnStart) so a typo stops the service
/// instead of silently denying or, worse, widening access. Each message names the configuration key.
/// </summary>
public sealed class AccessOptionsValidator : IValidateOptions<AccessOptions>
{
    public ValidateOptionsResult Validate(string? name, AccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        AccessRules.Compile(options, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>All problems with <paramref name="options"/>, one message each; empty when valid.</summary>
    public static IReadOnlyList<string> Check(AccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        AccessRules.Compile(options, errors);
        return errors;
    }
}

/// <summary>Validated, parsed form of <see cref="AccessOptions"/> that the policy evaluates (a snapshot: later edits to the options do not leak in).</summary>
internal sealed class AccessRules
{
    private const string Prefix = AccessOptions.SectionName + ":";

    // Sanity bounds: beyond these a setting is almost surely a unit mistake, and for MaxEventAge a replay risk.
    private static readonly TimeSpan MaxEventAgeLimit = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxClockSkewLimit = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan CooldownLimit = TimeSpan.FromDays(1);
    private static readonly TimeSpan WindowLimit = TimeSpan.FromMinutes(5);
    private const int MaxOutOf = 100;

    private static readonly Dictionary<string, DayOfWeek> DayNames = BuildDayNames();

    private AccessRules(
        AccessOptions options, TimeZoneInfo zone, Dictionary<string, PersonRule> people, Dictionary<string, string> aliases)
    {
        DefaultMinSimilarity = options.DefaultMinSimilarity;
        MaxEventAge = options.MaxEventAge;
        MaxClockSkew = options.MaxClockSkew;
        Cooldown = options.Cooldown;
        Zone = zone;
        Required = options.Confirmation.Required;
        OutOf = options.Confirmation.OutOf;
        Window = options.Confirmation.Window;
        People = people;
        Mapper = new ExternalIdMapper(people.Keys, aliases, options.IdSeparators);
    }

    public double DefaultMinSimilarity { get; }

    public TimeSpan MaxEventAge { get; private set; }

    public TimeSpan MaxClockSkew { get; private set; }

    public TimeSpan Cooldown { get; }

    public TimeZoneInfo Zone { get; }

    public int Required { get; }

    public int OutOf { get; }

    public TimeSpan Window { get; }

    public IReadOnlyDictionary<string, PersonRule> People { get; }

    public ExternalIdMapper Mapper { get; }

    /// <summary>These rules with the replay window (MaxEventAge, MaxClockSkew) of <paramref name="running"/>: it only changes at restart.</summary>
    public AccessRules WithReplayWindowOf(AccessRules running)
    {
        var copy = (AccessRules)MemberwiseClone();
        copy.MaxEventAge = running.MaxEventAge;
        copy.MaxClockSkew = running.MaxClockSkew;
        return copy;
    }

    /// <summary>Validates and parses; returns null (and fills <paramref name="errors"/>) when anything is wrong.</summary>
    public static AccessRules? Compile(AccessOptions options, List<string> errors)
    {
        if (!IsPercentage(options.DefaultMinSimilarity))
        {
            errors.Add(Prefix + "DefaultMinSimilarity must be between 0 and 100");
        }

        CheckDuration(errors, "MaxEventAge", options.MaxEventAge, allowZero: false, MaxEventAgeLimit);
        CheckDuration(errors, "MaxClockSkew", options.MaxClockSkew, allowZero: true, MaxClockSkewLimit);
        CheckDuration(errors, "Cooldown", options.Cooldown, allowZero: true, CooldownLimit);

        TimeZoneInfo? zone = ResolveZone(options.TimeZone, errors);

        ConfirmationOptions? confirmation = options.Confirmation;
        if (confirmation is null)
        {
            errors.Add(Prefix + "Confirmation must not be null");
        }
        else
        {
            if (confirmation.Required < 1)
            {
                errors.Add(Prefix + "Confirmation:Required must be at least 1");
            }

            if (confirmation.OutOf is < 1 or > MaxOutOf)
            {
                errors.Add(Invariant($"{Prefix}Confirmation:OutOf must be between 1 and {MaxOutOf}"));
            }
            else if (confirmation.Required > confirmation.OutOf)
            {
                errors.Add(Invariant($"{Prefix}Confirmation:Required ({confirmation.Required}) must not exceed Confirmation:OutOf ({confirmation.OutOf})"));
            }

            CheckDuration(errors, "Confirmation:Window", confirmation.Window, allowZero: false, WindowLimit);
        }

        string separators = options.IdSeparators ?? string.Empty;
        if (separators.Any(c => char.IsLetterOrDigit(c) || char.IsWhiteSpace(c)))
        {
            errors.Add(Prefix + "IdSeparators must not contain letters, digits or spaces");
        }

        var people = new Dictionary<string, PersonRule>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, PersonOptions? person) in options.People)
        {
            string key = Prefix + "People:" + name;
            if (string.IsNullOrWhiteSpace(name) || name.Trim().Length != name.Length)
            {
                errors.Add(key + " must be a non-empty name without leading or trailing spaces");
                continue;
            }

            if (person is null)
            {
                // `"alice": {}` binds to an empty object, but `"alice": null` binds to null: allowed, with defaults.
                people[name] = new PersonRule(name, options.DefaultMinSimilarity, []);
                continue;
            }

            if (person.MinSimilarity is { } min && !IsPercentage(min))
            {
                errors.Add(key + ":MinSimilarity must be between 0 and 100");
            }

            var windows = new List<ScheduleWindow>();
            for (int i = 0; i < person.Schedule.Count; i++)
            {
                if (ParseWindow(person.Schedule[i], Invariant($"{key}:Schedule:{i}"), errors) is { } window)
                {
                    windows.Add(window);
                }
            }

            people[name] = new PersonRule(name, person.MinSimilarity ?? options.DefaultMinSimilarity, windows);
        }

        var aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach ((string externalId, string? person) in options.Aliases)
        {
            // An alias to someone not on the allow list is almost surely a typo; say so rather than deny forever.
            if (string.IsNullOrWhiteSpace(person))
            {
                errors.Add(Prefix + "Aliases:" + externalId + " must name a person");
            }
            else if (!people.TryGetValue(person, out PersonRule? target))
            {
                errors.Add(Prefix + "Aliases:" + externalId + " names '" + person + "', who is not in Access:People");
            }
            else
            {
                aliases[externalId] = target.Name;
            }
        }

        return errors.Count == 0 ? new AccessRules(options, zone!, people, aliases) : null;
    }

    private static TimeZoneInfo? ResolveZone(string? id, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            errors.Add(Prefix + "TimeZone must be an IANA time zone id such as Europe/Berlin");
            return null;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or System.Security.SecurityException)
        {
            errors.Add(Prefix + "TimeZone '" + id + "' is not a known time zone (" + ex.GetType().Name + ")");
            return null;
        }
    }

    private static ScheduleWindow? ParseWindow(ScheduleWindowOptions? window, string key, List<string> errors)
    {
        if (window is null)
        {
            errors.Add(key + " must not be null");
            return null;
        }

        int before = errors.Count;
        int days = 0;
        if (window.Days.Count == 0)
        {
            // Explicit days only: an empty list could mean "never" or "always", and guessing is not fail-secure.
            errors.Add(key + ":Days must list at least one day (Monday or Mon …)");
        }

        for (int d = 0; d < window.Days.Count; d++)
        {
            string? day = window.Days[d];
            if (day is not null && DayNames.TryGetValue(day.Trim(), out DayOfWeek dow))
            {
                days |= 1 << (int)dow;
            }
            else
            {
                errors.Add(Invariant($"{key}:Days:{d} '{day}' is not a day of the week (Monday or Mon …)"));
            }
        }

        TimeOnly from = ParseTime(window.From, key + ":From", errors);
        TimeOnly to = ParseTime(window.To, key + ":To", errors);
        return errors.Count == before ? new ScheduleWindow(days, from, to) : null;
    }

    private static TimeOnly ParseTime(string? text, string key, List<string> errors)
    {
        if (text is not null
            && TimeOnly.TryParseExact(text.Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out TimeOnly time))
        {
            return time;
        }

        errors.Add(key + " '" + text + "' is not a time of day (HH:mm, 00:00-23:59)");
        return default;
    }

    private static void CheckDuration(List<string> errors, string name, TimeSpan value, bool allowZero, TimeSpan limit)
    {
        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero))
        {
            errors.Add(Prefix + name + (allowZero ? " must not be negative" : " must be positive"));
        }
        else if (value > limit)
        {
            errors.Add(Invariant($"{Prefix}{name} must be at most {limit:c}"));
        }
    }

    private static bool IsPercentage(double value) => value is >= 0 and <= 100;

    private static Dictionary<string, DayOfWeek> BuildDayNames()
    {
        var names = new Dictionary<string, DayOfWeek>(StringComparer.OrdinalIgnoreCase);
        foreach (DayOfWeek day in Enum.GetValues<DayOfWeek>())
        {
            string full = day.ToString();
            names[full] = day;
            names[full[..3]] = day;
        }

        return names;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One allow-listed person, validated.</summary>
internal sealed record PersonRule(string Name, double MinSimilarity, IReadOnlyList<ScheduleWindow> Schedule)
{
    /// <summary>True when <paramref name="local"/> (wall-clock time in the configured zone) lies in the schedule.</summary>
    public bool IsInSchedule(DateTime local) => Schedule.Count == 0 || Schedule.Any(w => w.Contains(local));
}

/// <summary>A weekly window; <see cref="Days"/> is a bit mask over <see cref="DayOfWeek"/> and names the day it starts.</summary>
internal readonly record struct ScheduleWindow(int Days, TimeOnly From, TimeOnly To)
{
    public bool Contains(DateTime local)
    {
        var time = TimeOnly.FromDateTime(local);
        DayOfWeek day = local.DayOfWeek;
        if (From < To)
        {
            return StartsOn(day) && time >= From && time < To;
        }

        // Across midnight (To <= From): the evening part of a start day, or the morning after one.
        DayOfWeek previous = (DayOfWeek)(((int)day + 6) % 7);
        return (StartsOn(day) && time >= From) || (StartsOn(previous) && time < To);
    }

    private bool StartsOn(DayOfWeek day) => (Days & (1 << (int)day)) != 0;
}

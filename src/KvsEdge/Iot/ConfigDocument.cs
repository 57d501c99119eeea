using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using KvsEdge.Access;
using KvsEdge.Common;
using KvsEdge.Door;
using Microsoft.Extensions.Configuration;

namespace KvsEdge.Iot;

/// <summary>
/// The desired state of the named shadow `config`, read as the file's sections are: `{"Access":{…},"Door":{"PulseDuration":"00:00:03"}}`.
/// Only the access settings and the pulse length may come from the shadow; which GPIO line is driven, and how (pins,
/// polarity, driver, chip), comes only from the local file (safety rule 9), so any other key refuses the whole document.
/// </summary>
public sealed class ConfigDocument
{
    /// <summary>The `Access` keys the shadow may set; each replaces the file's value whole (a `People` map is the list).</summary>
    public static readonly IReadOnlyList<string> AccessKeys =
    [
        nameof(AccessOptions.Aliases), nameof(AccessOptions.Confirmation), nameof(AccessOptions.Cooldown),
        nameof(AccessOptions.DefaultMinSimilarity), nameof(AccessOptions.IdSeparators), nameof(AccessOptions.MaxClockSkew),
        nameof(AccessOptions.MaxEventAge), nameof(AccessOptions.People), nameof(AccessOptions.TimeZone),
    ];

    public const string PulseDurationKey = "Door:PulseDuration";

    private ConfigDocument(JsonObject desired, JsonObject? access, TimeSpan? pulseDuration)
    {
        Desired = desired;
        Access = access;
        PulseDuration = pulseDuration;
    }

    /// <summary>The document as received (kept as last-good and reported back).</summary>
    public JsonObject Desired { get; }

    public JsonObject? Access { get; }

    public TimeSpan? PulseDuration { get; }

    /// <summary>
    /// Checks the shape and the keys (not yet the access rules as a whole: the caller runs the file's validators on
    /// the result). Every problem is listed, each naming its key.
    /// </summary>
    public static ConfigDocument? Read(JsonNode? desired, DoorOptions localDoor, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(localDoor);
        ArgumentNullException.ThrowIfNull(errors);
        if (desired is not JsonObject document)
        {
            errors.Add("The desired state must be an object with `Access` (and optionally `Door.PulseDuration`).");
            return null;
        }

        JsonObject? access = null;
        TimeSpan? pulse = null;
        foreach ((string key, JsonNode? value) in document)
        {
            if (key.Equals(AccessOptions.SectionName, StringComparison.OrdinalIgnoreCase))
            {
                if (value is not JsonObject a)
                {
                    errors.Add("`Access` must be an object.");
                    continue;
                }

                access = a;
                foreach ((string accessKey, JsonNode? _) in a)
                {
                    if (!AccessKeys.Contains(accessKey, StringComparer.OrdinalIgnoreCase))
                    {
                        string? near = ConfigurationSchema.Nearest(accessKey, AccessKeys);
                        errors.Add(near is null
                            ? $"`Access:{accessKey}` is not an access setting; the shadow may set {string.Join(", ", AccessKeys)}."
                            : $"`Access:{accessKey}` is not an access setting; did you mean `Access:{near}`?");
                    }
                }

                IConfiguration configuration = ToConfiguration(AccessOptions.SectionName, a);
                errors.AddRange(ConfigurationSchema.CheckSection(configuration.GetSection(AccessOptions.SectionName))
                    .Where(p => AccessKeys.Any(k => p.Path.StartsWith("Access:" + k, StringComparison.OrdinalIgnoreCase)))
                    .Select(p => p.Message));
            }
            else if (key.Equals(DoorOptions.SectionName, StringComparison.OrdinalIgnoreCase) && value is JsonObject door)
            {
                foreach ((string doorKey, JsonNode? doorValue) in door)
                {
                    if (doorKey.Equals(nameof(DoorOptions.PulseDuration), StringComparison.OrdinalIgnoreCase))
                    {
                        pulse = ReadPulse(doorValue, localDoor, errors);
                    }
                    else
                    {
                        foreach (string path in LeafPaths("Door:" + doorKey, doorValue))
                        {
                            errors.Add(HardwareRefusal(path));
                        }
                    }
                }
            }
            else
            {
                foreach (string path in LeafPaths(key, value))
                {
                    errors.Add(key.Equals(DoorOptions.SectionName, StringComparison.OrdinalIgnoreCase)
                        ? HardwareRefusal(path)
                        : $"`{path}` cannot be set from the shadow: it may set only Access ({string.Join(", ", AccessKeys)}) and {PulseDurationKey}; everything else comes from the local file.");
                }
            }
        }

        return errors.Count == 0 ? new ConfigDocument(document, access, pulse) : null;
    }

    private static string HardwareRefusal(string path) =>
        $"`{path}` cannot be set from the shadow: which GPIO line is driven, and how (pins, polarity, driver), comes only from the local file.";

    private static TimeSpan? ReadPulse(JsonNode? value, DoorOptions localDoor, List<string> errors)
    {
        if (value is null || value.GetValueKind() != JsonValueKind.String
            || value.GetValue<string>() is not { } text || !text.Contains(':', StringComparison.Ordinal)
            || !TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan pulse))
        {
            errors.Add($"`{PulseDurationKey}` takes a duration hh:mm:ss, e.g. \"00:00:03\".");
            return null;
        }

        TimeSpan max = localDoor.EffectiveMaxPulseDuration;
        if (pulse < DoorOptions.MinimumDuration || pulse > max)
        {
            errors.Add($"`{PulseDurationKey}` is {text}: it must be between {DoorOptions.MinimumDuration:c} and the local Door:MaxPulseDuration ({max:c}).");
            return null;
        }

        return pulse;
    }

    /// <summary>The file's `Access` options with the shadow's keys put over them (each key replaces the file's value whole).</summary>
    public static void Overlay(AccessOptions target, JsonObject access)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(access);
        var source = new AccessOptions();
        ValidatedOptions.Bind(ToConfiguration(AccessOptions.SectionName, access), AccessOptions.SectionName, source, static (c, o, b) => c.Bind(o, b));
        foreach ((string key, JsonNode? _) in access)
        {
            switch (key.ToUpperInvariant())
            {
                case "ALIASES":
                    target.Aliases.Clear();
                    foreach ((string alias, string person) in source.Aliases)
                    {
                        target.Aliases[alias] = person;
                    }

                    break;
                case "CONFIRMATION":
                    target.Confirmation = source.Confirmation;
                    break;
                case "COOLDOWN":
                    target.Cooldown = source.Cooldown;
                    break;
                case "DEFAULTMINSIMILARITY":
                    target.DefaultMinSimilarity = source.DefaultMinSimilarity;
                    break;
                case "IDSEPARATORS":
                    target.IdSeparators = source.IdSeparators;
                    break;
                case "MAXCLOCKSKEW":
                    target.MaxClockSkew = source.MaxClockSkew;
                    break;
                case "MAXEVENTAGE":
                    target.MaxEventAge = source.MaxEventAge;
                    break;
                case "PEOPLE":
                    target.People.Clear();
                    foreach ((string name, PersonOptions person) in source.People)
                    {
                        target.People[name] = person;
                    }

                    break;
                case "TIMEZONE":
                    target.TimeZone = source.TimeZone;
                    break;
                default:
                    // Refused by Read before it gets here.
                    break;
            }
        }
    }

    /// <summary>
    /// A JSON object as configuration under <paramref name="section"/> (objects → `a:b`, arrays → `a:0`). An empty object
    /// or list adds nothing: its key's presence in the JSON is what <see cref="Overlay"/> acts on (an empty `People` is nobody).
    /// </summary>
    public static IConfiguration ToConfiguration(string section, JsonObject value)
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        Flatten(section, value, pairs);
        return new ConfigurationBuilder().AddInMemoryCollection(pairs).Build();
    }

    private static void Flatten(string path, JsonNode? node, List<KeyValuePair<string, string?>> pairs)
    {
        switch (node)
        {
            case JsonObject o:
                foreach ((string key, JsonNode? child) in o)
                {
                    Flatten(path + ConfigurationPath.KeyDelimiter + key, child, pairs);
                }

                break;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++)
                {
                    Flatten(path + ConfigurationPath.KeyDelimiter + i.ToString(CultureInfo.InvariantCulture), a[i], pairs);
                }

                break;
            case null:
                pairs.Add(new(path, null));
                break;
            default:
                pairs.Add(new(path, node.GetValueKind() switch
                {
                    JsonValueKind.String => node.GetValue<string>(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => node.ToJsonString(),
                }));
                break;
        }
    }

    private static IEnumerable<string> LeafPaths(string path, JsonNode? node) => node switch
    {
        JsonObject { Count: > 0 } o => o.SelectMany(p => LeafPaths(path + ":" + p.Key, p.Value)),
        JsonArray { Count: > 0 } a => a.SelectMany((e, i) => LeafPaths(path + ":" + i.ToString(CultureInfo.InvariantCulture), e)),
        _ => [path],
    };
}

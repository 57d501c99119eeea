using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KvsEdge.Access;
using KvsEdge.Common;
using KvsEdge.Door;
using Microsoft.Extensions.Configuration;

namespace KvsEdge.Fleet;

/// <summary>
/// The access settings a fleet shares, as `fleet set-config --file` reads them and the `config` shadow's desired state
/// carries them: the same shape as appsettings.json, limited to the `Access` section plus `Door:PulseDuration`
/// (safety rule 9: remote configuration changes who may enter, never which GPIO line is driven or how).
/// Checked with the device's own validators before anything is sent.
/// </summary>
public sealed class FleetAccessDocument
{
    /// <summary>A shadow holds at most 8 KB of desired plus reported state; the door's reported part needs room too.</summary>
    public const int MaxDesiredBytes = 6 * 1024;

    public const string PulseDurationKey = "Door:PulseDuration";

    private FleetAccessDocument(JsonObject desired) => Desired = desired;

    /// <summary>The desired state to send: the file's JSON object as it was written.</summary>
    public JsonObject Desired { get; }

    /// <summary>Reads and checks the file; every problem at once, each naming the key.</summary>
    /// <exception cref="FleetConfigException">Unreadable, not JSON, a key outside Access / Door:PulseDuration, or invalid.</exception>
    public static FleetAccessDocument Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FleetConfigException($"cannot read {path}: {ex.Message}", []);
        }

        return Parse(bytes, path);
    }

    public static FleetAccessDocument Parse(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        JsonObject desired;
        try
        {
            desired = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new FleetConfigException($"{source} is not a JSON object.", []);
        }
        catch (JsonException ex)
        {
            throw new FleetConfigException($"{source} is not valid JSON: {ex.Message}", []);
        }

        var failures = new List<string>();
        IConfigurationRoot configuration;
        using (var stream = new MemoryStream(bytes))
        {
            configuration = new ConfigurationBuilder().AddJsonStream(stream).Build();
        }

        foreach (var (key, value) in configuration.AsEnumerable().Where(kv => kv.Value is not null).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var allowed = key.StartsWith(AccessOptions.SectionName + ":", StringComparison.OrdinalIgnoreCase)
                || string.Equals(key, PulseDurationKey, StringComparison.OrdinalIgnoreCase);
            if (!allowed)
            {
                failures.Add(key.StartsWith("Door:", StringComparison.OrdinalIgnoreCase)
                    ? $"{key}: hardware settings (pins, polarity, drivers) stay in the device's own file; a fleet config can set only {PulseDurationKey}."
                    : $"{key}: a fleet config carries only the Access section and {PulseDurationKey}.");
            }
        }

        failures.AddRange(ConfigurationSchema.Check(configuration)
            .Where(p => p.Path.StartsWith(AccessOptions.SectionName, StringComparison.OrdinalIgnoreCase)
                || string.Equals(p.Path, PulseDurationKey, StringComparison.OrdinalIgnoreCase))
            .Select(p => p.Message));
        if (!configuration.GetSection(AccessOptions.SectionName).Exists())
        {
            failures.Add("Access: missing; a fleet config must say who may enter (Access:People).");
        }
        else
        {
            ValidatedOptions.Load<AccessOptions>(configuration, AccessOptions.SectionName, static (c, o, b) => c.Bind(o, b), failures, new AccessOptionsValidator());
        }

        if (configuration[PulseDurationKey] is { } pulse)
        {
            var door = new DoorOptions();
            if (!TimeSpan.TryParse(pulse, CultureInfo.InvariantCulture, out var duration)
                || duration < DoorOptions.MinimumDuration || duration > door.MaxPulseDuration)
            {
                failures.Add($"{PulseDurationKey}: '{pulse}' must be a duration from {DoorOptions.MinimumDuration} to {door.MaxPulseDuration} (the default Door:MaxPulseDuration; each door also caps it with its own).");
            }
        }

        if (failures.Count == 0)
        {
            // The very check each door makes on the shadow's desired state, so the file cannot pass here and be refused there.
            KvsEdge.Iot.ConfigDocument.Read(desired.DeepClone(), new DoorOptions(), failures);
        }

        var size = Encoding.UTF8.GetByteCount(desired.ToJsonString());
        if (size > MaxDesiredBytes)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{source}: {size} bytes; the desired state may be at most {MaxDesiredBytes} bytes (a shadow holds 8 KB, the door's reported state needs the rest)."));
        }

        return failures.Count == 0 ? new FleetAccessDocument(desired) : throw new FleetConfigException($"{source} is not a valid fleet config.", failures.Distinct(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// The desired-state patch that turns <paramref name="current"/> into <paramref name="next"/>: a shadow update merges,
    /// so every key that is in the current desired state and not in the new one is sent as <c>null</c> (deleted);
    /// objects are compared key by key, anything else is replaced whole. Without this a person removed from the file
    /// would stay in the shadow, and on every door.
    /// </summary>
    public static JsonObject Patch(JsonObject? current, JsonObject next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var patch = new JsonObject();
        foreach (var (key, value) in next)
        {
            patch[key] = current?[key] is JsonObject before && value is JsonObject after
                ? Patch(before, after)
                : value?.DeepClone();
        }

        if (current is not null)
        {
            foreach (var (key, _) in current)
            {
                if (!next.ContainsKey(key))
                {
                    patch[key] = null;
                }
            }
        }

        return patch;
    }
}

/// <summary>The fleet config file is not valid; nothing was sent.</summary>
public sealed class FleetConfigException(string message, IReadOnlyList<string> failures) : Exception(message)
{
    public IReadOnlyList<string> Failures { get; } = failures;
}

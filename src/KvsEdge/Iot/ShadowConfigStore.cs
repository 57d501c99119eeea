using System.Text;
using System.Text.Json.Nodes;
using KvsEdge.Access;
using KvsEdge.Common;
using KvsEdge.Door;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Iot;

/// <summary>The configuration last applied from the `config` shadow and the shadow version it came with.</summary>
public sealed record AppliedShadowConfig(long Version, ConfigDocument Document);

/// <summary>
/// Holds the configuration applied from the shadow and keeps it as last-good in
/// `&lt;StateDirectory&gt;/iot-config-shadow.json` (atomic replace with fsync), so a restart without the network uses it.
/// As a post-configure step of <see cref="AccessOptions"/> it puts the shadow's access keys over the file's: the policy
/// built at start, and every reload of the file, see the file as amended by the shadow.
/// </summary>
public sealed class ShadowConfigStore : IPostConfigureOptions<AccessOptions>
{
    public const string FileName = "iot-config-shadow.json";

    private readonly string _path;
    private AppliedShadowConfig? _current;

    public ShadowConfigStore(IOptions<DeviceOptions> device, IOptions<DoorOptions> door, ILogger<ShadowConfigStore> logger)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(door);
        _path = Path.Combine(device.Value.StateDirectory, FileName);
        _current = Load(_path, door.Value, logger);
    }

    public string FilePath => _path;

    public AppliedShadowConfig? Current => Volatile.Read(ref _current);

    /// <summary>Uses <paramref name="config"/> from now on (null: the file alone); <see cref="Persist"/> makes it last-good.</summary>
    public void Use(AppliedShadowConfig? config) => Volatile.Write(ref _current, config);

    /// <summary>Saves the current configuration as last-good (temp file, fsync, rename, directory fsync).</summary>
    /// <exception cref="IOException">The state directory could not be written; the previous last-good is still whole.</exception>
    public void Persist()
    {
        AppliedShadowConfig current = Current ?? throw new InvalidOperationException("Nothing applied from the shadow to persist.");
        var file = new JsonObject { ["version"] = current.Version, ["desired"] = current.Document.Desired.DeepClone() };
        DurableFiles.ReplaceAtomically(_path, Encoding.UTF8.GetBytes(file.ToJsonString()));
    }

    public void PostConfigure(string? name, AccessOptions options)
    {
        if ((name ?? Options.DefaultName) == Options.DefaultName && Current?.Document.Access is { } access)
        {
            ConfigDocument.Overlay(options, access);
        }
    }

    /// <summary>Last-good from disk; a file that cannot be read or no longer passes the checks is ignored (and logged), never fatal.</summary>
    private static AppliedShadowConfig? Load(string path, DoorOptions door, ILogger logger)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            JsonObject file = JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject ?? throw new InvalidDataException("not a JSON object");
            long version = file["version"]?.GetValue<long>() ?? throw new InvalidDataException("no version");
            var errors = new List<string>();
            ConfigDocument? document = ConfigDocument.Read(file["desired"]?.DeepClone(), door, errors);
            if (document is null)
            {
                Log.LastGoodIgnored(logger, path, string.Join("; ", errors));
                return null;
            }

            if (document.Access is { } access)
            {
                var candidate = new AccessOptions();
                ConfigDocument.Overlay(candidate, access);
                IReadOnlyList<string> problems = AccessOptionsValidator.Check(candidate);
                if (problems.Count > 0)
                {
                    Log.LastGoodIgnored(logger, path, string.Join("; ", problems));
                    return null;
                }
            }

            Log.LastGoodLoaded(logger, path, version);
            return new AppliedShadowConfig(version, document);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidDataException or InvalidOperationException or FormatException)
        {
            Log.LastGoodIgnored(logger, path, ex.Message);
            return null;
        }
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

using KvsEdge.Common;
namespace KvsEdge.Door;

/// <summary>
/// The relay the last successful start drove (`last-known-relay.json` in Device:StateDirectory): what
/// <c>kvsedge door lock</c> locks when the configuration cannot be read, so a broken config after a crash still
/// leaves the strike locked. <paramref name="TransitionLog"/> is kept for the simulated driver only (tests follow it).
/// </summary>
public sealed record LastKnownRelay(string Driver, int Chip, int Pin, bool ActiveLow, string? TransitionLog)
{
    public const string FileName = "last-known-relay.json";

    /// <summary>What the packaged configuration drives (src/KvsEdge/appsettings.json, DoorOptions defaults): chip 0, pin 17, active-high.</summary>
    public static LastKnownRelay PackagedDefaults { get; } = From(new DoorOptions());

    public static LastKnownRelay From(DoorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        bool simulated = string.Equals(options.Driver, DoorOptions.SimulatedDriver, StringComparison.OrdinalIgnoreCase);
        return new LastKnownRelay(
            options.Driver ?? DoorOptions.LibgpiodDriver, options.Chip, options.Relay?.Pin ?? new RelayOutputOptions().Pin, options.Relay?.ActiveLow ?? false,
            simulated ? options.Simulated?.TransitionLog : null);
    }

    /// <summary>Only what locking needs: the driver, chip and relay line; no LEDs, no fault injection.</summary>
    public DoorOptions ToOptions() => new()
    {
        Driver = Driver,
        Chip = Chip,
        Relay = { Pin = Pin, ActiveLow = ActiveLow },
        Simulated = { TransitionLog = TransitionLog },
    };

    /// <summary>
    /// Writes the file atomically: a temporary file, fsynced, renamed over the old one, then the directory fsynced,
    /// so a power cut leaves the old record or the new one, never a torn one.
    /// </summary>
    public void Save(string stateDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stateDirectory);
        Directory.CreateDirectory(stateDirectory);
        DurableFiles.ReplaceAtomically(
            Path.Combine(stateDirectory, FileName),
            JsonSerializer.SerializeToUtf8Bytes(this, LastKnownRelayJsonContext.Default.LastKnownRelay));
    }

    /// <summary>The saved relay, or null with the reason (no file, unreadable, invalid).</summary>
    public static LastKnownRelay? TryLoad(string stateDirectory, out string problem)
    {
        string path = Path.Combine(stateDirectory, FileName);
        try
        {
            LastKnownRelay? relay = JsonSerializer.Deserialize(File.ReadAllBytes(path), LastKnownRelayJsonContext.Default.LastKnownRelay);
            if (relay is null || relay.Pin is < 0 or > DoorOptionsValidator.MaxPin || relay.Chip < 0 || string.IsNullOrWhiteSpace(relay.Driver))
            {
                problem = $"{path} holds no valid relay";
                return null;
            }

            problem = string.Empty;
            return relay;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            problem = ex is FileNotFoundException or DirectoryNotFoundException ? $"{path} does not exist" : $"{path} cannot be read: {ex.Message}";
            return null;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
[JsonSerializable(typeof(LastKnownRelay))]
internal sealed partial class LastKnownRelayJsonContext : JsonSerializerContext;

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KvsEdge.Common;

namespace KvsEdge.Fleet;

/// <summary>Stores a provisioned identity: key and certificate for the service only, the thing name in the config file.</summary>
internal static class DeviceIdentityFiles
{
    /// <summary>
    /// Writes key then certificate (0600, owned by the service user when run as root), then sets `Iot:ThingName`,
    /// `Iot:CertificatePath` and `Iot:KeyPath` in <paramref name="configPath"/> (created if absent), replacing the file
    /// atomically so a power cut leaves the old configuration or the new one, never half of it.
    /// </summary>
    public static string? Save(ProvisionedDevice device, string certificatePath, string keyPath, string configPath)
    {
        ArgumentNullException.ThrowIfNull(device);
        var owner = SecretFiles.Write(keyPath, device.PrivateKeyPem);
        SecretFiles.Write(certificatePath, device.CertificatePem);
        SetIotKeys(configPath, new Dictionary<string, string>
        {
            ["ThingName"] = device.ThingName,
            ["CertificatePath"] = Path.GetFullPath(certificatePath),
            ["KeyPath"] = Path.GetFullPath(keyPath),
        });
        return owner;
    }

    /// <summary>Sets keys of the `Iot` section in a JSON config file, keeping every other setting as it was.</summary>
    internal static void SetIotKeys(string configPath, IReadOnlyDictionary<string, string> values)
    {
        JsonObject root;
        if (File.Exists(configPath))
        {
            var text = File.ReadAllBytes(configPath);
            root = (text.Length == 0 ? null : JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject)
                ?? (text.Length == 0 ? [] : throw new IOException($"{configPath} is not a JSON object: not changed."));
        }
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(configPath))!);
            root = [];
        }

        var section = root.FirstOrDefault(kv => string.Equals(kv.Key, "Iot", StringComparison.OrdinalIgnoreCase));
        if (section.Value is not JsonObject iot)
        {
            iot = [];
            root[section.Key ?? "Iot"] = iot;
        }

        foreach (var (key, value) in values)
        {
            var existing = iot.FirstOrDefault(kv => string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase)).Key;
            iot[existing ?? key] = value;
        }

        var json = root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        DurableFiles.ReplaceAtomically(configPath, Encoding.UTF8.GetBytes(json));
    }
}

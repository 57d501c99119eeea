using System.Text.Json;
using System.Text.Json.Nodes;

namespace KvsEdge.Iot;

/// <summary>The operations a job document may ask for. Anything else is refused (reported FAILED, never acted on).</summary>
public enum JobOperation
{
    Restart,
    Update,
    SyncFaces,
}

/// <summary>
/// One job document, checked before anything is done: `{"operation":"restart"}`,
/// `{"operation":"update","url":"https://…/kvsedge_1.4.0_arm64.deb","sha256":"&lt;64 hex&gt;","version":"1.4.0"}` or
/// `{"operation":"sync-faces"}`. Safety rule 9: there is no unlock job, and a document that mentions the door, GPIO,
/// a relay, a pin or unlocking anywhere (keys or values) is refused whatever its operation, so no job can open the
/// door or change a GPIO setting. The update's `url`, `sha256` and `version` values are addresses and digests, not
/// settings, and are not searched (a path such as `shipping/` must not be refused for containing "pin").
/// </summary>
public sealed record JobDocument(JobOperation Operation, Uri? Url, string? Sha256, string? Version)
{
    private static readonly string[] ForbiddenWords = ["unlock", "door", "gpio", "relay", "pin", "strike", "pulse"];

    /// <summary>The document as a request, or null with the reason it is refused.</summary>
    public static JobDocument? Read(JsonNode? document, out string? refusal)
    {
        refusal = null;
        if (document is not JsonObject o)
        {
            refusal = "the job document is not a JSON object";
            return null;
        }

        if (Mentions(o) is { } word)
        {
            refusal = $"jobs cannot open the door or change door or GPIO settings (the document mentions '{word}')";
            return null;
        }

        string? operation = Text(o, "operation");
        switch (operation)
        {
            case "restart":
                return new JobDocument(JobOperation.Restart, null, null, null);
            case "sync-faces":
                return new JobDocument(JobOperation.SyncFaces, null, null, null);
            case "update":
                return ReadUpdate(o, out refusal);
            case null:
                refusal = "the job document has no `operation`";
                return null;
            default:
                refusal = $"unknown operation '{operation}' (known: restart, update, sync-faces)";
                return null;
        }
    }

    private static JobDocument? ReadUpdate(JsonObject o, out string? refusal)
    {
        refusal = null;
        string? url = Text(o, "url");
        string? sha = Text(o, "sha256");
        string? version = Text(o, "version");
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("https" or "file"))
        {
            refusal = "`url` must be an absolute https:// (or file://) address of the .deb";
        }
        else if (sha is null || sha.Length != 64 || !sha.All(char.IsAsciiHexDigit))
        {
            refusal = "`sha256` must be the package's SHA-256 as 64 hexadecimal digits";
        }
        else if (string.IsNullOrWhiteSpace(version))
        {
            refusal = "`version` (the version the package installs) is required";
        }
        else
        {
            return new JobDocument(JobOperation.Update, uri, sha.ToLowerInvariant(), version);
        }

        return null;
    }

    private static string? Text(JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>The first forbidden word found in any key or string value, at any depth.</summary>
    internal static string? Mentions(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach ((string key, JsonNode? value) in o)
                {
                    bool opaque = ReferenceEquals(o.Parent, null) && key is "url" or "sha256" or "version";
                    if ((Forbidden(key) ?? (opaque ? null : Mentions(value))) is { } word)
                    {
                        return word;
                    }
                }

                return null;
            case JsonArray a:
                return a.Select(Mentions).FirstOrDefault(w => w is not null);
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return Forbidden(v.GetValue<string>());
            default:
                return null;
        }
    }

    private static string? Forbidden(string text) =>
        ForbiddenWords.FirstOrDefault(w => text.Contains(w, StringComparison.OrdinalIgnoreCase));
}

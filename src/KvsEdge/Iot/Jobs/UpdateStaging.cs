using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using KvsEdge.Common;

namespace KvsEdge.Iot;

/// <summary>What the service asks the root installer to install: the staged package and the hash it was verified with.</summary>
/// <param name="JobId">The IoT job the install belongs to (carried into the result).</param>
/// <param name="Package">The package's file name inside the staging directory (never a path elsewhere).</param>
public sealed record UpdateRequest(string JobId, string Package, string Sha256);

/// <summary>What the root installer did with a request.</summary>
/// <param name="JobId">The request's job id; null when the request itself could not be trusted or read.</param>
/// <param name="Message">dpkg's last line, or why the request was refused.</param>
public sealed record UpdateResult(string? JobId, bool Succeeded, string Message);

/// <summary>
/// The hand-off between the sandboxed service (user kvsedge, NoNewPrivileges, ProtectSystem=strict: dpkg is refused to
/// it) and the root `kvsedge update apply` that kvsedge-update.path starts. The service writes the verified package,
/// then `request.json` (atomically: its appearance is what starts the installer); the installer writes `result.json`
/// and removes both. The directory is the service's (under its state directory), so the installer trusts nothing in it
/// without checking (<see cref="UpdateApplier"/>).
/// </summary>
public sealed class UpdateStaging
{
    /// <summary>The one package file name a request may name.</summary>
    public const string PackageName = "kvsedge.deb";

    public const string DefaultDirectory = "/var/lib/kvsedge/update";

    public UpdateStaging(string directory)
    {
        Directory = directory;
    }

    /// <summary>The staging directory of a service whose state directory is <paramref name="stateDirectory"/>.</summary>
    public static UpdateStaging UnderState(string stateDirectory) => new(Path.Combine(stateDirectory, "update"));

    public string Directory { get; }

    public string PackagePath => Path.Combine(Directory, PackageName);

    public string RequestPath => Path.Combine(Directory, "request.json");

    public string ResultPath => Path.Combine(Directory, "result.json");

    /// <summary>
    /// Service side: copies the verified <paramref name="verifiedPackage"/> in, then writes the request. Both owner-only
    /// (the installer refuses group- or world-writable files); the request last, so the installer never sees a request
    /// without its whole package.
    /// </summary>
    public void Stage(string verifiedPackage, string jobId, string sha256)
    {
        EnsureDirectory();
        if (File.Exists(ResultPath))
        {
            File.Delete(ResultPath); // a result left from an earlier request must not be read as this one's
        }

        string part = PackagePath + ".part";
        File.Delete(part);
        File.Copy(verifiedPackage, part);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(part, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        using (var stream = new FileStream(part, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Flush(flushToDisk: true);
        }

        File.Move(part, PackagePath, overwrite: true);
        DurableFiles.SyncDirectory(Directory);
        var request = new JsonObject { ["jobId"] = jobId, ["package"] = PackageName, ["sha256"] = sha256 };
        DurableFiles.ReplaceAtomically(RequestPath, System.Text.Encoding.UTF8.GetBytes(request.ToJsonString()), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>Service side: takes a request back that no installer picked up (the package with it).</summary>
    public void Withdraw()
    {
        File.Delete(RequestPath);
        File.Delete(PackagePath);
        if (System.IO.Directory.Exists(Directory))
        {
            DurableFiles.SyncDirectory(Directory);
        }
    }

    /// <summary>Service side: the installer's result, or null while there is none.</summary>
    /// <exception cref="InvalidDataException">The file is there but is not a result.</exception>
    public UpdateResult? ReadResult()
    {
        if (!File.Exists(ResultPath))
        {
            return null;
        }

        try
        {
            JsonObject o = JsonNode.Parse(File.ReadAllBytes(ResultPath)) as JsonObject ?? throw new InvalidDataException("not a JSON object");
            string status = o["status"]?.GetValue<string>() ?? throw new InvalidDataException("no status");
            string message = o["message"]?.GetValue<string>() ?? throw new InvalidDataException("no message");
            return new UpdateResult(o["jobId"]?.GetValue<string>(), status == "succeeded", message);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException(ex.Message, ex);
        }
    }

    public void RemoveResult()
    {
        if (File.Exists(ResultPath))
        {
            File.Delete(ResultPath);
            DurableFiles.SyncDirectory(Directory);
        }
    }

    /// <summary>Installer side: the request's fields.</summary>
    /// <exception cref="InvalidDataException">Not a request.</exception>
    public static UpdateRequest ParseRequest(ReadOnlySpan<byte> json)
    {
        try
        {
            JsonObject o = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException("the request is not a JSON object");
            string jobId = o["jobId"]?.GetValue<string>() ?? throw new InvalidDataException("the request has no jobId");
            string package = o["package"]?.GetValue<string>() ?? throw new InvalidDataException("the request has no package");
            string sha256 = o["sha256"]?.GetValue<string>() ?? throw new InvalidDataException("the request has no sha256");
            return new UpdateRequest(jobId, package, sha256);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException("the request is not valid JSON: " + ex.Message, ex);
        }
    }

    /// <summary>The result document (`status`: `succeeded` / `failed`, `message`, `jobId`, `completedAt`).</summary>
    public static byte[] ResultBytes(UpdateResult result, DateTimeOffset completedAt)
    {
        ArgumentNullException.ThrowIfNull(result);
        var o = new JsonObject
        {
            ["jobId"] = result.JobId,
            ["status"] = result.Succeeded ? "succeeded" : "failed",
            ["message"] = result.Message,
            ["completedAt"] = completedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        };
        return System.Text.Encoding.UTF8.GetBytes(o.ToJsonString());
    }

    private void EnsureDirectory()
    {
        if (!System.IO.Directory.Exists(Directory) && !OperatingSystem.IsWindows())
        {
            // Owner-only, like the service's UMask: the installer refuses a group- or world-writable directory.
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}

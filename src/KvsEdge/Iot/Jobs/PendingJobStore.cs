using System.Text.Json;
using System.Text.Json.Nodes;
using KvsEdge.Common;

namespace KvsEdge.Iot;

/// <summary>
/// A job that spans a restart (`restart`, `update`): what was asked, kept in `jobs/pending.json` under the state directory
/// (written atomically, fsynced) before the service stops, so the next start reports it.
/// </summary>
/// <param name="VersionNumber">The job execution's version after our IN_PROGRESS report (the final report's expectedVersion).</param>
/// <param name="ExpectedVersion">For `update`: the version the package installs.</param>
/// <param name="PreviousVersion">For `update`: the version running before it.</param>
/// <param name="StagedAt">For `update`: when the package was handed to the root installer (the wait for it is bounded from here).</param>
/// <param name="RollbackReason">For `update`: set once the update failed and the previous package was handed over instead.</param>
public sealed record PendingJob(
    string JobId,
    string Operation,
    long VersionNumber,
    string? ExpectedVersion = null,
    string? PreviousVersion = null,
    DateTimeOffset? StagedAt = null,
    string? RollbackReason = null);

/// <summary>The `jobs` folder of the state directory: the pending job, the downloaded package, the package kept for a roll back.</summary>
public sealed class PendingJobStore
{
    public PendingJobStore(string stateDirectory)
    {
        Directory = Path.Combine(stateDirectory, "jobs");
    }

    public string Directory { get; }

    public string PendingPath => Path.Combine(Directory, "pending.json");

    /// <summary>The package an update job downloaded and verified (handed to the installer, not yet confirmed).</summary>
    public string StagedPackagePath => Path.Combine(Directory, "staged.deb");

    /// <summary>The package of the last confirmed update: what a failed update rolls back to.</summary>
    public string CurrentPackagePath => Path.Combine(Directory, "current.deb");

    public string DownloadPath => Path.Combine(Directory, "download.part");

    public void EnsureDirectory() => System.IO.Directory.CreateDirectory(Directory);

    /// <exception cref="InvalidDataException">The file exists but is not a pending job.</exception>
    public PendingJob? Read()
    {
        if (!File.Exists(PendingPath))
        {
            return null;
        }

        try
        {
            JsonObject o = JsonNode.Parse(File.ReadAllBytes(PendingPath)) as JsonObject ?? throw new InvalidDataException("not a JSON object");
            string jobId = o["jobId"]?.GetValue<string>() ?? throw new InvalidDataException("no jobId");
            string operation = o["operation"]?.GetValue<string>() ?? throw new InvalidDataException("no operation");
            long version = o["versionNumber"]?.GetValue<long>() ?? throw new InvalidDataException("no versionNumber");
            DateTimeOffset? stagedAt = o["stagedAtMs"]?.GetValue<long>() is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
            return new PendingJob(jobId, operation, version, o["expectedVersion"]?.GetValue<string>(), o["previousVersion"]?.GetValue<string>(),
                stagedAt, o["rollbackReason"]?.GetValue<string>());
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException(ex.Message, ex);
        }
    }

    public void Write(PendingJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        EnsureDirectory();
        var o = new JsonObject
        {
            ["jobId"] = job.JobId,
            ["operation"] = job.Operation,
            ["versionNumber"] = job.VersionNumber,
            ["expectedVersion"] = job.ExpectedVersion,
            ["previousVersion"] = job.PreviousVersion,
            ["stagedAtMs"] = job.StagedAt?.ToUnixTimeMilliseconds(),
            ["rollbackReason"] = job.RollbackReason,
        };
        DurableFiles.ReplaceAtomically(PendingPath, System.Text.Encoding.UTF8.GetBytes(o.ToJsonString()));
    }

    public void Clear()
    {
        if (File.Exists(PendingPath))
        {
            File.Delete(PendingPath);
            DurableFiles.SyncDirectory(Directory);
        }
    }
}

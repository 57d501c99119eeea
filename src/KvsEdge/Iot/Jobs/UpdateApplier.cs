using System.Security.Cryptography;
using KvsEdge.Common;
using Microsoft.Win32.SafeHandles;

namespace KvsEdge.Iot;

/// <summary>
/// `kvsedge update apply`, run as root by kvsedge-update.service when the service staged a request
/// (<see cref="UpdateStaging"/>). Everything in the staging directory was written by the service user, so nothing is
/// trusted: the directory, the request and the package must be what they claim (no symlink, no hard link, owned by root
/// or the directory's owner, not group- or world-writable); the package is copied into a root-only work directory and
/// hashed there, so what dpkg installs is exactly what was checked, and its name must be kvsedge. The result is written
/// back for the service to report, and the request and package removed (the path unit would start this again otherwise).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UpdateApplier
{
    private const long MaxPackageBytes = 512L * 1024 * 1024;
    private const long MaxRequestBytes = 64 * 1024;

    private readonly UpdateStaging _staging;
    private readonly string _workDirectory;
    private readonly IPackageInstaller _installer;
    private readonly TimeProvider _time;

    /// <param name="workDirectory">Root-only (kvsedge-update.service's RuntimeDirectory): where the checked copy is installed from.</param>
    public UpdateApplier(UpdateStaging staging, string workDirectory, IPackageInstaller installer, TimeProvider time)
    {
        _staging = staging;
        _workDirectory = workDirectory;
        _installer = installer;
        _time = time;
    }

    /// <summary>Applies the staged request; null when there is none (nothing is written then).</summary>
    public async Task<UpdateResult?> ApplyAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_staging.RequestPath) && !IsDanglingLink(_staging.RequestPath))
        {
            return null;
        }

        string? jobId = null;
        string copy = Path.Combine(_workDirectory, UpdateStaging.PackageName);
        UpdateResult result;
        try
        {
            Directory.CreateDirectory(_workDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            UnixFileStatus.Info directory = UnixFileStatus.OfPath(_staging.Directory);
            if (!directory.IsDirectory)
            {
                throw new UpdateRefusedException($"{_staging.Directory} is not a directory (a symlink?)");
            }

            if (directory.IsGroupOrWorldWritable)
            {
                throw new UpdateRefusedException($"{_staging.Directory} is group- or world-writable");
            }

            // The service user owns its state directory; files in it from anyone else are not the service's.
            uint owner = directory.Uid;
            UpdateRequest request = UpdateStaging.ParseRequest(ReadChecked(_staging.RequestPath, owner, MaxRequestBytes));
            jobId = request.JobId;
            if (request.Package != UpdateStaging.PackageName)
            {
                throw new UpdateRefusedException($"the request names package '{request.Package}', not {UpdateStaging.PackageName} in the staging directory");
            }

            string actual = CopyChecked(_staging.PackagePath, owner, copy);
            if (!string.Equals(actual, request.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new UpdateRefusedException($"sha256 mismatch: the staged package is {actual}, the request expects {request.Sha256}");
            }

            string name = await _installer.PackageNameAsync(copy, cancellationToken).ConfigureAwait(false);
            if (name != "kvsedge")
            {
                throw new UpdateRefusedException($"the package is '{name}', not kvsedge");
            }

            string last = await _installer.InstallAsync(copy, cancellationToken).ConfigureAwait(false);
            result = new UpdateResult(jobId, true, last);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever went wrong, a result is written and the request removed: a request left behind would make the path
            // unit start this again and again, and the service would wait for a result that never comes.
            string message = ex switch
            {
                UpdateRefusedException => "refused: " + ex.Message,
                InvalidOperationException => ex.Message, // the package tools say what failed (dpkg's reason)
                _ => $"{ex.GetType().Name}: {ex.Message}",
            };
            result = new UpdateResult(jobId, false, message);
        }
        finally
        {
            if (Directory.Exists(_workDirectory))
            {
                File.Delete(copy);
            }
        }

        WriteResult(result);
        // Unlinking removes a symlink itself, never what it points at.
        File.Delete(_staging.PackagePath);
        File.Delete(_staging.RequestPath);
        DurableFiles.SyncDirectory(_staging.Directory);
        return result;
    }

    private static bool IsDanglingLink(string path)
    {
        try
        {
            return UnixFileStatus.OfPath(path).IsSymlink;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Opens <paramref name="path"/> only if it is a plain file the service (or root) wrote and nobody else can change.</summary>
    private static SafeFileHandle OpenChecked(string path, uint owner)
    {
        UnixFileStatus.Info entry = UnixFileStatus.OfPath(path);
        if (entry.IsSymlink)
        {
            throw new UpdateRefusedException($"{path} is a symlink");
        }

        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            // The entry checked above must be the file opened: a swap for a symlink in between shows as another inode.
            UnixFileStatus.Info file = UnixFileStatus.OfHandle(handle, path);
            string? refusal = !file.SameFileAs(entry) ? $"{path} changed while it was opened"
                : !file.IsRegularFile ? $"{path} is not a regular file"
                : file.LinkCount != 1 ? $"{path} has {file.LinkCount} hard links"
                : file.Uid != 0 && file.Uid != owner ? $"{path} is owned by uid {file.Uid}, not the service user or root"
                : file.IsGroupOrWorldWritable ? $"{path} is group- or world-writable"
                : null;
            if (refusal is not null)
            {
                throw new UpdateRefusedException(refusal);
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static byte[] ReadChecked(string path, uint owner, long limit)
    {
        using SafeFileHandle handle = OpenChecked(path, owner);
        using var stream = new FileStream(handle, FileAccess.Read);
        if (stream.Length > limit)
        {
            throw new UpdateRefusedException($"{path} is larger than {limit} bytes");
        }

        var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Copies the checked package into the root-only work directory; returns the copy's SHA-256 (lowercase hex).</summary>
    private static string CopyChecked(string path, uint owner, string copy)
    {
        using SafeFileHandle handle = OpenChecked(path, owner);
        using var source = new FileStream(handle, FileAccess.Read);
        if (source.Length > MaxPackageBytes)
        {
            throw new UpdateRefusedException($"{path} is larger than 512 MiB");
        }

        File.Delete(copy);
        using var target = new FileStream(copy, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            target.Write(buffer, 0, read);
        }

        target.Flush(flushToDisk: true);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// Atomically, without ever following a link the service user may have planted: the temporary file is created
    /// exclusively (O_EXCL fails on any existing entry, a symlink included) and renamed over the result.
    /// </summary>
    private void WriteResult(UpdateResult result)
    {
        byte[] content = UpdateStaging.ResultBytes(result, _time.GetUtcNow());
        string temp = _staging.ResultPath + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + ".tmp";
        // Readable by the service (root writes it; the directory keeps everyone else out).
        UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        using (var stream = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, _staging.ResultPath, overwrite: true);
        DurableFiles.SyncDirectory(_staging.Directory);
    }
}

/// <summary>The staged request or package is not one the installer may trust.</summary>
public sealed class UpdateRefusedException(string message) : Exception(message);

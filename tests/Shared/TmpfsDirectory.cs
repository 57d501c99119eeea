using System.Diagnostics;

namespace KvsEdge.TestSupport;

/// <summary>
/// A small tmpfs for state-directory faults that root cannot bypass (root ignores file modes): read-only (EROFS) or
/// full (ENOSPC). Filled by <c>populate</c>, then remounted read-only unless asked otherwise. Unmounted and removed on
/// dispose. Needs root (the tests run as root); <see cref="TryCreate"/> returns null elsewhere so callers can say why.
/// </summary>
public sealed class TmpfsDirectory : IDisposable
{
    private TmpfsDirectory(string path)
    {
        Path = path;
    }

    public string Path { get; }

    public static TmpfsDirectory? TryCreate(Action<string>? populate = null, string size = "1m", bool readOnly = true)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return null;
        }

        string path = Directory.CreateTempSubdirectory("kvsedge-ro-").FullName;
        if (Run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0755", "tmpfs", path) != 0)
        {
            Directory.Delete(path);
            return null;
        }

        var directory = new TmpfsDirectory(path);
        try
        {
            populate?.Invoke(path);
            if (readOnly && Run("mount", "-o", "remount,ro", path) != 0)
            {
                throw new InvalidOperationException("could not remount " + path + " read-only");
            }
        }
        catch
        {
            directory.Dispose();
            throw;
        }

        return directory;
    }

    /// <summary>Makes the directory writable again (e.g. the disk was fixed).</summary>
    public void MakeWritable()
    {
        if (Run("mount", "-o", "remount,rw", Path) != 0)
        {
            throw new InvalidOperationException("could not remount " + Path + " read-write");
        }
    }

    public void Dispose()
    {
        _ = Run("umount", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Still mounted (busy): leave it for the OS; the tmpfs holds only test data.
        }
    }

    private static int Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}

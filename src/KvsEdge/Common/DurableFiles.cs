using System.Runtime.InteropServices;

namespace KvsEdge.Common;

/// <summary>
/// Makes a rename durable: on Linux a file's directory entry reaches the disk only when the directory itself is
/// fsynced, which .NET offers no API for (it refuses to open a directory as a file).
/// </summary>
internal static partial class DurableFiles
{
    // O_RDONLY | O_CLOEXEC (the same on x64 and arm64 Linux): enough to open a directory for fsync, and never
    // inherited by a child process. O_DIRECTORY is left out: its value differs between x64 and arm64.
    private const int ReadOnlyCloseOnExec = 0x80000;

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="content"/> atomically: a temporary file beside it, fsynced,
    /// the directory fsynced, the rename over it, and the directory fsynced again, so a power cut leaves the old content
    /// or the new, never a torn or empty file.
    /// </summary>
    /// <exception cref="IOException">A step failed; the old file, if any, is still whole.</exception>
    public static void ReplaceAtomically(string path, ReadOnlySpan<byte> content) => ReplaceAtomically(path, content, unixMode: null);

    /// <summary>
    /// As <see cref="ReplaceAtomically(string, ReadOnlySpan{byte})"/>, the new file created with <paramref name="unixMode"/>
    /// (e.g. owner read/write only for data about people); the mode is set before any byte is written.
    /// </summary>
    /// <exception cref="IOException">A step failed; the old file, if any, is still whole.</exception>
    public static void ReplaceAtomically(string path, ReadOnlySpan<byte> content, UnixFileMode? unixMode)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (unixMode is { } mode && !OperatingSystem.IsWindows())
        {
            File.Delete(temp); // UnixCreateMode applies only to a file that is created, not to a stale one reused
            options.UnixCreateMode = mode;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        // The temp file's own entry must be durable before the rename replaces the old file, and the rename itself
        // after it: otherwise a power cut could leave an empty file where the old one was.
        SyncDirectory(directory);
        File.Move(temp, path, overwrite: true);
        SyncDirectory(directory);
    }

    /// <summary>fsyncs <paramref name="directory"/> so the entries created, renamed or removed in it survive a power cut.</summary>
    /// <exception cref="IOException">The directory cannot be opened or synced.</exception>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the appliance runs on Linux; elsewhere (a developer's machine) there is nothing to make durable
        }

        int fd = Open(directory, ReadOnlyCloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory '{directory}' to sync it: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        try
        {
            // EINVAL: the file system does not support syncing a directory (e.g. some FUSE mounts); nothing more to do.
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() != 22)
            {
                throw new IOException($"Cannot sync directory '{directory}': {Marshal.GetLastPInvokeErrorMessage()}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

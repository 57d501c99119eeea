using System.Runtime.InteropServices;

namespace KvsEdge.Hosting;

/// <summary>
/// Makes a rename durable: on Linux a file's directory entry reaches the disk only when the directory itself is
/// fsynced, which .NET offers no API for (it refuses to open a directory as a file).
/// </summary>
internal static partial class DurableFiles
{
    // O_RDONLY: enough to open a directory for fsync; O_DIRECTORY's value differs between x64 and arm64.
    private const int ReadOnly = 0;

    /// <summary>fsyncs <paramref name="directory"/> so the entries created, renamed or removed in it survive a power cut.</summary>
    /// <exception cref="IOException">The directory cannot be opened or synced.</exception>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the appliance runs on Linux; elsewhere (a developer's machine) there is nothing to make durable
        }

        int fd = Open(directory, ReadOnly);
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

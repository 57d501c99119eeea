using System.Runtime.InteropServices;
using System.Text;
using KvsEdge.Common;

namespace KvsEdge.Fleet;

/// <summary>
/// Writes a device certificate or private key so only the service can read it: created 0600 (never world-readable,
/// not even for an instant), fsynced and renamed into place, then, when run as root, handed to the service user
/// (`kvsedge`, made by the package's postinst) so the daemon can read it and nobody else can.
/// </summary>
internal static partial class SecretFiles
{
    public const string ServiceUser = "kvsedge";

    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> (replacing it atomically), mode 0600.</summary>
    /// <returns>The owner given: the service user, or null when the file stays with the current user.</returns>
    public static string? Write(string path, string text, string serviceUser = ServiceUser)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Write(path, Encoding.ASCII.GetBytes(text), serviceUser);
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> (replacing it atomically), mode 0600.</summary>
    /// <returns>The owner given: the service user, or null when the file stays with the current user.</returns>
    public static string? Write(string path, byte[] content, string serviceUser = ServiceUser)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(content);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = full + ".tmp";
        File.Delete(temp);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        var owner = OperatingSystem.IsLinux() && IsRoot() && TryChown(temp, serviceUser) ? serviceUser : null;
        DurableFiles.SyncDirectory(directory);
        File.Move(temp, full, overwrite: true);
        DurableFiles.SyncDirectory(directory);
        return owner;
    }

    private static bool IsRoot() => GetEuid() == 0;

    /// <summary>chown to the user's uid and gid; false when there is no such user (a developer machine, a CI runner).</summary>
    private static bool TryChown(string path, string user)
    {
        var entry = GetPwNam(user);
        if (entry == IntPtr.Zero)
        {
            return false;
        }

        // struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; gid_t pw_gid; … } on 64-bit glibc (x64, arm64).
        var uid = (uint)Marshal.ReadInt32(entry, 2 * IntPtr.Size);
        var gid = (uint)Marshal.ReadInt32(entry, (2 * IntPtr.Size) + 4);
        return Chown(path, uid, gid) == 0
            ? true
            : throw new IOException($"Cannot give '{path}' to user {user}: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetPwNam(string name);

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, uint owner, uint group);
}

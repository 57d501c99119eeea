using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace KvsEdge.Iot;

/// <summary>
/// Owner, mode, link count and identity of a file, by path without following a symlink or by an open handle: what the
/// root installer needs to trust a file the service user wrote, and .NET has no API for. statx(2), not stat(2), because
/// its struct is laid out the same on every architecture (struct stat differs between x64 and arm64).
/// </summary>
internal static partial class UnixFileStatus
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;

    public readonly record struct Info(uint Uid, uint Gid, uint Mode, uint LinkCount, ulong Inode, uint DeviceMajor, uint DeviceMinor)
    {
        public bool IsSymlink => (Mode & 0xF000) == 0xA000;

        public bool IsRegularFile => (Mode & 0xF000) == 0x8000;

        public bool IsDirectory => (Mode & 0xF000) == 0x4000;

        /// <summary>Writable by the group or by everyone (S_IWGRP | S_IWOTH).</summary>
        public bool IsGroupOrWorldWritable => (Mode & 0x12) != 0;

        public bool SameFileAs(Info other) => Inode == other.Inode && DeviceMajor == other.DeviceMajor && DeviceMinor == other.DeviceMinor;
    }

    /// <summary>The entry at <paramref name="path"/> itself (a symlink is reported as one).</summary>
    /// <exception cref="IOException">statx failed (the message names the path and the error).</exception>
    public static Info OfPath(string path)
    {
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, out StatxData data) != 0)
        {
            throw new IOException($"cannot stat {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        return From(data);
    }

    /// <summary>The file <paramref name="handle"/> has open.</summary>
    public static Info OfHandle(SafeFileHandle handle, string pathForErrors)
    {
        ArgumentNullException.ThrowIfNull(handle);
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (Statx((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath, StatxBasicStats, out StatxData data) != 0)
            {
                throw new IOException($"cannot stat the open {pathForErrors}: {Marshal.GetLastPInvokeErrorMessage()}");
            }

            return From(data);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static Info From(in StatxData d) => new(d.Uid, d.Gid, d.Mode, d.LinkCount, d.Inode, d.DeviceMajor, d.DeviceMinor);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, out StatxData buffer);

    // struct statx (linux/stat.h), 256 bytes; only the fields read here are named.
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxData
    {
        [FieldOffset(16)]
        public uint LinkCount;

        [FieldOffset(20)]
        public uint Uid;

        [FieldOffset(24)]
        public uint Gid;

        [FieldOffset(28)]
        public ushort Mode;

        [FieldOffset(32)]
        public ulong Inode;

        [FieldOffset(136)]
        public uint DeviceMajor;

        [FieldOffset(140)]
        public uint DeviceMinor;
    }
}

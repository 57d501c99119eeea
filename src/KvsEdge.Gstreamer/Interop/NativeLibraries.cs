using System.Reflection;
using System.Runtime.InteropServices;

namespace KvsEdge.Gstreamer.Interop;

/// <summary>
/// One logical name per native library (gir.core style). Every <c>[LibraryImport]</c> names the logical
/// library; the resolver maps it to the Debian/Raspberry Pi OS soname once, so no binding hard-codes a path.
/// </summary>
internal static class NativeLibraries
{
    internal const string Gstreamer = "gstreamer";
    internal const string GstApp = "gstapp";
    internal const string GObject = "gobject";
    internal const string GLib = "glib";

    private static readonly Lock s_lock = new();
    private static readonly Dictionary<string, nint> s_loaded = new(StringComparer.Ordinal);
    private static bool s_resolverInstalled;

    /// <summary>Logical name → (soname, package that ships it). The package goes into error messages.</summary>
    internal static (string Soname, string Package) Describe(string logicalName) => logicalName switch
    {
        Gstreamer => ("libgstreamer-1.0.so.0", "libgstreamer1.0-0"),
        GstApp => ("libgstapp-1.0.so.0", "libgstreamer-plugins-base1.0-0"),
        GObject => ("libgobject-2.0.so.0", "libglib2.0-0"),
        GLib => ("libglib-2.0.so.0", "libglib2.0-0"),
        _ => throw new ArgumentOutOfRangeException(nameof(logicalName), logicalName, "Unknown logical native library."),
    };

    /// <summary>Installs the resolver (once per process; the runtime refuses a second one) and loads <paramref name="logicalName"/>.</summary>
    internal static void Require(string logicalName)
    {
        lock (s_lock)
        {
            if (!s_resolverInstalled)
            {
                NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
                s_resolverInstalled = true;
            }

            if (s_loaded.ContainsKey(logicalName))
            {
                return;
            }

            var (soname, package) = Describe(logicalName);
            s_loaded[logicalName] = LoadOrThrow(soname, package);
        }
    }

    /// <summary>Loads a soname or throws a <see cref="GstreamerException"/> that names the package to install.</summary>
    internal static nint LoadOrThrow(string soname, string package)
    {
        if (NativeLibrary.TryLoad(soname, out var handle))
        {
            return handle;
        }

        throw new GstreamerException(
            $"Native library '{soname}' could not be loaded. Install the Debian package '{package}' (apt-get install {package}).");
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        lock (s_lock)
        {
            if (s_loaded.TryGetValue(libraryName, out var loaded))
            {
                return loaded;
            }

            if (libraryName is not (Gstreamer or GstApp or GObject or GLib))
            {
                return 0; // Not ours: let the runtime's default probing handle it.
            }

            if (NativeLibrary.TryLoad(Describe(libraryName).Soname, out var handle))
            {
                s_loaded[libraryName] = handle;
                return handle;
            }

            return 0;
        }
    }
}

using KvsEdge.Gstreamer.Interop;

namespace KvsEdge.Gstreamer;

/// <summary>Process-wide GStreamer entry point.</summary>
public static class Gst
{
    private static readonly Lock s_lock = new();
    private static volatile bool s_initialized;

    /// <summary>
    /// Loads the native libraries and runs gst_init once (idempotent, thread-safe). Every other entry point calls
    /// this, so explicit use is only needed to fail early. A missing libgstreamer throws
    /// <see cref="GstreamerException"/> naming the package to install.
    /// </summary>
    public static void Initialize()
    {
        if (s_initialized)
        {
            return;
        }

        lock (s_lock)
        {
            if (s_initialized)
            {
                return;
            }

            GstProxy.Init();
            s_initialized = true;
        }
    }

    /// <summary>Runtime GStreamer version (gst_version).</summary>
    public static GstVersion Version
    {
        get
        {
            Initialize();
            return GstProxy.Version();
        }
    }

    /// <summary>True when an element factory with this name is registered (e.g. "x264enc", "kvssink").</summary>
    public static bool HasElement(string factoryName)
    {
        ArgumentException.ThrowIfNullOrEmpty(factoryName);
        Initialize();
        return GstProxy.HasElementFactory(factoryName);
    }

    /// <summary>Owned native handles currently alive (leak tests).</summary>
    internal static long LiveHandleCount => GstSafeHandle.LiveCount;

    /// <summary>GCHandles currently lent to native signal handlers and probes (leak tests).</summary>
    internal static long LiveCallbackCount => CallbackProxy.LiveCount;
}

/// <summary>GStreamer runtime version.</summary>
public readonly record struct GstVersion(uint Major, uint Minor, uint Micro, uint Nano)
{
    public override string ToString() => $"{Major}.{Minor}.{Micro}.{Nano}";
}

/// <summary>GstState.</summary>
public enum PipelineState
{
    VoidPending = 0,
    Null = 1,
    Ready = 2,
    Paused = 3,
    Playing = 4,
}

/// <summary>GstStateChangeReturn.</summary>
public enum StateChangeResult
{
    Failure = 0,
    Success = 1,
    Async = 2,
    NoPreroll = 3,
}

/// <summary>Result of <see cref="Pipeline.GetState"/>: Async means the change was still in progress at the timeout.</summary>
public readonly record struct PipelineStateSnapshot(StateChangeResult Result, PipelineState Current, PipelineState Pending);

/// <summary>The one exception type of this library: native failures, bad descriptions, property errors.</summary>
public sealed class GstreamerException : Exception
{
    public GstreamerException()
    {
    }

    public GstreamerException(string message)
        : base(message)
    {
    }

    public GstreamerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Element factories a pipeline description named but the registry lacks (empty otherwise).</summary>
    public IReadOnlyList<string> MissingElements { get; init; } = [];
}

using System.Runtime.InteropServices;

namespace KvsEdge.Gstreamer.Interop;

/// <summary>
/// Base for every owned native reference. Counts live handles so leak tests can compare against a baseline:
/// incremented when the handle object is created, decremented exactly once when it is released
/// (or disposed while still invalid, since ReleaseHandle never runs for a NULL return).
/// </summary>
internal abstract class GstSafeHandle : SafeHandle
{
    private static long s_live;
    private int _counted = 1;

    protected GstSafeHandle()
        : base(0, ownsHandle: true)
    {
        Interlocked.Increment(ref s_live);
    }

    internal static long LiveCount => Interlocked.Read(ref s_live);

    public override bool IsInvalid => handle == 0;

    protected override void Dispose(bool disposing)
    {
        if (IsInvalid)
        {
            Uncount();
        }

        base.Dispose(disposing);
    }

    protected sealed override bool ReleaseHandle()
    {
        Uncount();
        Release(handle);
        return true;
    }

    protected abstract void Release(nint value);

    private void Uncount()
    {
        if (Interlocked.Exchange(ref _counted, 0) == 1)
        {
            Interlocked.Decrement(ref s_live);
        }
    }
}

/// <summary>A strong ref on a GstObject (element, pipeline, bus, pad, factory): released with gst_object_unref.</summary>
internal sealed class GstObjectHandle : GstSafeHandle
{
    public GstObjectHandle()
    {
    }

    /// <summary>Wraps a pointer we already own a full (non-floating) reference to.</summary>
    internal static GstObjectHandle Own(nint pointer)
    {
        var h = new GstObjectHandle();
        h.SetHandle(pointer);
        return h;
    }

    protected override void Release(nint value) => GstNative.gst_object_unref(value);
}

/// <summary>A ref on a GstMiniObject (message, sample): released with gst_mini_object_unref.</summary>
internal sealed class MiniObjectHandle : GstSafeHandle
{
    public MiniObjectHandle()
    {
    }

    protected override void Release(nint value) => GstNative.gst_mini_object_unref(value);
}

/// <summary>A GError* we own: released with g_error_free.</summary>
internal sealed class GErrorHandle : GstSafeHandle
{
    public GErrorHandle()
    {
    }

    /// <summary>The error's message text (copied), or null for no error.</summary>
    internal unsafe string? Message => IsInvalid ? null : Marshal.PtrToStringUTF8(((GError*)handle)->Message);

    internal unsafe int Code => IsInvalid ? 0 : ((GError*)handle)->Code;

    internal unsafe string? Domain => IsInvalid ? null : Marshal.PtrToStringUTF8(GLibNative.g_quark_to_string(((GError*)handle)->Domain));

    protected override void Release(nint value) => GLibNative.g_error_free(value);
}

/// <summary>A gchar* (transfer full) we must g_free: copy it out, then free.</summary>
internal sealed class GStringHandle : GstSafeHandle
{
    public GStringHandle()
    {
    }

    /// <summary>Copies the string and frees the native memory.</summary>
    internal string? TakeString()
    {
        try
        {
            return IsInvalid ? null : Marshal.PtrToStringUTF8(handle);
        }
        finally
        {
            Dispose();
        }
    }

    protected override void Release(nint value) => GLibNative.g_free(value);
}

/// <summary>GstParseContext*: records which elements a description named but the registry lacks.</summary>
internal sealed class ParseContextHandle : GstSafeHandle
{
    public ParseContextHandle()
    {
    }

    protected override void Release(nint value) => GstNative.gst_parse_context_free(value);
}

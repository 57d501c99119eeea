using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KvsEdge.Gstreamer.Interop;

/// <summary>Receives native callbacks; implementations run on GStreamer streaming threads and must not throw.</summary>
internal interface ISignalTarget
{
    void OnSignal(ulong argument);
}

/// <summary>Receives pad-probe callbacks on streaming threads.</summary>
internal interface IProbeTarget
{
    void OnBuffers(long buffers, long bytes);
}

/// <summary>
/// Signals and pad probes. Managed state travels as a GCHandle in user_data; GLib calls the destroy notify when
/// the handler/probe is removed (or the object dies), and that is the only place the GCHandle is freed, so a
/// callback racing with removal never sees a freed handle.
/// </summary>
internal static unsafe class CallbackProxy
{
    private static long s_liveCallbacks;

    /// <summary>GCHandles currently held by native code (leak tests compare against a baseline).</summary>
    internal static long LiveCount => Interlocked.Read(ref s_liveCallbacks);

    internal static nint Alloc(object target)
    {
        Interlocked.Increment(ref s_liveCallbacks);
        return GCHandle.ToIntPtr(GCHandle.Alloc(target));
    }

    internal static void Free(nint data)
    {
        GCHandle.FromIntPtr(data).Free();
        Interlocked.Decrement(ref s_liveCallbacks);
    }

    /// <summary>
    /// Connects <paramref name="target"/> to a signal, choosing a callback whose C arity matches the signal's
    /// (looked up with g_signal_query): a mismatched arity would read user_data from the wrong register.
    /// </summary>
    internal static nuint ConnectNotification(GstObjectHandle instance, string signal, ISignalTarget target)
    {
        var query = Query(instance, signal);
        if (Fundamental(query.ReturnType) is GConstants.TypeDouble or GConstants.TypeFloat)
        {
            throw new GstreamerException($"Signal '{signal}' returns a floating-point value; not supported.");
        }

        var types = (nuint*)query.ParamTypes;
        for (var i = 0; i < query.ParamCount; i++)
        {
            var f = Fundamental(types[i]);
            // Floating-point args travel in FP registers and 64-bit ints take two registers on 32-bit ARM.
            if (f is GConstants.TypeDouble or GConstants.TypeFloat ||
                (nint.Size == 4 && f is GConstants.TypeInt64 or GConstants.TypeUInt64))
            {
                throw new GstreamerException($"Signal '{signal}' has a parameter of type {PropertyProxy.TypeName(types[i])}; not supported.");
            }
        }

        nint handler = query.ParamCount switch
        {
            0 => (nint)(delegate* unmanaged<nint, nint, nint>)&OnSignal0,
            1 => (nint)(delegate* unmanaged<nint, nint, nint, nint>)&OnSignal1,
            2 => (nint)(delegate* unmanaged<nint, nint, nint, nint, nint>)&OnSignal2,
            3 => (nint)(delegate* unmanaged<nint, nint, nint, nint, nint, nint>)&OnSignal3,
            _ => throw new GstreamerException($"Signal '{signal}' has {query.ParamCount} parameters; at most 3 are supported."),
        };
        return Connect(instance, signal, handler, target);
    }

    /// <summary>kvssink "stream-error": void (GstElement*, guint64 error, gpointer user_data).</summary>
    internal static nuint ConnectUInt64(GstObjectHandle instance, string signal, ISignalTarget target)
    {
        var query = Query(instance, signal);
        var types = (nuint*)query.ParamTypes;
        if (query.ParamCount != 1 || Fundamental(types[0]) != GConstants.TypeUInt64)
        {
            throw new GstreamerException($"Signal '{signal}' does not have the signature (guint64).");
        }

        return Connect(instance, signal, (nint)(delegate* unmanaged<nint, ulong, nint, void>)&OnUInt64Signal, target);
    }

    internal static void Disconnect(GstObjectHandle instance, nuint id)
    {
        if (GObjectNative.g_signal_handler_is_connected(instance, id))
        {
            GObjectNative.g_signal_handler_disconnect(instance, id); // runs FreeSignalData
        }
    }

    private static nuint Connect(GstObjectHandle instance, string signal, nint handler, object target)
    {
        var data = Alloc(target);
        var id = GObjectNative.g_signal_connect_data(instance, signal, handler, data, &FreeSignalData, 0);
        if (id == 0)
        {
            Free(data); // never connected, so GLib will not call the destroy notify
            throw new GstreamerException($"Could not connect to signal '{signal}'.");
        }

        return id;
    }

    private static GSignalQuery Query(GstObjectHandle instance, string signal)
    {
        var added = false;
        try
        {
            instance.DangerousAddRef(ref added);
            var raw = instance.DangerousGetHandle();
            var itype = *(nuint*)*(nint*)raw; // G_TYPE_FROM_INSTANCE: instance->g_class->g_type
            if (!GObjectNative.g_signal_parse_name(signal, itype, out var id, out _, false))
            {
                throw new GstreamerException($"Element '{GstProxy.GetName(raw)}' has no signal '{signal}'.");
            }

            GSignalQuery query;
            GObjectNative.g_signal_query(id, &query);
            return query;
        }
        finally
        {
            if (added)
            {
                instance.DangerousRelease();
            }
        }
    }

    private static nuint Fundamental(nuint type) => GObjectNative.g_type_fundamental(type & ~GConstants.SignalTypeStaticScope);

    internal static nuint AddBufferProbe(GstObjectHandle pad, IProbeTarget target)
    {
        var data = Alloc(target);
        var id = GstNative.gst_pad_add_probe(
            pad, GConstants.PadProbeTypeBuffer | GConstants.PadProbeTypeBufferList, &OnProbe, data, &FreeProbeData);
        if (id == 0)
        {
            // Not installed: GStreamer has already called the destroy notify for user_data.
            throw new GstreamerException("Could not add a buffer probe.");
        }

        return id;
    }

    internal static void RemoveProbe(GstObjectHandle pad, nuint id) => GstNative.gst_pad_remove_probe(pad, id);

    internal static GstObjectHandle GetStaticPad(GstObjectHandle element, string padName)
    {
        var pad = GstNative.gst_element_get_static_pad(element, padName);
        if (pad.IsInvalid)
        {
            pad.Dispose();
            throw new GstreamerException($"Element '{GstProxy.GetName(element)}' has no static pad '{padName}'.");
        }

        return pad;
    }

    // ---- native → managed entry points. Never let an exception cross into C. ----

    [UnmanagedCallersOnly]
    private static nint OnSignal0(nint instance, nint data) => Dispatch(data, 0);

    [UnmanagedCallersOnly]
    private static nint OnSignal1(nint instance, nint a1, nint data) => Dispatch(data, 0);

    [UnmanagedCallersOnly]
    private static nint OnSignal2(nint instance, nint a1, nint a2, nint data) => Dispatch(data, 0);

    [UnmanagedCallersOnly]
    private static nint OnSignal3(nint instance, nint a1, nint a2, nint a3, nint data) => Dispatch(data, 0);

    [UnmanagedCallersOnly]
    private static void OnUInt64Signal(nint instance, ulong argument, nint data) => Dispatch(data, argument);

    /// <summary>Returns 0: GST_FLOW_OK / FALSE for signals that expect a value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint Dispatch(nint data, ulong argument)
    {
        try
        {
            if (GCHandle.FromIntPtr(data).Target is ISignalTarget target)
            {
                target.OnSignal(argument);
            }
        }
#pragma warning disable CA1031 // An exception must not unwind through GLib; targets count their own faults.
        catch
#pragma warning restore CA1031
        {
        }

        return 0;
    }

    /// <summary>Test seam: calls the stream-error entry point through its native function pointer.</summary>
    internal static void RaiseUInt64(nint data, ulong argument) =>
        ((delegate* unmanaged<nint, ulong, nint, void>)&OnUInt64Signal)(0, argument, data);

    [UnmanagedCallersOnly]
    private static void FreeSignalData(nint data, nint closure) => Free(data);

    [UnmanagedCallersOnly]
    private static int OnProbe(nint pad, nint info, nint data)
    {
        try
        {
            var type = ((GstPadProbeInfo*)info)->Type;
            long buffers = 0, bytes = 0;
            if ((type & GConstants.PadProbeTypeBuffer) != 0)
            {
                var buffer = GstNative.gst_pad_probe_info_get_buffer(info);
                if (buffer != 0)
                {
                    buffers = 1;
                    bytes = (long)GstNative.gst_buffer_get_size(buffer);
                }
            }
            else if ((type & GConstants.PadProbeTypeBufferList) != 0)
            {
                var list = GstNative.gst_pad_probe_info_get_buffer_list(info);
                if (list != 0)
                {
                    buffers = GstNative.gst_buffer_list_length(list);
                    bytes = (long)GstNative.gst_buffer_list_calculate_size(list);
                }
            }

            if (buffers > 0 && GCHandle.FromIntPtr(data).Target is IProbeTarget target)
            {
                target.OnBuffers(buffers, bytes);
            }
        }
#pragma warning disable CA1031 // An exception must not unwind through GStreamer's streaming thread.
        catch
#pragma warning restore CA1031
        {
        }

        return GConstants.PadProbeOk;
    }

    [UnmanagedCallersOnly]
    private static void FreeProbeData(nint data) => Free(data);
}

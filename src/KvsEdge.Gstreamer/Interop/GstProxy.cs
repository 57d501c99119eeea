using System.Runtime.InteropServices;

namespace KvsEdge.Gstreamer.Interop;

/// <summary>
/// Proxy layer: typed calls over the raw bindings, native failures turned into <see cref="GstreamerException"/>.
/// Callers above this folder never see a gst_/g_ name or a raw pointer they must free.
/// </summary>
internal static unsafe class GstProxy
{
    internal static void Init()
    {
        NativeLibraries.Require(NativeLibraries.GLib);
        NativeLibraries.Require(NativeLibraries.GObject);
        NativeLibraries.Require(NativeLibraries.Gstreamer);
        if (!GstNative.gst_init_check(0, 0, out var error))
        {
            using (error)
            {
                throw new GstreamerException("GStreamer initialisation failed: " + (error.Message ?? "unknown error"));
            }
        }

        error.Dispose();
    }

    internal static GstVersion Version()
    {
        GstNative.gst_version(out var major, out var minor, out var micro, out var nano);
        return new GstVersion(major, minor, micro, nano);
    }

    internal static bool HasElementFactory(string name)
    {
        using var factory = GstNative.gst_element_factory_find(name);
        return !factory.IsInvalid;
    }

    internal static string GetName(GstObjectHandle obj)
    {
        var added = false;
        try
        {
            obj.DangerousAddRef(ref added);
            return GstNative.gst_object_get_name(obj.DangerousGetHandle()).TakeString() ?? string.Empty;
        }
        finally
        {
            if (added)
            {
                obj.DangerousRelease();
            }
        }
    }

    /// <summary>Name of a borrowed GstObject* (e.g. a message source); null for NULL.</summary>
    internal static string? GetName(nint borrowedObject) =>
        borrowedObject == 0 ? null : GstNative.gst_object_get_name(borrowedObject).TakeString();

    internal static string? GetFactoryName(GstObjectHandle element)
    {
        var factory = GstNative.gst_element_get_factory(element); // transfer none
        return GetName(factory); // the factory is a GstObject named after the feature
    }

    /// <summary>True when the object is an instance of <paramref name="type"/> (G_TYPE_CHECK_INSTANCE_TYPE).</summary>
    internal static bool IsA(GstObjectHandle obj, nuint type)
    {
        var added = false;
        try
        {
            obj.DangerousAddRef(ref added);
            return GObjectNative.g_type_check_instance_is_a(obj.DangerousGetHandle(), type);
        }
        finally
        {
            if (added)
            {
                obj.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// gst_parse_launch_full with FATAL_ERRORS: NULL plus a GError on any problem, so a description with a
    /// missing element never yields a half-built pipeline. The parse context lists the missing factory names.
    /// </summary>
    internal static GstObjectHandle ParseLaunch(string description)
    {
        using var context = GstNative.gst_parse_context_new();
        var raw = GstNative.gst_parse_launch_full(description, context, GConstants.ParseFlagFatalErrors, out var error);
        using (error)
        {
            if (raw != 0)
            {
                // The result is floating: sink it so our handle owns a normal reference.
                GstNative.gst_object_ref_sink(raw);
            }

            var element = GstObjectHandle.Own(raw);
            if (!error.IsInvalid || element.IsInvalid)
            {
                element.Dispose();
                var missing = MissingElements(context);
                var text = error.Message ?? "unknown parse error";
                var message = missing.Count > 0
                    ? $"Pipeline description could not be built: {text} (missing element(s): {string.Join(", ", missing)}). Description: {description}"
                    : $"Pipeline description could not be built: {text}. Description: {description}";
                throw new GstreamerException(message) { MissingElements = missing };
            }

            return EnsurePipeline(element);
        }
    }

    /// <summary>A description with a single element comes back bare; put it in a pipeline so it has a bus and a clock.</summary>
    private static GstObjectHandle EnsurePipeline(GstObjectHandle element)
    {
        if (IsA(element, GstNative.gst_pipeline_get_type()))
        {
            return element;
        }

        using (element)
        {
            var raw = GstNative.gst_pipeline_new(null);
            GstNative.gst_object_ref_sink(raw);
            var pipeline = GstObjectHandle.Own(raw);
            if (!GstNative.gst_bin_add(pipeline, element))
            {
                pipeline.Dispose();
                throw new GstreamerException("Could not place the element into a pipeline.");
            }

            return pipeline;
        }
    }

    private static List<string> MissingElements(ParseContextHandle context)
    {
        var list = new List<string>();
        var strv = GstNative.gst_parse_context_get_missing_elements(context);
        if (strv == 0)
        {
            return list;
        }

        try
        {
            for (var p = (nint*)strv; *p != 0; p++)
            {
                list.Add(Marshal.PtrToStringUTF8(*p) ?? string.Empty);
            }
        }
        finally
        {
            GLibNative.g_strfreev(strv);
        }

        return list;
    }

    internal static StateChangeResult SetState(GstObjectHandle element, PipelineState state) =>
        (StateChangeResult)GstNative.gst_element_set_state(element, (int)state);

    internal static PipelineStateSnapshot GetState(GstObjectHandle element, TimeSpan timeout)
    {
        var result = GstNative.gst_element_get_state(element, out var current, out var pending, ToClockTime(timeout));
        return new PipelineStateSnapshot((StateChangeResult)result, (PipelineState)current, (PipelineState)pending);
    }

    internal static bool SendEndOfStream(GstObjectHandle element) =>
        GstNative.gst_element_send_event(element, GstNative.gst_event_new_eos());

    /// <summary>A segment seek to the start: the pipeline posts SEGMENT_DONE instead of EOS at the end.</summary>
    internal static bool SeekSegmentToStart(GstObjectHandle element, bool flush) =>
        GstNative.gst_element_seek_simple(
            element,
            GConstants.FormatTime,
            GConstants.SeekFlagSegment | GConstants.SeekFlagAccurate | (flush ? GConstants.SeekFlagFlush : 0),
            0);

    internal static GstObjectHandle? GetByName(GstObjectHandle bin, string name)
    {
        var child = GstNative.gst_bin_get_by_name(bin, name);
        if (child.IsInvalid)
        {
            child.Dispose();
            return null;
        }

        return child;
    }

    internal static GstObjectHandle GetBus(GstObjectHandle element)
    {
        var bus = GstNative.gst_element_get_bus(element);
        if (bus.IsInvalid)
        {
            bus.Dispose();
            throw new GstreamerException("The pipeline has no bus.");
        }

        return bus;
    }

    /// <summary>A second, independently owned reference to the same object.</summary>
    internal static GstObjectHandle NewReference(GstObjectHandle obj)
    {
        var added = false;
        try
        {
            obj.DangerousAddRef(ref added);
            return GstObjectHandle.Own(GstNative.gst_object_ref(obj.DangerousGetHandle()));
        }
        finally
        {
            if (added)
            {
                obj.DangerousRelease();
            }
        }
    }

    internal static void RecalculateLatency(GstObjectHandle bin) => GstNative.gst_bin_recalculate_latency(bin);

    /// <summary>TimeSpan → GstClockTime (ns); infinite maps to GST_CLOCK_TIME_NONE (wait forever).</summary>
    internal static ulong ToClockTime(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return GConstants.ClockTimeNone;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        return (ulong)timeout.Ticks * 100;
    }
}

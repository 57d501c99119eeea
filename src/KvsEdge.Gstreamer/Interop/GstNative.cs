using System.Runtime.InteropServices;

namespace KvsEdge.Gstreamer.Interop;

#pragma warning disable SA1300, IDE1006 // Native names are kept verbatim so they can be grepped against the C API.

/// <summary>Raw libgstreamer-1.0 entry points. Transfer-full results come back as SafeHandles.</summary>
internal static unsafe partial class GstNative
{
    private const string Lib = NativeLibraries.Gstreamer;

    [LibraryImport(Lib)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool gst_init_check(nint argc, nint argv, out GErrorHandle error);

    [LibraryImport(Lib)]
    internal static partial void gst_version(out uint major, out uint minor, out uint micro, out uint nano);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial GstObjectHandle gst_element_factory_find(string name);

    [LibraryImport(Lib)]
    internal static partial void gst_object_unref(nint obj);

    [LibraryImport(Lib)]
    internal static partial nint gst_object_ref_sink(nint obj);

    [LibraryImport(Lib)]
    internal static partial nint gst_object_ref(nint obj);

    [LibraryImport(Lib)]
    internal static partial GStringHandle gst_object_get_name(nint obj);

    [LibraryImport(Lib)]
    internal static partial void gst_mini_object_unref(nint obj);

    [LibraryImport(Lib)]
    internal static partial ParseContextHandle gst_parse_context_new();

    [LibraryImport(Lib)]
    internal static partial void gst_parse_context_free(nint context);

    [LibraryImport(Lib)]
    internal static partial nint gst_parse_context_get_missing_elements(ParseContextHandle context);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint gst_parse_launch_full(string description, ParseContextHandle context, int flags, out GErrorHandle error);

    [LibraryImport(Lib)]
    internal static partial nuint gst_pipeline_get_type();

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint gst_pipeline_new(string? name);

    [LibraryImport(Lib)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool gst_bin_add(GstObjectHandle bin, GstObjectHandle element);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial GstObjectHandle gst_bin_get_by_name(GstObjectHandle bin, string name);

    [LibraryImport(Lib)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool gst_bin_recalculate_latency(GstObjectHandle bin);

    [LibraryImport(Lib)]
    internal static partial int gst_element_set_state(GstObjectHandle element, int state);

    [LibraryImport(Lib)]
    internal static partial int gst_element_get_state(GstObjectHandle element, out int state, out int pending, ulong timeout);

    [LibraryImport(Lib)]
    internal static partial nint gst_event_new_eos();

    /// <summary>Takes ownership of <paramref name="evt"/> (transfer full).</summary>
    [LibraryImport(Lib)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool gst_element_send_event(GstObjectHandle element, nint evt);

    [LibraryImport(Lib)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool gst_element_seek_simple(GstObjectHandle element, int format, int seekFlags, long seekPosition);

    [LibraryImport(Lib)]
    internal static partial GstObjectHandle gst_element_get_bus(GstObjectHandle element);

    [LibraryImport(Lib)]
    internal static partial nint gst_element_get_factory(GstObjectHandle element);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial GstObjectHandle gst_element_get_static_pad(GstObjectHandle element, string name);

    [LibraryImport(Lib)]
    internal static partial MiniObjectHandle gst_bus_timed_pop_filtered(GstObjectHandle bus, ulong timeout, int types);

    [LibraryImport(Lib)]
    internal static partial void gst_message_parse_error(MiniObjectHandle message, out GErrorHandle error, out GStringHandle debug);

    [LibraryImport(Lib)]
    internal static partial void gst_message_parse_warning(MiniObjectHandle message, out GErrorHandle error, out GStringHandle debug);

    [LibraryImport(Lib)]
    internal static partial void gst_message_parse_info(MiniObjectHandle message, out GErrorHandle error, out GStringHandle debug);

    [LibraryImport(Lib)]
    internal static partial void gst_message_parse_state_changed(MiniObjectHandle message, out int oldState, out int newState, out int pending);

    [LibraryImport(Lib)]
    internal static partial nint gst_message_get_structure(MiniObjectHandle message);

    [LibraryImport(Lib)]
    internal static partial nint gst_structure_get_name(nint structure);

    [LibraryImport(Lib)]
    internal static partial GStringHandle gst_structure_to_string(nint structure);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool gst_structure_get_int(nint structure, string field, out int value);

    /// <summary>Transfer none: the string belongs to the structure.</summary>
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint gst_structure_get_string(nint structure, string field);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool gst_value_deserialize(GValue* value, string text);

    [LibraryImport(Lib)]
    internal static partial nuint gst_pad_add_probe(GstObjectHandle pad, int mask, delegate* unmanaged<nint, nint, nint, int> callback, nint userData, delegate* unmanaged<nint, void> destroy);

    [LibraryImport(Lib)]
    internal static partial void gst_pad_remove_probe(GstObjectHandle pad, nuint id);

    [LibraryImport(Lib)]
    internal static partial nint gst_pad_probe_info_get_buffer(nint info);

    [LibraryImport(Lib)]
    internal static partial nint gst_pad_probe_info_get_buffer_list(nint info);

    [LibraryImport(Lib)]
    internal static partial nuint gst_buffer_get_size(nint buffer);

    [LibraryImport(Lib)]
    internal static partial nuint gst_buffer_extract(nint buffer, nuint offset, byte* dest, nuint size);

    [LibraryImport(Lib)]
    internal static partial nint gst_buffer_new_allocate(nint allocator, nuint size, nint parameters);

    [LibraryImport(Lib)]
    internal static partial nuint gst_buffer_fill(nint buffer, nuint offset, byte* src, nuint size);

    [LibraryImport(Lib)]
    internal static partial uint gst_buffer_list_length(nint list);

    [LibraryImport(Lib)]
    internal static partial nuint gst_buffer_list_calculate_size(nint list);

    [LibraryImport(Lib)]
    internal static partial nint gst_sample_get_buffer(MiniObjectHandle sample);

    [LibraryImport(Lib)]
    internal static partial nint gst_sample_get_caps(MiniObjectHandle sample);

    [LibraryImport(Lib)]
    internal static partial nint gst_caps_get_structure(nint caps, uint index);

    [LibraryImport(Lib)]
    internal static partial uint gst_caps_get_size(nint caps);
}

/// <summary>Raw libgstapp-1.0 entry points.</summary>
internal static partial class GstAppNative
{
    private const string Lib = NativeLibraries.GstApp;

    [LibraryImport(Lib)]
    internal static partial nuint gst_app_sink_get_type();

    [LibraryImport(Lib)]
    internal static partial MiniObjectHandle gst_app_sink_try_pull_sample(GstObjectHandle appsink, ulong timeout);

    [LibraryImport(Lib)]
    internal static partial nuint gst_app_src_get_type();

    /// <summary>Takes ownership of <paramref name="buffer"/> (transfer full), whatever it returns.</summary>
    [LibraryImport(Lib)]
    internal static partial int gst_app_src_push_buffer(GstObjectHandle appsrc, nint buffer);

    [LibraryImport(Lib)]
    internal static partial int gst_app_src_end_of_stream(GstObjectHandle appsrc);
}

/// <summary>Raw libgobject-2.0 entry points (properties, signals, type checks).</summary>
internal static unsafe partial class GObjectNative
{
    private const string Lib = NativeLibraries.GObject;

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial GParamSpec* g_object_class_find_property(nint objectClass, string name);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void g_object_set_property(GstObjectHandle obj, string name, GValue* value);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void g_object_get_property(GstObjectHandle obj, string name, GValue* value);

    [LibraryImport(Lib)]
    internal static partial GValue* g_value_init(GValue* value, nuint type);

    [LibraryImport(Lib)]
    internal static partial void g_value_unset(GValue* value);

    [LibraryImport(Lib)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool g_param_value_validate(GParamSpec* pspec, GValue* value);

    [LibraryImport(Lib)]
    internal static partial void g_value_set_int(GValue* value, int v);

    [LibraryImport(Lib)]
    internal static partial void g_value_set_uint(GValue* value, uint v);

    [LibraryImport(Lib)]
    internal static partial void g_value_set_long(GValue* value, nint v);

    [LibraryImport(Lib)]
    internal static partial void g_value_set_ulong(GValue* value, nuint v);

    [LibraryImport(Lib)]
    internal static partial void g_value_set_int64(GValue* value, long v);

    [LibraryImport(Lib)]
    internal static partial void g_value_set_uint64(GValue* value, ulong v);

    [LibraryImport(Lib)]
    internal static partial void g_value_set_double(GValue* value, double v);

    [LibraryImport(Lib)]
    internal static partial void g_value_set_float(GValue* value, float v);

    [LibraryImport(Lib)]
    internal static partial void g_value_set_boolean(GValue* value, [MarshalAs(UnmanagedType.Bool)] bool v);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void g_value_set_string(GValue* value, string? v);

    [LibraryImport(Lib)]
    internal static partial int g_value_get_int(GValue* value);

    [LibraryImport(Lib)]
    internal static partial uint g_value_get_uint(GValue* value);

    [LibraryImport(Lib)]
    internal static partial nint g_value_get_long(GValue* value);

    [LibraryImport(Lib)]
    internal static partial nuint g_value_get_ulong(GValue* value);

    [LibraryImport(Lib)]
    internal static partial long g_value_get_int64(GValue* value);

    [LibraryImport(Lib)]
    internal static partial ulong g_value_get_uint64(GValue* value);

    [LibraryImport(Lib)]
    internal static partial double g_value_get_double(GValue* value);

    [LibraryImport(Lib)]
    internal static partial float g_value_get_float(GValue* value);

    [LibraryImport(Lib)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool g_value_get_boolean(GValue* value);

    [LibraryImport(Lib)]
    internal static partial nint g_value_get_string(GValue* value);

    [LibraryImport(Lib)]
    internal static partial int g_value_get_enum(GValue* value);

    [LibraryImport(Lib)]
    internal static partial nuint g_type_fundamental(nuint type);

    [LibraryImport(Lib)]
    internal static partial nint g_type_name(nuint type);

    [LibraryImport(Lib)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool g_type_check_instance_is_a(nint instance, nuint type);

    [LibraryImport(Lib)]
    internal static partial nint g_type_class_ref(nuint type);

    [LibraryImport(Lib)]
    internal static partial void g_type_class_unref(nint typeClass);

    [LibraryImport(Lib)]
    internal static partial GEnumValue* g_enum_get_value(nint enumClass, int value);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool g_signal_parse_name(string detailedSignal, nuint instanceType, out uint signalId, out uint detail, [MarshalAs(UnmanagedType.Bool)] bool forceDetailQuark);

    [LibraryImport(Lib)]
    internal static partial void g_signal_query(uint signalId, GSignalQuery* query);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nuint g_signal_connect_data(GstObjectHandle instance, string detailedSignal, nint handler, nint data, delegate* unmanaged<nint, nint, void> destroyData, int connectFlags);

    [LibraryImport(Lib)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool g_signal_handler_is_connected(GstObjectHandle instance, nuint handlerId);

    [LibraryImport(Lib)]
    internal static partial void g_signal_handler_disconnect(GstObjectHandle instance, nuint handlerId);
}

/// <summary>Raw libglib-2.0 entry points.</summary>
internal static partial class GLibNative
{
    private const string Lib = NativeLibraries.GLib;

    [LibraryImport(Lib)]
    internal static partial void g_free(nint memory);

    [LibraryImport(Lib)]
    internal static partial void g_strfreev(nint strv);

    [LibraryImport(Lib)]
    internal static partial void g_error_free(nint error);

    [LibraryImport(Lib)]
    internal static partial nint g_quark_to_string(uint quark);
}

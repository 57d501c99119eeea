using System.Runtime.InteropServices;

namespace KvsEdge.Gstreamer.Interop;

/// <summary>appsink pulls and GstSample reads.</summary>
internal static unsafe class SampleProxy
{
    internal static bool IsAppSink(GstObjectHandle element)
    {
        NativeLibraries.Require(NativeLibraries.GstApp);
        return GstProxy.IsA(element, GstAppNative.gst_app_sink_get_type());
    }

    /// <summary>Null on timeout, EOS or flushing (gst_app_sink_try_pull_sample returns NULL for all three).</summary>
    internal static MiniObjectHandle? TryPull(GstObjectHandle appSink, TimeSpan timeout)
    {
        var sample = GstAppNative.gst_app_sink_try_pull_sample(appSink, GstProxy.ToClockTime(timeout));
        if (sample.IsInvalid)
        {
            sample.Dispose();
            return null;
        }

        return sample;
    }

    internal static (string? MediaType, int? Width, int? Height, string? Format) ReadCaps(MiniObjectHandle sample)
    {
        var caps = GstNative.gst_sample_get_caps(sample); // transfer none
        if (caps == 0 || GstNative.gst_caps_get_size(caps) == 0)
        {
            return (null, null, null, null);
        }

        var structure = GstNative.gst_caps_get_structure(caps, 0); // transfer none
        var mediaType = Marshal.PtrToStringUTF8(GstNative.gst_structure_get_name(structure));
        int? width = GstNative.gst_structure_get_int(structure, "width", out var w) ? w : null;
        int? height = GstNative.gst_structure_get_int(structure, "height", out var h) ? h : null;
        var format = GstNative.gst_structure_get_string(structure, "format"); // transfer none; 0 when absent (e.g. JPEG)
        return (mediaType, width, height, format == 0 ? null : Marshal.PtrToStringUTF8(format));
    }

    internal static (int Size, ulong Pts) ReadBuffer(MiniObjectHandle sample)
    {
        var buffer = GstNative.gst_sample_get_buffer(sample); // transfer none
        if (buffer == 0)
        {
            return (0, GConstants.ClockTimeNone);
        }

        return (checked((int)GstNative.gst_buffer_get_size(buffer)), ((GstBuffer*)buffer)->Pts);
    }

    /// <summary>Copies the buffer bytes into <paramref name="destination"/> (gst_buffer_extract maps and copies).</summary>
    internal static int CopyTo(MiniObjectHandle sample, Span<byte> destination)
    {
        var buffer = GstNative.gst_sample_get_buffer(sample);
        if (buffer == 0)
        {
            return 0;
        }

        fixed (byte* dest = destination)
        {
            return (int)GstNative.gst_buffer_extract(buffer, 0, dest, (nuint)destination.Length);
        }
    }

    internal static bool IsAppSrc(GstObjectHandle element)
    {
        NativeLibraries.Require(NativeLibraries.GstApp);
        return GstProxy.IsA(element, GstAppNative.gst_app_src_get_type());
    }

    /// <summary>Copies <paramref name="data"/> into a new buffer and pushes it; false when the source refused it (flushing, EOS).</summary>
    internal static bool Push(GstObjectHandle appSrc, ReadOnlySpan<byte> data)
    {
        var buffer = GstNative.gst_buffer_new_allocate(0, (nuint)data.Length, 0);
        if (buffer == 0)
        {
            throw new GstreamerException($"Could not allocate a buffer of {data.Length} bytes.");
        }

        fixed (byte* src = data)
        {
            GstNative.gst_buffer_fill(buffer, 0, src, (nuint)data.Length);
        }

        return GstAppNative.gst_app_src_push_buffer(appSrc, buffer) == 0; // GST_FLOW_OK; the buffer is the source's now
    }

    internal static void EndOfStream(GstObjectHandle appSrc) => GstAppNative.gst_app_src_end_of_stream(appSrc);
}

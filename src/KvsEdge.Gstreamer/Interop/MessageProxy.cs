using System.Runtime.InteropServices;

namespace KvsEdge.Gstreamer.Interop;

/// <summary>Pops messages off a bus and copies them into managed <see cref="BusMessage"/> records.</summary>
internal static unsafe class MessageProxy
{
    /// <summary>Types the reader asks for; everything else is popped and discarded by GStreamer itself.</summary>
    internal const int Filter = GConstants.MessageEos | GConstants.MessageError | GConstants.MessageWarning |
        GConstants.MessageInfo | GConstants.MessageStateChanged | GConstants.MessageElement |
        GConstants.MessageAsyncDone | GConstants.MessageStreamStart | GConstants.MessageLatency | GConstants.MessageSegmentDone;

    /// <summary>
    /// Waits at most <paramref name="timeout"/> for a message. Returns null on timeout or for messages handled
    /// internally (LATENCY: recalculated like gst-launch does, so live sources get a correct latency).
    /// </summary>
    internal static BusMessage? Pop(GstObjectHandle bus, GstObjectHandle pipeline, TimeSpan timeout)
    {
        using var message = GstNative.gst_bus_timed_pop_filtered(bus, GstProxy.ToClockTime(timeout), Filter);
        if (message.IsInvalid)
        {
            return null;
        }

        var raw = (GstMessage*)message.DangerousGetHandle();
        var type = raw->Type;
        if (type == GConstants.MessageLatency)
        {
            GstProxy.RecalculateLatency(pipeline);
            return null;
        }

        var source = GstProxy.GetName(raw->Src);
        switch (type)
        {
            case GConstants.MessageError:
                GstNative.gst_message_parse_error(message, out var error, out var debug);
                return Report(BusMessageType.Error, source, error, debug);
            case GConstants.MessageWarning:
                GstNative.gst_message_parse_warning(message, out var warning, out var wdebug);
                return Report(BusMessageType.Warning, source, warning, wdebug);
            case GConstants.MessageInfo:
                GstNative.gst_message_parse_info(message, out var info, out var idebug);
                return Report(BusMessageType.Info, source, info, idebug);
            case GConstants.MessageEos:
                return new BusMessage(BusMessageType.EndOfStream, source);
            case GConstants.MessageStateChanged:
                GstNative.gst_message_parse_state_changed(message, out var oldState, out var newState, out var pending);
                return new BusMessage(BusMessageType.StateChanged, source)
                {
                    OldState = (PipelineState)oldState,
                    NewState = (PipelineState)newState,
                    PendingState = (PipelineState)pending,
                };
            case GConstants.MessageElement:
                var structure = GstNative.gst_message_get_structure(message); // transfer none
                return new BusMessage(BusMessageType.Element, source)
                {
                    StructureName = structure == 0 ? null : Marshal.PtrToStringUTF8(GstNative.gst_structure_get_name(structure)),
                    Structure = structure == 0 ? null : GstNative.gst_structure_to_string(structure).TakeString(),
                };
            case GConstants.MessageAsyncDone:
                return new BusMessage(BusMessageType.AsyncDone, source);
            case GConstants.MessageSegmentDone:
                return new BusMessage(BusMessageType.SegmentDone, source);
            case GConstants.MessageStreamStart:
                return new BusMessage(BusMessageType.StreamStart, source);
            default:
                return new BusMessage(BusMessageType.Other, source);
        }
    }

    private static BusMessage Report(BusMessageType type, string? source, GErrorHandle error, GStringHandle debug)
    {
        using (error)
        {
            return new BusMessage(type, source)
            {
                Text = error.Message,
                ErrorDomain = error.Domain,
                ErrorCode = error.Code,
                DebugInfo = debug.TakeString(),
            };
        }
    }
}

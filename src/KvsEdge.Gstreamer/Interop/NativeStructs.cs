using System.Runtime.InteropServices;

namespace KvsEdge.Gstreamer.Interop;

// Sequential layouts mirror the C structs; nint/nuint keep them right on both 64-bit and 32-bit ARM.
// Only structs without accessor functions are read directly (message type/src, buffer PTS, pspec type).

/// <summary>GValue: GType + two 8-byte data slots. Must be zeroed before g_value_init and unset after use.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GValue
{
    public nuint GType;
    public ulong Data0;
    public ulong Data1;
}

[StructLayout(LayoutKind.Sequential)]
internal struct GError
{
    public uint Domain;
    public int Code;
    public nint Message;
}

/// <summary>Leading public fields of GParamSpec.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GParamSpec
{
    public nint GClass;
    public nint Name;
    public int Flags;
    public nuint ValueType;
    public nuint OwnerType;
}

[StructLayout(LayoutKind.Sequential)]
internal struct GSignalQuery
{
    public uint SignalId;
    public nint SignalName;
    public nuint InstanceType;
    public int SignalFlags;
    public nuint ReturnType;
    public uint ParamCount;
    public nint ParamTypes;
}

[StructLayout(LayoutKind.Sequential)]
internal struct GEnumValue
{
    public int Value;
    public nint ValueName;
    public nint ValueNick;
}

[StructLayout(LayoutKind.Sequential)]
internal struct GstMiniObject
{
    public nuint Type;
    public int RefCount;
    public int LockState;
    public uint Flags;
    public nint Copy;
    public nint Dispose;
    public nint Free;
    public uint PrivUint;
    public nint PrivPointer;
}

/// <summary>Leading fields of GstMessage (GST_MESSAGE_TYPE / GST_MESSAGE_SRC are macros, not functions).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GstMessage
{
    public GstMiniObject MiniObject;
    public int Type;
    public ulong Timestamp;
    public nint Src;
    public uint SeqNum;
}

/// <summary>Leading fields of GstBuffer (GST_BUFFER_PTS is a macro).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GstBuffer
{
    public GstMiniObject MiniObject;
    public nint Pool;
    public ulong Pts;
    public ulong Dts;
    public ulong Duration;
}

/// <summary>Leading field of GstPadProbeInfo: which kind of data the probe fired for.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GstPadProbeInfo
{
    public int Type;
}

internal static class GConstants
{
    // G_TYPE_MAKE_FUNDAMENTAL(x) == x << 2
    internal const nuint TypeBoolean = 5 << 2;
    internal const nuint TypeInt = 6 << 2;
    internal const nuint TypeUInt = 7 << 2;
    internal const nuint TypeLong = 8 << 2;
    internal const nuint TypeULong = 9 << 2;
    internal const nuint TypeInt64 = 10 << 2;
    internal const nuint TypeUInt64 = 11 << 2;
    internal const nuint TypeEnum = 12 << 2;
    internal const nuint TypeFlags = 13 << 2;
    internal const nuint TypeFloat = 14 << 2;
    internal const nuint TypeDouble = 15 << 2;
    internal const nuint TypeString = 16 << 2;

    internal const int ParamReadable = 1 << 0;
    internal const int ParamWritable = 1 << 1;
    internal const int ParamConstructOnly = 1 << 3;

    /// <summary>G_SIGNAL_TYPE_STATIC_SCOPE is or-ed into signal param/return types.</summary>
    internal const nuint SignalTypeStaticScope = 1;

    internal const int ParseFlagFatalErrors = 1 << 0;
    internal const int ParseErrorNoSuchElement = 1;

    internal const ulong ClockTimeNone = ulong.MaxValue;

    internal const int MessageEos = 1 << 0;
    internal const int MessageError = 1 << 1;
    internal const int MessageWarning = 1 << 2;
    internal const int MessageInfo = 1 << 3;
    internal const int MessageStateChanged = 1 << 6;
    internal const int MessageStreamStatus = 1 << 13;
    internal const int MessageElement = 1 << 15;
    internal const int MessageSegmentDone = 1 << 17;
    internal const int MessageLatency = 1 << 19;
    internal const int MessageAsyncDone = 1 << 21;
    internal const int MessageStreamStart = 1 << 28;

    internal const int PadProbeTypeBuffer = 1 << 4;
    internal const int PadProbeTypeBufferList = 1 << 5;
    internal const int PadProbeOk = 1;

    internal const int MapRead = 1;

    internal const int FormatTime = 3;
    internal const int SeekFlagFlush = 1 << 0;
    internal const int SeekFlagAccurate = 1 << 1;
    internal const int SeekFlagSegment = 1 << 3;
}

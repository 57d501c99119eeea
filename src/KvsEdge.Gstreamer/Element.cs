using KvsEdge.Gstreamer.Interop;

namespace KvsEdge.Gstreamer;

/// <summary>
/// A reference to an element inside a pipeline. Typed property access checks the property's GType, so a
/// wrong name or type throws <see cref="GstreamerException"/> instead of GObject's warning-and-ignore.
/// GObject property access is thread-safe; this class adds no locking.
/// </summary>
public sealed class Element : IDisposable
{
    internal Element(GstObjectHandle handle)
    {
        Handle = handle;
        Name = GstProxy.GetName(handle);
        FactoryName = GstProxy.GetFactoryName(handle);
    }

    public string Name { get; }

    /// <summary>Factory that made the element, e.g. "x264enc".</summary>
    public string? FactoryName { get; }

    internal GstObjectHandle Handle { get; }

    public void Set(string name, int value) => PropertyProxy.SetIntegral(Handle, name, value);

    public void Set(string name, uint value) => PropertyProxy.SetIntegral(Handle, name, value);

    public void Set(string name, long value) => PropertyProxy.SetIntegral(Handle, name, value);

    public void Set(string name, ulong value) => PropertyProxy.SetIntegral(Handle, name, value);

    public void Set(string name, double value) => PropertyProxy.SetDouble(Handle, name, value);

    public void Set(string name, bool value) => PropertyProxy.SetBoolean(Handle, name, value);

    public void Set(string name, string? value) => PropertyProxy.SetString(Handle, name, value);

    /// <summary>Sets any property from its string form, as gst-launch does: enums by nick, flags as "a+b", caps, numbers.</summary>
    public void SetFromString(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        PropertyProxy.SetFromString(Handle, name, value);
    }

    public int GetInt32(string name)
    {
        var value = PropertyProxy.GetIntegral(Handle, name, allowWide: false, out var unsigned, out _);
        return unsigned ? throw new GstreamerException($"Element '{Name}': property '{name}' is unsigned; use GetUInt32.") : (int)value;
    }

    public uint GetUInt32(string name)
    {
        PropertyProxy.GetIntegral(Handle, name, allowWide: false, out var unsigned, out var value);
        return unsigned ? (uint)value : throw new GstreamerException($"Element '{Name}': property '{name}' is signed; use GetInt32.");
    }

    /// <summary>Reads int, glong or gint64 properties.</summary>
    public long GetInt64(string name)
    {
        var value = PropertyProxy.GetIntegral(Handle, name, allowWide: true, out var unsigned, out _);
        return unsigned ? throw new GstreamerException($"Element '{Name}': property '{name}' is unsigned; use GetUInt64.") : value;
    }

    /// <summary>Reads guint, gulong or guint64 properties.</summary>
    public ulong GetUInt64(string name)
    {
        PropertyProxy.GetIntegral(Handle, name, allowWide: true, out var unsigned, out var value);
        return unsigned ? value : throw new GstreamerException($"Element '{Name}': property '{name}' is signed; use GetInt64.");
    }

    public double GetDouble(string name) => PropertyProxy.GetDouble(Handle, name);

    public bool GetBoolean(string name) => PropertyProxy.GetBoolean(Handle, name);

    public string? GetString(string name) => PropertyProxy.GetString(Handle, name);

    /// <summary>Nick of an enum property's current value (e.g. "ball", "ultrafast").</summary>
    public string GetEnumNick(string name) => PropertyProxy.GetEnumNick(Handle, name);

    /// <summary>
    /// Calls <paramref name="handler"/> each time the signal is emitted, with up to three pointer/integer
    /// arguments ignored (e.g. identity "handoff", appsink "new-sample"). Signals expecting a return value get
    /// 0 (GST_FLOW_OK / FALSE). Runs on a streaming thread: keep it short; exceptions are counted, not thrown.
    /// </summary>
    public SignalSubscription ConnectSignal(string signal, Action handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(signal);
        ArgumentNullException.ThrowIfNull(handler);
        return SignalSubscription.Connect(this, signal, handler);
    }

    /// <summary>kvssink "stream-error" (guint64 error code). Runs on a streaming thread.</summary>
    public SignalSubscription ConnectStreamError(Action<ulong> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return SignalSubscription.ConnectUInt64(this, "stream-error", handler);
    }

    /// <summary>Counts buffers and bytes leaving/entering the static pad <paramref name="padName"/> ("src", "sink").</summary>
    public BufferCounter AddBufferProbe(string padName)
    {
        ArgumentException.ThrowIfNullOrEmpty(padName);
        return BufferCounter.Attach(this, padName);
    }

    public void Dispose() => Handle.Dispose();
}

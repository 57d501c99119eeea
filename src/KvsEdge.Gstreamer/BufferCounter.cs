using System.Diagnostics;
using KvsEdge.Gstreamer.Interop;

namespace KvsEdge.Gstreamer;

/// <summary>
/// A pad probe counting buffers and bytes, and when the last buffer passed (Stopwatch timestamp), for fps,
/// bitrate and stall detection. The callback runs on the streaming thread and only does Interlocked updates.
/// Dispose removes the probe; counts stay readable afterwards.
/// </summary>
public sealed class BufferCounter : IDisposable, IProbeTarget
{
    private readonly GstObjectHandle _pad;
    private readonly Lock _lock = new();
    private nuint _id;
    private long _buffers;
    private long _bytes;
    private long _lastTimestamp;

    private BufferCounter(GstObjectHandle pad, string elementName, string padName)
    {
        _pad = pad;
        ElementName = elementName;
        PadName = padName;
    }

    public string ElementName { get; }

    public string PadName { get; }

    public long Buffers => Interlocked.Read(ref _buffers);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary><see cref="Stopwatch.GetTimestamp"/> of the last buffer, or 0 if none has passed.</summary>
    public long LastBufferTimestamp => Interlocked.Read(ref _lastTimestamp);

    /// <summary>Time since the last buffer, or null if none has passed.</summary>
    public TimeSpan? SinceLastBuffer
    {
        get
        {
            var last = LastBufferTimestamp;
            return last == 0 ? null : Stopwatch.GetElapsedTime(last);
        }
    }

    internal static BufferCounter Attach(Element element, string padName)
    {
        var pad = CallbackProxy.GetStaticPad(element.Handle, padName);
        var counter = new BufferCounter(pad, element.Name, padName);
        try
        {
            counter._id = CallbackProxy.AddBufferProbe(pad, counter);
            return counter;
        }
        catch
        {
            pad.Dispose();
            throw;
        }
    }

    void IProbeTarget.OnBuffers(long buffers, long bytes)
    {
        Interlocked.Add(ref _buffers, buffers);
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Exchange(ref _lastTimestamp, Stopwatch.GetTimestamp());
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_id != 0)
            {
                CallbackProxy.RemoveProbe(_pad, _id);
                _id = 0;
            }
        }

        _pad.Dispose();
    }
}

using KvsEdge.Gstreamer.Interop;

namespace KvsEdge.Gstreamer;

/// <summary>
/// A pipeline built from a gst-launch style description. Dispose sets it to NULL (stopping streaming threads)
/// before dropping our reference. Methods are safe to call from any thread.
/// </summary>
public sealed class Pipeline : IDisposable
{
    private readonly GstObjectHandle _handle;
    private readonly Lock _lock = new();
    private int _busReaderActive;
    private bool _disposed;

    private Pipeline(GstObjectHandle handle)
    {
        _handle = handle;
        Name = GstProxy.GetName(handle);
    }

    public string Name { get; }

    /// <summary>
    /// Parses with FATAL_ERRORS: any missing element or bad link throws <see cref="GstreamerException"/>
    /// (missing factories listed in the message and <see cref="GstreamerException.MissingElements"/>);
    /// a half-built pipeline is never returned.
    /// </summary>
    public static Pipeline Parse(string description)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        Gst.Initialize();
        return new Pipeline(GstProxy.ParseLaunch(description));
    }

    public StateChangeResult SetState(PipelineState state)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return GstProxy.SetState(_handle, state);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a pending state change to finish.</summary>
    public PipelineStateSnapshot GetState(TimeSpan timeout)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return GstProxy.GetState(_handle, timeout);
    }

    /// <summary>Sends EOS so muxers finalise their files; the bus reports EndOfStream once every sink has it.</summary>
    public bool SendEndOfStream()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return GstProxy.SendEndOfStream(_handle);
    }

    /// <summary>
    /// Seeks to the start as a segment seek, so the end of the media posts <see cref="BusMessageType.SegmentDone"/>
    /// instead of EOS. Answering each SegmentDone with a non-flushing call loops a file seamlessly: running time
    /// keeps growing across loops, as with a camera. <paramref name="flush"/> drops what is in flight (and restarts
    /// running time at zero); without it the seek takes effect after the data already queued.
    /// </summary>
    public bool SeekSegmentToStart(bool flush)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return GstProxy.SeekSegmentToStart(_handle, flush);
    }

    /// <summary>The element with this name (its own reference; dispose it), or null.</summary>
    public Element? GetElement(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var child = GstProxy.GetByName(_handle, name);
        return child is null ? null : new Element(child);
    }

    /// <summary>The appsink named <paramref name="name"/>; throws if absent or not an appsink.</summary>
    public AppSink GetAppSink(string name)
    {
        var element = GetElement(name) ?? throw new GstreamerException($"Pipeline '{Name}' has no element '{name}'.");
        return AppSink.Wrap(element);
    }

    /// <summary>The appsrc named <paramref name="name"/>; throws if absent or not an appsrc.</summary>
    public AppSrc GetAppSrc(string name)
    {
        var element = GetElement(name) ?? throw new GstreamerException($"Pipeline '{Name}' has no element '{name}'.");
        return AppSrc.Wrap(element);
    }

    /// <summary>Counts buffers on <paramref name="element"/>'s static pad; same as <see cref="Element.AddBufferProbe"/>.</summary>
    public BufferCounter AddBufferProbe(Element element, string padName)
    {
        ArgumentNullException.ThrowIfNull(element);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return element.AddBufferProbe(padName);
    }

    /// <summary>
    /// Starts a reader thread over this pipeline's bus. A GstBus has one consumer, so only one reader may be
    /// active at a time; dispose it before creating another.
    /// </summary>
    public BusReader CreateBusReader(int capacity = 256)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.CompareExchange(ref _busReaderActive, 1, 0) != 0)
        {
            throw new InvalidOperationException("A bus reader is already active for this pipeline.");
        }

        try
        {
            var bus = GstProxy.GetBus(_handle);
            var self = GstProxy.NewReference(_handle);
            return new BusReader(bus, self, capacity, () => Volatile.Write(ref _busReaderActive, 0));
        }
        catch
        {
            Volatile.Write(ref _busReaderActive, 0);
            throw;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        // NULL first: releases devices/files and joins streaming threads before the last unref.
        GstProxy.SetState(_handle, PipelineState.Null);
        _handle.Dispose();
    }
}

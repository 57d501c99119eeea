using KvsEdge.Gstreamer.Interop;

namespace KvsEdge.Gstreamer;

/// <summary>
/// An appsink inside a pipeline, pulled on demand. With <c>drop=true max-buffers=1</c> in the description the
/// sink holds only the newest frame, so a pull returns the latest frame and older ones are never copied.
/// </summary>
public sealed class AppSink : IDisposable
{
    private AppSink(Element element) => Element = element;

    public Element Element { get; }

    internal static AppSink Wrap(Element element)
    {
        if (!SampleProxy.IsAppSink(element.Handle))
        {
            var name = element.Name;
            element.Dispose();
            throw new GstreamerException($"Element '{name}' is not an appsink.");
        }

        return new AppSink(element);
    }

    /// <summary>The next sample, or null on timeout, EOS or when the pipeline is not running.</summary>
    public Sample? TryPullSample(TimeSpan timeout)
    {
        var sample = SampleProxy.TryPull(Element.Handle, timeout);
        return sample is null ? null : new Sample(sample);
    }

    public void Dispose() => Element.Dispose();
}

/// <summary>An appsrc inside a pipeline: the app pushes buffers (e.g. one raw frame to encode) and ends the stream.</summary>
public sealed class AppSrc : IDisposable
{
    private AppSrc(Element element) => Element = element;

    public Element Element { get; }

    internal static AppSrc Wrap(Element element)
    {
        if (!SampleProxy.IsAppSrc(element.Handle))
        {
            var name = element.Name;
            element.Dispose();
            throw new GstreamerException($"Element '{name}' is not an appsrc.");
        }

        return new AppSrc(element);
    }

    /// <summary>Pushes a copy of <paramref name="data"/> as one buffer; false when the pipeline does not take it.</summary>
    public bool Push(ReadOnlySpan<byte> data) => SampleProxy.Push(Element.Handle, data);

    /// <summary>No more buffers: the pipeline drains and posts EOS.</summary>
    public void EndOfStream() => SampleProxy.EndOfStream(Element.Handle);

    public void Dispose() => Element.Dispose();
}

/// <summary>A pulled frame: caps fields read eagerly, bytes copied only when asked for.</summary>
public sealed class Sample : IDisposable
{
    private readonly MiniObjectHandle _handle;

    internal Sample(MiniObjectHandle handle)
    {
        _handle = handle;
        (MediaType, Width, Height, Format) = SampleProxy.ReadCaps(handle);
        Stride = Width is int width ? VideoFormats.DefaultStride(Format, width) : null;
        (Size, var pts) = SampleProxy.ReadBuffer(handle);
        Pts = pts == GConstants.ClockTimeNone ? null : TimeSpan.FromTicks((long)(pts / 100));
    }

    /// <summary>Caps media type, e.g. "image/jpeg".</summary>
    public string? MediaType { get; }

    public int? Width { get; }

    public int? Height { get; }

    /// <summary>Raw video pixel format from the caps (`GRAY8`, `RGB`, `I420`, ...); null for encoded media such as JPEG.</summary>
    public string? Format { get; }

    /// <summary>
    /// Bytes from one row to the next (of the first plane), as GStreamer lays out raw video of this format and width
    /// by default; null for encoded media or a format not listed in <see cref="VideoFormats"/>.
    /// </summary>
    public int? Stride { get; }

    /// <summary>Buffer presentation timestamp (running time), if set.</summary>
    public TimeSpan? Pts { get; }

    /// <summary>Buffer size in bytes.</summary>
    public int Size { get; }

    /// <summary>Copies the buffer into a new array.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        var copied = CopyTo(bytes);
        return copied == bytes.Length ? bytes : bytes[..copied];
    }

    /// <summary>Copies up to <paramref name="destination"/>.Length bytes (e.g. into a pooled buffer); returns the count.</summary>
    public int CopyTo(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        return SampleProxy.CopyTo(_handle, destination);
    }

    public void Dispose() => _handle.Dispose();
}

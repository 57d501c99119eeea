using KvsEdge.Gstreamer.Interop;

namespace KvsEdge.Gstreamer;

/// <summary>A connected signal handler; Dispose disconnects it (GLib then frees the callback's GCHandle).</summary>
public sealed class SignalSubscription : IDisposable, ISignalTarget
{
    private readonly GstObjectHandle _instance;
    private readonly Action? _handler;
    private readonly Action<ulong>? _valueHandler;
    private readonly Lock _lock = new();
    private nuint _id;
    private long _invocations;
    private long _faults;

    private SignalSubscription(GstObjectHandle instance, string signal, Action? handler, Action<ulong>? valueHandler)
    {
        _instance = instance;
        Signal = signal;
        _handler = handler;
        _valueHandler = valueHandler;
    }

    public string Signal { get; }

    /// <summary>How many times the signal fired.</summary>
    public long Invocations => Interlocked.Read(ref _invocations);

    /// <summary>How many times the handler threw (swallowed: nothing may unwind into GStreamer).</summary>
    public long Faults => Interlocked.Read(ref _faults);

    internal static SignalSubscription Connect(Element element, string signal, Action handler) =>
        Create(element, signal, handler, null, static (h, s, t) => CallbackProxy.ConnectNotification(h, s, t));

    internal static SignalSubscription ConnectUInt64(Element element, string signal, Action<ulong> handler) =>
        Create(element, signal, null, handler, static (h, s, t) => CallbackProxy.ConnectUInt64(h, s, t));

    /// <summary>Test seam: a subscription not attached to any element, to drive callbacks directly.</summary>
    internal static SignalSubscription Detached(Action<ulong> handler) => new(new GstObjectHandle(), "detached", null, handler);

    private static SignalSubscription Create(
        Element element, string signal, Action? handler, Action<ulong>? valueHandler, Func<GstObjectHandle, string, ISignalTarget, nuint> connect)
    {
        // Own reference: the instance must outlive the connection so Dispose can disconnect it.
        var instance = GstProxy.NewReference(element.Handle);
        var subscription = new SignalSubscription(instance, signal, handler, valueHandler);
        try
        {
            subscription._id = connect(instance, signal, subscription);
            return subscription;
        }
        catch
        {
            instance.Dispose();
            throw;
        }
    }

    void ISignalTarget.OnSignal(ulong argument)
    {
        Interlocked.Increment(ref _invocations);
        try
        {
            _handler?.Invoke();
            _valueHandler?.Invoke(argument);
        }
#pragma warning disable CA1031 // Called from a native streaming thread; an exception there would abort the process.
        catch
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _faults);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_id != 0)
            {
                CallbackProxy.Disconnect(_instance, _id);
                _id = 0;
            }
        }

        _instance.Dispose();
    }
}

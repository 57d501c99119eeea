using System.Threading.Channels;
using KvsEdge.Gstreamer.Interop;

namespace KvsEdge.Gstreamer;

/// <summary>Kinds of bus message the reader delivers.</summary>
public enum BusMessageType
{
    Other = 0,
    Error,
    Warning,
    Info,
    EndOfStream,
    StateChanged,
    Element,
    AsyncDone,
    StreamStart,

    /// <summary>A segment seek (<see cref="Pipeline.SeekSegmentToStart"/>) reached its end; no EOS follows.</summary>
    SegmentDone,
}

/// <summary>A bus message copied out of native memory.</summary>
/// <param name="Type">Kind of message.</param>
/// <param name="SourceName">Name of the posting object (element or pipeline), if any.</param>
public sealed record BusMessage(BusMessageType Type, string? SourceName)
{
    /// <summary>Error/Warning/Info text (GError message).</summary>
    public string? Text { get; init; }

    /// <summary>Error/Warning/Info debug string (element, file, line, detail).</summary>
    public string? DebugInfo { get; init; }

    /// <summary>GError domain, e.g. "gst-resource-error-quark".</summary>
    public string? ErrorDomain { get; init; }

    public int ErrorCode { get; init; }

    public PipelineState? OldState { get; init; }

    public PipelineState? NewState { get; init; }

    public PipelineState? PendingState { get; init; }

    /// <summary>Element messages: structure name (e.g. "splitmuxsink-fragment-closed").</summary>
    public string? StructureName { get; init; }

    /// <summary>Element messages: the whole structure serialised (gst_structure_to_string).</summary>
    public string? Structure { get; init; }
}

/// <summary>
/// Reads a pipeline's bus on its own thread (gst_bus_timed_pop_filtered, 100 ms timeout so disposal is
/// honoured promptly) and delivers <see cref="BusMessage"/>s through <see cref="Messages"/>.
/// The channel is bounded: when it is full, non-critical messages are dropped (counted in
/// <see cref="DroppedCount"/>); Error and EndOfStream are never dropped, the reader waits for room instead
/// (GStreamer keeps queuing on the bus meanwhile). The channel completes when the reader is disposed.
/// </summary>
public sealed class BusReader : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly GstObjectHandle _bus;
    private readonly GstObjectHandle _pipeline;
    private readonly Channel<BusMessage> _channel;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action _onDisposed;
    private long _dropped;
    private int _disposed;

    internal BusReader(GstObjectHandle bus, GstObjectHandle pipeline, int capacity, Action onDisposed)
    {
        _bus = bus;
        _pipeline = pipeline;
        _onDisposed = onDisposed;
        _channel = Channel.CreateBounded<BusMessage>(new BoundedChannelOptions(capacity)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var thread = new Thread(Run) { IsBackground = true, Name = "gst-bus-reader" };
        thread.Start();
    }

    public ChannelReader<BusMessage> Messages => _channel.Reader;

    /// <summary>Non-critical messages dropped because the consumer fell behind.</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    private void Run()
    {
        Exception? fault = null;
        try
        {
            var token = _stop.Token;
            while (!token.IsCancellationRequested)
            {
                var message = MessageProxy.Pop(_bus, _pipeline, PollInterval);
                if (message is null)
                {
                    continue;
                }

                if (message.Type is BusMessageType.Error or BusMessageType.EndOfStream)
                {
                    WriteCritical(message, token);
                }
                else if (!_channel.Writer.TryWrite(message))
                {
                    Interlocked.Increment(ref _dropped);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
#pragma warning disable CA1031 // Anything else is handed to the consumer through the completed channel.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            fault = ex;
        }
        finally
        {
            _channel.Writer.TryComplete(fault);
            _stopped.TrySetResult();
        }
    }

    private void WriteCritical(BusMessage message, CancellationToken token)
    {
        // Dedicated thread: blocking here is fine and keeps Error/EOS lossless.
        while (!_channel.Writer.TryWrite(message))
        {
            if (!_channel.Writer.WaitToWriteAsync(token).AsTask().GetAwaiter().GetResult())
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _stopped.Task.ConfigureAwait(false); // at most one poll interval
        _stop.Dispose();
        _bus.Dispose();
        _pipeline.Dispose();
        _onDisposed();
    }
}

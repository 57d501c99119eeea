using System.Net.Sockets;
using System.Text;

namespace KvsEdge.TestSupport;

/// <summary>
/// Plays systemd's side of `$NOTIFY_SOCKET`: a unix datagram socket (abstract name, so parallel tests never collide and
/// nothing is left on disk) that records every notification and lets a test await one.
/// </summary>
public sealed class NotifySocketListener : IDisposable
{
    private const string Barrier = "KVSEDGE_TEST_BARRIER=1";
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<string> _messages = [];
    private readonly List<(Func<string, bool> Predicate, TaskCompletionSource<string> Signal)> _waiters = [];
    private readonly Task _receiving;

    public NotifySocketListener()
    {
        Name = "kvsedge-notify-" + Guid.NewGuid().ToString("N");
        _socket.Bind(new UnixDomainSocketEndPoint("\0" + Name));
        _receiving = Task.Run(ReceiveAsync);
    }

    private string Name { get; }

    /// <summary>The value for NOTIFY_SOCKET ('@' marks an abstract name).</summary>
    public string Path => "@" + Name;

    /// <summary>Every notification received so far, in order (the test's own barriers left out).</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.Where(m => m != Barrier).ToArray();
            }
        }
    }

    /// <summary>The first notification (past or future) that matches.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        var signal = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_messages.FirstOrDefault(m => m != Barrier && predicate(m)) is { } seen)
            {
                return seen;
            }

            _waiters.Add((m => m != Barrier && predicate(m), signal));
        }

        try
        {
            return await signal.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching notification within {timeout}. Received: [{string.Join(" | ", Messages)}]");
        }
    }

    /// <summary>Waits until <paramref name="count"/> notifications arrived and returns all of them.</summary>
    public async Task<IReadOnlyList<string>> WaitForCountAsync(int count, TimeSpan timeout)
    {
        int seen = 0;
        await WaitForAsync(_ => ++seen >= count, timeout);
        return Messages;
    }

    /// <summary>
    /// Sends a datagram of our own and waits for it: everything a finished sender sent before it has arrived by then.
    /// </summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        var signal = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((m => m == Barrier, signal));
        }

        using var sender = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        await sender.SendToAsync(Encoding.UTF8.GetBytes(Barrier), SocketFlags.None, new UnixDomainSocketEndPoint("\0" + Name));
        await signal.Task.WaitAsync(timeout);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            _receiving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The receive loop ends with the socket.
        }

        _stop.Dispose();
    }

    private async Task ReceiveAsync()
    {
        byte[] buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            string message = Encoding.UTF8.GetString(buffer, 0, length);
            lock (_gate)
            {
                _messages.Add(message);
                _waiters.RemoveAll(w => w.Predicate(message) && w.Signal.TrySetResult(message));
            }
        }
    }
}

using System.Net.Sockets;
using System.Text;

namespace KvsEdge.Systemd;

/// <summary>
/// Sends sd_notify(3) datagrams ("READY=1", "WATCHDOG=1", "STOPPING=1", "STATUS=…") to `$NOTIFY_SOCKET`.
/// Never blocks and never throws: a full or missing socket loses one notification, never the service.
/// </summary>
public sealed class SystemdNotifySocket : IDisposable
{
    private readonly Lock _gate = new();
    private readonly UnixDomainSocketEndPoint? _endpoint;
    private Socket? _socket;

    public SystemdNotifySocket(string? path)
    {
        if (!string.IsNullOrEmpty(path))
        {
            // An abstract socket name is written with a leading '@' in the variable and a leading NUL on the wire.
            _endpoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        }
    }

    /// <summary>False when the service was not started by systemd (no `NOTIFY_SOCKET`).</summary>
    public bool IsEnabled => _endpoint is not null;

    /// <summary>Sends one notification (newline-separated assignments). Returns false, with the reason, when it was lost.</summary>
    public bool TrySend(string state, out string? error)
    {
        ArgumentException.ThrowIfNullOrEmpty(state);
        error = null;
        if (_endpoint is null)
        {
            return false;
        }

        byte[] datagram = Encoding.UTF8.GetBytes(state);
        lock (_gate)
        {
            try
            {
                // Non-blocking: a datagram socket blocks when the receiver's queue is full, and a stuck systemd must
                // not stall shutdown or the watchdog.
                _socket ??= new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { Blocking = false };
                _socket.SendTo(datagram, SocketFlags.None, _endpoint);
                return true;
            }
            catch (SocketException ex)
            {
                error = ex.Message;
                return false;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _socket?.Dispose();
            _socket = null;
        }
    }
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KvsEdge.Demo;

/// <summary>An HttpListener on a free loopback port, for local stand-ins of AWS endpoints (the demo's, the tests').</summary>
public static class LoopbackHttpListener
{
    /// <summary>Starts a listener on <c>http://127.0.0.1:&lt;free port&gt;/</c>.</summary>
    public static (HttpListener Listener, Uri Url) Start()
    {
        // HttpListener cannot bind port 0: take a free port, then bind it; retry if someone grabs it in between.
        for (int attempt = 0; ; attempt++)
        {
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
            }

            var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
            var listener = new HttpListener();
            listener.Prefixes.Add(url.ToString());
            try
            {
                listener.Start();
                return (listener, url);
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                listener.Close();
            }
        }
    }
}

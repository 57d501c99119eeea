using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KvsEdge.TestSupport;

/// <summary>Starts and kills a real mosquitto for the broker fixtures (plain, TLS, the IoT Core double).</summary>
public static class MosquittoProcess
{
    /// <summary>
    /// Starts `mosquitto -c <paramref name="configPath"/>`, copying every line into <paramref name="output"/> (lock it to
    /// read), and returns once it logged "running" (every listener open) and accepts a connection on <paramref name="port"/>.
    /// </summary>
    public static async Task<Process> StartAsync(string executable, string configPath, int port, StringBuilder output, TimeSpan timeout)
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(executable)
            {
                ArgumentList = { "-c", configPath },
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            },
            EnableRaisingEvents = true,
        };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            // Mosquitto logs this once every listener is open.
            if (e.Data.Contains(" running", StringComparison.Ordinal))
            {
                running.TrySetResult();
            }
        };
        process.ErrorDataReceived += onLine;
        process.OutputDataReceived += onLine;
        process.Exited += (_, _) => running.TrySetException(new InvalidOperationException($"mosquitto exited early:\n{Text(output)}"));
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            await running.Task.WaitAsync(timeout);
            using var probe = new TcpClient();
            await probe.ConnectAsync(IPAddress.Loopback, port).WaitAsync(timeout);
            return process;
        }
        catch (Exception ex) when (ex is TimeoutException or SocketException)
        {
            Kill(process);
            throw new InvalidOperationException($"mosquitto did not accept connections on {port}:\n{Text(output)}", ex);
        }
    }

    /// <summary>Kills the broker at once, as a crash would: clients see their connection drop.</summary>
    public static void Kill(Process? process)
    {
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        finally
        {
            process.Dispose();
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}

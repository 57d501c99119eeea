using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.Runtime;
using KvsEdge.Aws;
using KvsEdge.Aws.Iam;

namespace KvsEdge.IntegrationTests.Iam;

/// <summary>
/// A private moto server (real IAM emulator) for the IAM tests on a free loopback port; killed on dispose.
/// Kept inside this folder on purpose: the shared moto fixture is someone else's.
/// Needs Python 3 with <c>pip install 'moto[server]'</c>.
/// </summary>
public sealed class IamMotoServer : IAsyncLifetime
{
    public const string AccessKeyId = "testing";
    public const string SecretKey = "testing";

    /// <summary>moto's default account.</summary>
    public const string AccountId = "123456789012";

    private const string InstallHint = "Install moto with: pip install 'moto[server]'";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();
    private Process? _process;
    private Uri? _serviceUrl;

    public Uri ServiceUrl => _serviceUrl ?? throw new InvalidOperationException("moto has not been started.");

    public IamClient CreateClient() => new(new AwsClientOptions
    {
        // A regional setting must not leak into IAM: the client still signs for us-east-1.
        Region = "eu-west-1",
        ServiceUrl = ServiceUrl,
        Credentials = new BasicAWSCredentials(AccessKeyId, SecretKey),
        Timeout = TimeSpan.FromSeconds(15),
    });

    public async Task InitializeAsync()
    {
        var port = FreePort();
        var startInfo = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-m", "moto.server", "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start python3 (is Python 3 on PATH?). {InstallHint}", ex);
        }

        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var url = new Uri($"http://127.0.0.1:{port}/");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (process.HasExited)
            {
                var output = Output();
                var hint = output.Contains("No module named", StringComparison.Ordinal) ? " " + InstallHint : string.Empty;
                throw new InvalidOperationException($"moto exited with code {process.ExitCode} before answering.{hint} Output: {output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(url, "moto-api/"));
                _serviceUrl = url;
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"moto did not answer on {url} within {StartTimeout.TotalSeconds} s. {InstallHint} Output: {Output()}", ex);
                }

                await Task.Delay(200);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            _process.Dispose();
            _process = null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }
}

using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.Runtime;
using KvsEdge.Aws;

namespace KvsEdge.IntegrationTests.Infrastructure;

/// <summary>
/// A real moto server (<c>python3 -m moto.server</c>) on a free loopback port, shared by the "moto" collection. It serves
/// Kinesis Video's control plane (not GetClip: moto routes signed requests by service, see the GetClip listener tests).
/// Needs moto 5 with its server extras: <c>pip install 'moto[server]'</c>. KVSEDGE_PYTHON overrides the interpreter.
/// </summary>
public sealed class MotoFixture : IAsyncLifetime
{
    public const string Region = "us-east-1";
    public const string AccessKeyId = "AKIDMOTOTEST";
    public const string SecretKey = "moto-test-secret";

    private const string InstallHint = "Install it with: pip install 'moto[server]' (moto 5), or set KVSEDGE_PYTHON to a python that has it.";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();
    private Process? _process;
    private Uri? _serviceUrl;

    public Uri ServiceUrl => _serviceUrl ?? throw new InvalidOperationException("moto has not been started.");

    public static AWSCredentials Credentials => new BasicAWSCredentials(AccessKeyId, SecretKey);

    public AwsClientOptions ClientOptions() => new()
    {
        Region = Region,
        ServiceUrl = ServiceUrl,
        Credentials = Credentials,
        Timeout = TimeSpan.FromSeconds(15),
    };

    public KinesisVideoClient CreateKinesisVideoClient(Uri? archivedMediaEndpoint = null) =>
        new(ClientOptions()) { ArchivedMediaEndpoint = archivedMediaEndpoint };

    public static string UniqueName(string prefix = "kvsedge-test-") => prefix + Guid.NewGuid().ToString("N")[..16];

    public async Task InitializeAsync()
    {
        var python = Environment.GetEnvironmentVariable("KVSEDGE_PYTHON") is { Length: > 0 } configured ? configured : "python3";
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort();
            try
            {
                await StartAsync(python, port);
                return;
            }
            catch (InvalidOperationException ex) when (ex.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                // Another process took the port between probing and binding: try another.
                last = ex;
                await DisposeAsync();
            }
        }

        throw new InvalidOperationException("moto could not bind a port.", last);
    }

    private async Task StartAsync(string python, int port)
    {
        var startInfo = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-m", "moto.server", "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            startInfo.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start {python} (is Python 3 on PATH?). {InstallHint}", ex);
        }

        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var url = new Uri($"http://127.0.0.1:{port}/");
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                var output = Output();
                var hint = output.Contains("No module named", StringComparison.Ordinal) ? " " + InstallHint : string.Empty;
                throw new InvalidOperationException($"moto exited with code {process.ExitCode} before answering.{hint} Output: {output}");
            }

            try
            {
                // Any HTTP answer means the server is up; moto-api is its own dashboard/API root.
                using var response = await probe.GetAsync(new Uri(url, "moto-api/"));
                _serviceUrl = url;
                return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"moto did not answer on {url} within {StartTimeout.TotalSeconds} s. Output: {Output()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Runs the AWS CLI against this moto with test credentials only (no profile or config file is read).
    /// </summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAwsCliAsync(params string[] args)
    {
        var startInfo = new ProcessStartInfo("aws")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("--endpoint-url");
        startInfo.ArgumentList.Add(ServiceUrl.ToString());
        startInfo.ArgumentList.Add("--output");
        startInfo.ArgumentList.Add("json");
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        startInfo.Environment["AWS_ACCESS_KEY_ID"] = AccessKeyId;
        startInfo.Environment["AWS_SECRET_ACCESS_KEY"] = SecretKey;
        startInfo.Environment["AWS_DEFAULT_REGION"] = Region;
        startInfo.Environment["AWS_REGION"] = Region;
        startInfo.Environment["AWS_CONFIG_FILE"] = "/nonexistent/kvsedge-test-aws-config";
        startInfo.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/kvsedge-test-aws-credentials";
        startInfo.Environment["AWS_PAGER"] = string.Empty;
        startInfo.Environment.Remove("AWS_PROFILE");
        startInfo.Environment.Remove("AWS_SESSION_TOKEN");

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException("The aws CLI is not on PATH. Install it with: pip install awscli", ex);
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
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
            _serviceUrl = null;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // Keep start-up diagnostics, not every request log line of a long run.
            if (_output.Length < 16_000)
            {
                _output.AppendLine(line);
            }
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition("moto")]
public sealed class MotoCollectionDefinition : ICollectionFixture<MotoFixture>;

using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Amazon.Runtime;
using KvsEdge.Aws;

namespace KvsEdge.IntegrationTests.Infrastructure;

/// <summary>
/// A real kinesalite (in-memory Kinesis) on a loopback port the OS picks, shared by the "kinesalite" collection.
/// Needs Node.js and <c>npm install --prefix .tools kinesalite@3.3.3</c> (or KVSEDGE_KINESALITE_DIR = a node_modules dir).
/// </summary>
public sealed class KinesaliteFixture : IAsyncLifetime
{
    private const string InstallHint = "Install it with: npm install --prefix .tools kinesalite@3.3.3 (from the repository root), "
        + "or set KVSEDGE_KINESALITE_DIR to a node_modules directory that contains kinesalite.";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly StringBuilder _stderr = new();
    private Process? _process;
    private Uri? _serviceUrl;

    public Uri ServiceUrl => _serviceUrl ?? throw new InvalidOperationException("kinesalite has not been started.");

    public KinesisClient CreateClient() => new(new AwsClientOptions
    {
        Region = "us-east-1",
        ServiceUrl = ServiceUrl,
        // kinesalite only checks that a well-formed signature is present.
        Credentials = new BasicAWSCredentials("AKIDKINESALITETEST", "kinesalite-test-secret"),
        Timeout = TimeSpan.FromSeconds(10),
    });

    /// <summary>Creates a stream with a unique name and returns once it is ACTIVE.</summary>
    public async Task<string> CreateStreamAsync(int shards = 1)
    {
        var name = "kvsedge-test-" + Guid.NewGuid().ToString("N");
        using var client = CreateClient();
        await client.CreateStreamAsync(name, shards, CancellationToken.None);
        await client.WaitForActiveAsync(name, TimeProvider.System, TimeSpan.FromSeconds(30), CancellationToken.None);
        return name;
    }

    public async Task InitializeAsync()
    {
        var repoRoot = FindRepositoryRoot();
        var modules = Environment.GetEnvironmentVariable("KVSEDGE_KINESALITE_DIR") is { Length: > 0 } configured
            ? configured
            : Path.Combine(repoRoot, ".tools", "node_modules");
        if (!File.Exists(Path.Combine(modules, "kinesalite", "package.json")))
        {
            throw new InvalidOperationException($"kinesalite was not found in {modules}. {InstallHint}");
        }

        var startInfo = new ProcessStartInfo("node")
        {
            WorkingDirectory = repoRoot,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Path.Combine(repoRoot, "tests", "tools", "kinesalite.js"));
        startInfo.ArgumentList.Add("0");
        startInfo.Environment["NODE_PATH"] = modules;

        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException($"kinesalite exited before listening. {Stderr()}"));
            }
            else if (e.Data.StartsWith("listening ", StringComparison.Ordinal)
                && int.TryParse(e.Data.AsSpan("listening ".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                listening.TrySetResult(port);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };

        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start node (is Node.js installed and on PATH?). {InstallHint}", ex);
        }

        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        int actualPort;
        try
        {
            actualPort = await listening.Task.WaitAsync(StartTimeout);
        }
        catch (TimeoutException ex)
        {
            throw new InvalidOperationException($"kinesalite did not report its port within {StartTimeout.TotalSeconds} s. {Stderr()}", ex);
        }

        _serviceUrl = new Uri($"http://127.0.0.1:{actualPort}/");
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

    private string Stderr()
    {
        lock (_stderr)
        {
            return _stderr.Length == 0 ? string.Empty : "stderr: " + _stderr;
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KvsEdge.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"KvsEdge.sln was not found above {AppContext.BaseDirectory}.");
    }
}

[CollectionDefinition("kinesalite")]
public sealed class KinesaliteCollectionDefinition : ICollectionFixture<KinesaliteFixture>;

using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using KvsEdge.Aws;

namespace KvsEdge.TestSupport;

/// <summary>
/// kinesalite (in-memory Kinesis) from tests/tools/kinesalite.js on 127.0.0.1 and a port the OS picks, for the
/// integration tests' fixture and the latency bench. kinesalite.js exits when its stdin closes, so nothing is orphaned.
/// </summary>
public sealed class KinesaliteServer : IAsyncDisposable
{
    private const string InstallHint = "Install it with: bash scripts/install-prerequisites.sh (or npm install --prefix .tools kinesalite@3.3.3), "
        + "or set KVSEDGE_KINESALITE_DIR to a node_modules directory that contains kinesalite.";

    private readonly ChildProcess _process;

    private KinesaliteServer(ChildProcess process, Uri serviceUrl)
    {
        _process = process;
        ServiceUrl = serviceUrl;
    }

    public Uri ServiceUrl { get; }

    public static async Task<KinesaliteServer> StartAsync(string repoRoot, CancellationToken cancellationToken)
    {
        string modules = Environment.GetEnvironmentVariable("KVSEDGE_KINESALITE_DIR") is { Length: > 0 } configured
            ? configured
            : Path.Combine(repoRoot, ".tools", "node_modules");
        if (!File.Exists(Path.Combine(modules, "kinesalite", "package.json")))
        {
            throw new ChildProcessException($"kinesalite was not found in {modules}. {InstallHint}");
        }

        var info = new ProcessStartInfo("node") { WorkingDirectory = repoRoot };
        info.ArgumentList.Add(Path.Combine(repoRoot, "tests", "tools", "kinesalite.js"));
        info.ArgumentList.Add("0");
        info.Environment["NODE_PATH"] = modules;
        ChildProcess process = ChildProcess.Start("kinesalite", info);
        try
        {
            string line = await process.WaitForLineAsync(l => l.StartsWith("listening ", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "its port", cancellationToken);
            int port = int.Parse(line.AsSpan("listening ".Length), NumberStyles.None, CultureInfo.InvariantCulture);
            return new KinesaliteServer(process, new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/")));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public KinesisClient CreateClient() => new(new AwsClientOptions
    {
        Region = "us-east-1",
        ServiceUrl = ServiceUrl,
        // kinesalite only checks that a well-formed signature is present.
        Credentials = new BasicAWSCredentials("AKIDKINESALITETEST", "kinesalite-test-secret"),
        Timeout = TimeSpan.FromSeconds(10),
    });

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

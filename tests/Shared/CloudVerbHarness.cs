using Amazon.Runtime;
using KvsEdge.Cli;
using KvsEdge.Cloud;
using KvsEdge.Common;
using Spectre.Console.Testing;

namespace KvsEdge.TestSupport;

/// <summary>
/// Runs a cloud verb body in-process as `kvsedge` would (same <see cref="CloudContext"/>, real clients and sockets),
/// with explicit test credentials and a recording Spectre console wide enough that ARNs are not wrapped.
/// </summary>
public sealed class CloudVerbHarness
{
    public CloudVerbHarness(AwsOptions aws, AWSCredentials credentials, CloudOptions? cloud = null, TimeProvider? time = null)
    {
        Console = new TestConsole();
        Console.Profile.Width = 400;
        Context = new CloudContext(cloud ?? new CloudOptions(), new AwsClientFactory(aws, credentials), AwsRetry.Default, Console)
        {
            Time = time ?? TimeProvider.System,
        };
    }

    public TestConsole Console { get; }

    public CloudContext Context { get; set; }

    /// <summary>What the verb printed so far.</summary>
    public string Output => Console.Output;

    /// <summary>Runs <paramref name="body"/>, mapping errors to exit codes exactly as the verb frame does.</summary>
    public async Task<(int ExitCode, string Output, string Error)> RunAsync(Func<CloudContext, CancellationToken, Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var before = Console.Output.Length;
        using var error = new StringWriter();
        int code;
        try
        {
            code = await body(Context, CancellationToken.None);
        }
        catch (Exception ex) when (CloudVerb.TryReport(ex, error) is int mapped)
        {
            code = mapped;
        }

        return (code, Console.Output[before..], error.ToString());
    }
}

using System.Diagnostics;
using System.Text.Json;
using KvsEdge.TestSupport;

namespace KvsEdge.IntegrationTests.Infrastructure;

/// <summary>
/// The real `kvsedge` executable as a child process, exactly as systemd would run it: the black-box contract is
/// its configuration file, its environment, MQTT and (with the simulated driver) the GPIO transition log.
/// </summary>
public sealed class KvsEdgeProcess : IAsyncDisposable
{
    private readonly ChildProcess _child;

    private KvsEdgeProcess(ChildProcess child)
    {
        _child = child;
    }

    public int Id => _child.Id;

    public Task<int> Exited => _child.Exited;

    public IReadOnlyList<string> Lines => _child.Lines;

    /// <summary>Path of the built kvsedge.dll (copied beside the tests by the project reference).</summary>
    public static string EntryAssembly => Path.Combine(AppContext.BaseDirectory, "kvsedge.dll");

    /// <summary>Writes <paramref name="settings"/> as the --config file and starts `kvsedge &lt;verb&gt; --config FILE`.</summary>
    public static KvsEdgeProcess Start(string verb, object settings, string workDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        Directory.CreateDirectory(workDirectory);
        string configFile = Path.Combine(workDirectory, "appsettings.test.json");
        File.WriteAllText(configFile, JsonSerializer.Serialize(settings));
        return StartRaw([.. verb.Split(' '), "--config", configFile], environment);
    }

    public static KvsEdgeProcess StartRaw(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet");
        info.ArgumentList.Add(EntryAssembly);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Test credentials for the local AWS stand-ins; never the developer's own.
        info.Environment["AWS_ACCESS_KEY_ID"] = "AKIDKVSEDGETEST";
        info.Environment["AWS_SECRET_ACCESS_KEY"] = "kvsedge-test-secret";
        info.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        info.Environment.Remove("AWS_PROFILE");
        info.Environment.Remove("AWS_SESSION_TOKEN");
        // The developer's own endpoint variables must not redirect the tests' requests.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("AWS_ENDPOINT_URL", StringComparison.Ordinal)
            || k == "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return new KvsEdgeProcess(ChildProcess.Start("kvsedge", info));
    }

    /// <summary>The first output line (past or future) that matches.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout) =>
        _child.WaitForLineAsync(predicate, timeout, "a matching line", CancellationToken.None);

    /// <summary>SIGKILL: no shutdown code runs, as after a crash or power cut.</summary>
    public Task KillAsync() => _child.KillAsync();

    /// <summary>SIGTERM, as systemd stops the service; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout) =>
        await _child.TerminateAsync(timeout) ?? throw new TimeoutException($"kvsedge did not stop within {timeout}.\n{_child.Tail()}");

    public ValueTask DisposeAsync() => _child.DisposeAsync();
}

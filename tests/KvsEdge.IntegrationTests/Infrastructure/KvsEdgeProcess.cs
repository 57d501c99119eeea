using System.Diagnostics;
using System.Text.Json;

namespace KvsEdge.IntegrationTests.Infrastructure;

/// <summary>
/// The real `kvsedge` executable as a child process, exactly as systemd would run it: the black-box contract is
/// its configuration file, its environment, MQTT and (with the simulated driver) the GPIO transition log.
/// </summary>
public sealed class KvsEdgeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Predicate, TaskCompletionSource<string> Signal)> _waiters = [];
    private readonly object _gate = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private KvsEdgeProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public Task<int> Exited => _exited.Task;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return _lines.ToList();
            }
        }
    }

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
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
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
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var wrapper = new KvsEdgeProcess(process);
        process.OutputDataReceived += (_, e) => wrapper.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.OnLine(e.Data);
        process.Exited += (_, _) => wrapper._exited.TrySetResult(process.ExitCode);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Completes with the first output line (past or future) that matches.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        lock (_gate)
        {
            string? existing = _lines.Find(l => predicate(l));
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            var signal = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((predicate, signal));
            return signal.Task.WaitAsync(timeout).ContinueWith(
                t => t.IsFaulted && t.Exception!.InnerException is TimeoutException
                    ? throw new TimeoutException($"No matching output within {timeout}. Output so far:\n{string.Join('\n', Lines)}")
                    : t.Result,
                TaskScheduler.Default);
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, as after a crash or power cut.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>SIGTERM, as systemd stops the service; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync().ConfigureAwait(false);
        }

        return await _exited.Task.WaitAsync(timeout).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Add(line);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Predicate(line))
                {
                    _waiters[i].Signal.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}

using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace KvsEdge.TestSupport;

/// <summary>
/// A child process whose stdout and stderr lines are kept so a test or bench can wait for a
/// line with a bound. stdin stays open: kinesalite.js and boto3_consumer.py exit when it closes, so a crashed
/// bench leaves no orphans behind.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Predicate, TaskCompletionSource<string> Signal)> _waiters = [];
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public Task<int> Exited => _exited.Task;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public static ChildProcess Start(string name, ProcessStartInfo info)
    {
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        // Exited can fire before the last output lines are delivered; WaitForExitAsync also waits for both redirected
        // streams to reach EOF, so a short-lived process's final lines are in Lines when Exited completes.
        process.Exited += (_, _) => _ = Task.Run(async () =>
        {
            try
            {
                await process.WaitForExitAsync();
                child._exited.TrySetResult(process.ExitCode);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
            {
                // Disposed meanwhile: nobody waits for the code any more.
                child._exited.TrySetCanceled();
            }
        });
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new ChildProcessException($"Could not start {name} ({info.FileName}): {ex.Message}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The first output line (past or future) that matches; fails if the process exits or the time runs out first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        TaskCompletionSource<string> signal;
        lock (_gate)
        {
            if (_lines.Find(l => predicate(l)) is { } existing)
            {
                return existing;
            }

            signal = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((predicate, signal));
        }

        try
        {
            await Task.WhenAny(signal.Task, _exited.Task).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Reported below, with the output so far.
        }

        if (signal.Task.IsCompletedSuccessfully)
        {
            return signal.Task.Result;
        }

        string reason = _exited.Task.IsCompleted
            ? string.Create(CultureInfo.InvariantCulture, $"{Name} exited (code {_exited.Task.Result}) before {what}")
            : string.Create(CultureInfo.InvariantCulture, $"{Name} did not report {what} within {timeout.TotalSeconds:0.#} s");
        throw new ChildProcessException(reason + Environment.NewLine + Tail());
    }

    /// <summary>The last output lines, for error messages.</summary>
    public string Tail(int count = 25)
    {
        IReadOnlyList<string> lines = Lines;
        return $"--- last output of {Name} ---{Environment.NewLine}" + string.Join(Environment.NewLine, lines.Skip(Math.Max(0, lines.Count - count)));
    }

    /// <summary>SIGTERM, as systemd stops a service; the exit code, or null if it had to be killed after <paramref name="timeout"/>.</summary>
    public async Task<int?> TerminateAsync(TimeSpan timeout)
    {
        if (!_exited.Task.IsCompleted)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        try
        {
            return await _exited.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            await KillAsync();
            return null;
        }
    }

    public async Task KillAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
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

/// <summary>The bench could not run (as opposed to: it ran and a target was missed).</summary>
/// <summary>A child that could not be started, exited early or stayed silent; the message carries its output.</summary>
public sealed class ChildProcessException(string message) : Exception(message);

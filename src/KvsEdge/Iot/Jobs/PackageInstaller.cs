using System.Diagnostics;

namespace KvsEdge.Iot;

/// <summary>
/// The package tools the root installer (`kvsedge update apply`) runs; the seam its tests replace, and the commands the
/// integration test points at stand-ins so the machine's own package database is never touched.
/// </summary>
public interface IPackageInstaller
{
    /// <summary>The package's `Package` control field.</summary>
    /// <exception cref="InvalidOperationException">The file is not a package that can be read (the message says why).</exception>
    Task<string> PackageNameAsync(string packagePath, CancellationToken cancellationToken);

    /// <summary>Installs the package; returns the tool's last output line.</summary>
    /// <exception cref="InvalidOperationException">The installation failed (the message carries dpkg's last line).</exception>
    Task<string> InstallAsync(string packagePath, CancellationToken cancellationToken);
}

/// <summary>`dpkg-deb --field` and `dpkg -i` (keeping the operator's conffiles); a non-zero exit is a failure carrying the tool's last output line.</summary>
public sealed class DpkgInstaller(string dpkg = "dpkg", string dpkgDeb = "dpkg-deb") : IPackageInstaller
{
    public async Task<string> PackageNameAsync(string packagePath, CancellationToken cancellationToken)
    {
        (int exit, string output, string error) = await RunAsync(dpkgDeb, ["--field", packagePath, "Package"], cancellationToken).ConfigureAwait(false);
        if (exit != 0)
        {
            throw new InvalidOperationException($"dpkg-deb --field exited {exit}: {LastLine(error, output)}");
        }

        return output.Trim();
    }

    public async Task<string> InstallAsync(string packagePath, CancellationToken cancellationToken)
    {
        // Nobody answers a conffile prompt on an appliance (stdin is /dev/null under systemd): the operator's edited
        // /etc/kvsedge/appsettings.json is kept, the packaged one lands beside it as .dpkg-dist.
        (int exit, string output, string error) = await RunAsync(dpkg, ["--force-confdef", "--force-confold", "-i", packagePath], cancellationToken)
            .ConfigureAwait(false);
        if (exit != 0)
        {
            throw new InvalidOperationException($"dpkg -i exited {exit}: {Reason(error) ?? LastLine(error, output)}");
        }

        return LastLine(output, error);
    }

    /// <summary>
    /// dpkg's own reason: its last `dpkg: …` line with the indented line after it ("dpkg: error processing archive X
    /// (--install):" then " … subprocess returned error exit status 1"). Its very last lines only list the archive.
    /// </summary>
    internal static string? Reason(string error)
    {
        string[] lines = error.Split('\n');
        int at = Array.FindLastIndex(lines, l => l.StartsWith("dpkg:", StringComparison.Ordinal));
        if (at < 0)
        {
            return null;
        }

        string reason = lines[at].Trim();
        return at + 1 < lines.Length && lines[at + 1].StartsWith(' ') && lines[at + 1].Trim().Length > 0 ? reason + " " + lines[at + 1].Trim() : reason;
    }

    private static string LastLine(string first, string second) =>
        (first.Split('\n').LastOrDefault(l => l.Trim().Length > 0) ?? second.Split('\n').LastOrDefault(l => l.Trim().Length > 0))?.Trim() ?? "(no output)";

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string file, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{file} could not be started");
        Task<string> output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}

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

/// <summary>`dpkg-deb --field` and `dpkg -i`; a non-zero exit is a failure carrying the tool's last output line.</summary>
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
        (int exit, string output, string error) = await RunAsync(dpkg, ["-i", packagePath], cancellationToken).ConfigureAwait(false);
        if (exit != 0)
        {
            // dpkg says why on stderr ("dpkg: error processing archive …", a dependency problem).
            throw new InvalidOperationException($"dpkg -i exited {exit}: {LastLine(error, output)}");
        }

        return LastLine(output, error);
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

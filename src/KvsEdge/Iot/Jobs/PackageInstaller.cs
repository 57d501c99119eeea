using System.Diagnostics;

namespace KvsEdge.Iot;

/// <summary>Installs a verified .deb (the seam the update job installs through; tests record what it was given).</summary>
public interface IPackageInstaller
{
    /// <exception cref="InvalidOperationException">The installation failed (the message says why).</exception>
    Task InstallAsync(string packagePath, CancellationToken cancellationToken);
}

/// <summary>`dpkg -i &lt;package&gt;`; a non-zero exit is a failure carrying dpkg's last output line.</summary>
public sealed class DpkgInstaller : IPackageInstaller
{
    public async Task InstallAsync(string packagePath, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dpkg")
        {
            ArgumentList = { "-i", packagePath },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("dpkg could not be started");
        Task<string> output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        string text = (await error.ConfigureAwait(false)).Trim();
        _ = await output.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            string last = text.Split('\n').LastOrDefault(l => l.Length > 0) ?? "(no output)";
            throw new InvalidOperationException($"dpkg -i exited {process.ExitCode}: {last}");
        }
    }
}

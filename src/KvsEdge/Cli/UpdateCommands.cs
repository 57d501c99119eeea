using System.CommandLine;
using KvsEdge.Iot;

namespace KvsEdge.Cli;

/// <summary>
/// `kvsedge update apply`: the root half of the IoT `update` job, run by kvsedge-update.service when the sandboxed
/// service staged a package (<see cref="UpdateApplier"/> says what it checks).
/// </summary>
public static class UpdateCommands
{
    public static Command Build()
    {
        var staging = new Option<DirectoryInfo?>("--staging")
        {
            Description = $"The service's staging directory (default {UpdateStaging.DefaultDirectory}).",
        };
        var work = new Option<DirectoryInfo?>("--work")
        {
            Description = "A root-only directory the checked copy is installed from (default $RUNTIME_DIRECTORY, else /run/kvsedge-update).",
        };
        var dpkg = new Option<string>("--dpkg") { Description = "The dpkg command (default dpkg).", DefaultValueFactory = _ => "dpkg" };
        var dpkgDeb = new Option<string>("--dpkg-deb") { Description = "The dpkg-deb command (default dpkg-deb).", DefaultValueFactory = _ => "dpkg-deb" };
        var apply = new Command("apply", "Install the package the service staged (as root; kvsedge-update.path starts it): check, dpkg -i, write the result.")
        {
            staging,
            work,
            dpkg,
            dpkgDeb,
        };
        apply.SetAction((parse, ct) => ApplyAsync(
            parse.GetValue(staging)?.FullName ?? UpdateStaging.DefaultDirectory,
            parse.GetValue(work)?.FullName ?? WorkDirectory(),
            new DpkgInstaller(parse.GetValue(dpkg)!, parse.GetValue(dpkgDeb)!),
            Console.Out,
            ct));

        var update = new Command("update", "Package updates handed over by the IoT update job.");
        update.Subcommands.Add(apply);
        return update;
    }

    /// <returns>0 when installed or nothing was staged, 1 when refused or failed (the result file says why either way).</returns>
    public static async Task<int> ApplyAsync(string staging, string work, IPackageInstaller installer, TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!OperatingSystem.IsLinux())
        {
            output.WriteLine("error: update apply runs on the Linux appliance only");
            return ExitCodes.Failure;
        }

        var applier = new UpdateApplier(new UpdateStaging(staging), work, installer, TimeProvider.System);
        UpdateResult? result = await applier.ApplyAsync(ct).ConfigureAwait(false);
        if (result is null)
        {
            output.WriteLine($"nothing staged in {staging}");
            return ExitCodes.Ok;
        }

        output.WriteLine($"job {result.JobId ?? "(unknown)"}: {(result.Succeeded ? "installed" : "not installed")}: {result.Message}");
        return result.Succeeded ? ExitCodes.Ok : ExitCodes.Failure;
    }

    // systemd sets RUNTIME_DIRECTORY for RuntimeDirectory= (root-only, removed when the unit stops).
    private static string WorkDirectory() =>
        Environment.GetEnvironmentVariable("RUNTIME_DIRECTORY") is { Length: > 0 } runtime ? runtime.Split(':')[0] : "/run/kvsedge-update";
}

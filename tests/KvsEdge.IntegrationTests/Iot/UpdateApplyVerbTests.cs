using System.Diagnostics;
using System.Security.Cryptography;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.Iot;

namespace KvsEdge.IntegrationTests.Iot;

/// <summary>
/// `kvsedge update apply` as kvsedge-update.service runs it: a child process, on a real package built with
/// `dpkg-deb --build` and staged as the service stages it. dpkg-deb reads the real package; `--dpkg` points at a stand-in
/// script that records its arguments and answers as dpkg does, so this machine's package database is never touched.
/// </summary>
[Trait("Category", "Integration")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UpdateApplyVerbTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _root = Directory.CreateTempSubdirectory("kvsedge-update-verb-").FullName;
    private readonly UpdateStaging _staging;

    public UpdateApplyVerbTests()
    {
        _staging = UpdateStaging.UnderState(Path.Combine(_root, "state"));
    }

    private string DpkgArguments => Path.Combine(_root, "dpkg-arguments");

    private string Work => Path.Combine(_root, "work");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_staged_kvsedge_package_is_installed_with_dpkg_i_and_the_result_says_so()
    {
        string deb = BuildPackage("kvsedge", "9.9.9");
        _staging.Stage(deb, "job-ok", Sha256File(deb));
        string dpkg = FakeDpkg("""
            echo "(Reading database ... 4242 files and directories currently installed.)"
            echo "Setting up kvsedge (9.9.9) ..."
            """);

        (int exit, IReadOnlyList<string> lines) = await ApplyAsync(dpkg);

        Assert.Equal(0, exit);
        Assert.Equal($"--force-confdef --force-confold -i {Path.Combine(Work, "kvsedge.deb")}", File.ReadAllText(DpkgArguments).Trim());
        Assert.Equal(new UpdateResult("job-ok", true, "Setting up kvsedge (9.9.9) ..."), _staging.ReadResult());
        Assert.Contains("job job-ok: installed: Setting up kvsedge (9.9.9) ...", lines);
        Assert.False(File.Exists(_staging.PackagePath));
        Assert.False(File.Exists(_staging.RequestPath));
        Assert.False(File.Exists(Path.Combine(Work, "kvsedge.deb")));
    }

    [Fact]
    public async Task A_dpkg_failure_exits_1_and_the_result_carries_dpkgs_reason()
    {
        string deb = BuildPackage("kvsedge", "9.9.9");
        _staging.Stage(deb, "job-fail", Sha256File(deb));
        string dpkg = FakeDpkg("""
            echo "Preparing to unpack $4 ..."
            echo "dpkg: error processing archive $4 (--install):" >&2
            echo " new kvsedge package pre-installation script subprocess returned error exit status 1" >&2
            echo "Errors were encountered while processing:" >&2
            echo " $4" >&2
            exit 1
            """);

        (int exit, _) = await ApplyAsync(dpkg);

        Assert.Equal(1, exit);
        string copy = Path.Combine(Work, "kvsedge.deb");
        Assert.Equal(
            new UpdateResult("job-fail", false, $"dpkg -i exited 1: dpkg: error processing archive {copy} (--install): new kvsedge package pre-installation script subprocess returned error exit status 1"),
            _staging.ReadResult());
        Assert.False(File.Exists(_staging.RequestPath));
    }

    [Fact]
    public async Task A_package_that_is_not_kvsedge_is_refused_and_dpkg_never_runs()
    {
        string deb = BuildPackage("openssh-server", "1:99");
        _staging.Stage(deb, "job-other", Sha256File(deb));
        string dpkg = FakeDpkg("echo installed");

        (int exit, _) = await ApplyAsync(dpkg);

        Assert.Equal(1, exit);
        Assert.Equal(new UpdateResult("job-other", false, "refused: the package is 'openssh-server', not kvsedge"), _staging.ReadResult());
        Assert.False(File.Exists(DpkgArguments));
        Assert.False(File.Exists(_staging.PackagePath));
    }

    [Fact]
    public async Task Nothing_staged_exits_0_and_writes_nothing()
    {
        Directory.CreateDirectory(_staging.Directory);

        (int exit, IReadOnlyList<string> lines) = await ApplyAsync(FakeDpkg("echo installed"));

        Assert.Equal(0, exit);
        Assert.Contains($"nothing staged in {_staging.Directory}", lines);
        Assert.False(File.Exists(_staging.ResultPath));
    }

    private async Task<(int Exit, IReadOnlyList<string> Lines)> ApplyAsync(string dpkg)
    {
        await using KvsEdgeProcess process = KvsEdgeProcess.StartRaw(["update", "apply", "--staging", _staging.Directory, "--work", Work, "--dpkg", dpkg]);
        int exit = await process.Exited.WaitAsync(Timeout);
        return (exit, process.Lines);
    }

    private string FakeDpkg(string body)
    {
        string path = Path.Combine(_root, "dpkg");
        File.WriteAllText(path, $"#!/bin/sh\necho \"$@\" > '{DpkgArguments}'\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private string BuildPackage(string name, string version)
    {
        string tree = Path.Combine(_root, "tree-" + name);
        Directory.CreateDirectory(Path.Combine(tree, "DEBIAN"));
        Directory.CreateDirectory(Path.Combine(tree, "usr", "share", "doc", name));
        File.WriteAllText(Path.Combine(tree, "usr", "share", "doc", name, "marker"), $"{name} {version}\n");
        File.WriteAllText(Path.Combine(tree, "DEBIAN", "control"), $"""
            Package: {name}
            Version: {version}
            Architecture: all
            Maintainer: KvsEdge tests <tests@kvsedge.invalid>
            Description: update job test package

            """);
        string deb = Path.Combine(_root, $"{name}.deb");
        var info = new ProcessStartInfo("dpkg-deb") { ArgumentList = { "--root-owner-group", "--build", tree, deb }, RedirectStandardOutput = true };
        using Process build = Process.Start(info)!;
        build.WaitForExit();
        Assert.Equal(0, build.ExitCode);
        return deb;
    }

    private static string Sha256File(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}

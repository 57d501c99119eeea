using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using KvsEdge.Iot;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Iot;

/// <summary>
/// The root half of the update job (`kvsedge update apply`): what the sandboxed service staged is checked before
/// anything is installed, the result is written back, the request and package removed. The package tools are a
/// recording fake, so nothing is installed on this machine.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UpdateApplierTests : IDisposable
{
    private static readonly byte[] Package = Encoding.UTF8.GetBytes("kvsedge 9.9.9 package bytes");
    private readonly string _root = Directory.CreateTempSubdirectory("kvsedge-update-apply-").FullName;
    private readonly UpdateStaging _staging;
    private readonly string _work;
    private readonly FakePackageTools _tools = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 1, 2, 3, 456, TimeSpan.Zero));

    public UpdateApplierTests()
    {
        _staging = UpdateStaging.UnderState(_root);
        _work = Path.Combine(_root, "work");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private UpdateApplier Applier => new(_staging, _work, _tools, _time);

    [Fact]
    public async Task A_staged_package_with_its_hash_is_installed_from_a_root_only_copy_and_the_result_written()
    {
        Stage("job-1", Package, Sha256(Package));

        UpdateResult? result = await Applier.ApplyAsync(CancellationToken.None);

        Assert.Equal(new UpdateResult("job-1", true, "Setting up kvsedge (9.9.9) ..."), result);
        (string path, byte[] bytes) = Assert.Single(_tools.Installed);
        Assert.Equal(Path.Combine(_work, "kvsedge.deb"), path);
        Assert.Equal(Package, bytes);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, _tools.InstalledMode);
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(_staging.PackagePath));
        Assert.False(File.Exists(_staging.RequestPath));
        var written = JsonNode.Parse(File.ReadAllText(_staging.ResultPath))!.AsObject();
        Assert.Equal("""{"jobId":"job-1","status":"succeeded","message":"Setting up kvsedge (9.9.9) ...","completedAt":"2026-12-05T01:02:03.456Z"}""", written.ToJsonString());
        Assert.Equal(new UpdateResult("job-1", true, "Setting up kvsedge (9.9.9) ..."), _staging.ReadResult());
    }

    [Fact]
    public async Task A_package_changed_after_staging_is_refused_and_nothing_is_installed()
    {
        Stage("job-2", Package, Sha256(Package));
        File.WriteAllText(_staging.PackagePath, "kvsedge with a backdoor");

        UpdateResult result = (await Applier.ApplyAsync(CancellationToken.None))!;

        Assert.False(result.Succeeded);
        Assert.Equal("job-2", result.JobId);
        Assert.StartsWith("refused: sha256 mismatch", result.Message, StringComparison.Ordinal);
        AssertNothingInstalledAndCleanedUp();
    }

    [Fact]
    public async Task A_staged_package_that_is_a_symlink_is_refused_even_when_its_target_has_the_right_hash()
    {
        Stage("job-3", Package, Sha256(Package));
        string elsewhere = Path.Combine(_root, "elsewhere.deb");
        File.WriteAllBytes(elsewhere, Package);
        File.Delete(_staging.PackagePath);
        File.CreateSymbolicLink(_staging.PackagePath, elsewhere);

        UpdateResult result = (await Applier.ApplyAsync(CancellationToken.None))!;

        Assert.Equal($"refused: {_staging.PackagePath} is a symlink", result.Message);
        AssertNothingInstalledAndCleanedUp();
        Assert.True(File.Exists(elsewhere)); // the link was removed, not what it pointed at
    }

    [Fact]
    public async Task A_request_that_is_a_symlink_is_refused_without_reading_it()
    {
        Stage("job-4", Package, Sha256(Package));
        string elsewhere = Path.Combine(_root, "request-elsewhere.json");
        File.Move(_staging.RequestPath, elsewhere);
        File.CreateSymbolicLink(_staging.RequestPath, elsewhere);

        UpdateResult result = (await Applier.ApplyAsync(CancellationToken.None))!;

        Assert.Equal(new UpdateResult(null, false, $"refused: {_staging.RequestPath} is a symlink"), result);
        AssertNothingInstalledAndCleanedUp();
    }

    [Fact]
    public async Task A_group_or_world_writable_package_is_refused()
    {
        Stage("job-5", Package, Sha256(Package));
        File.SetUnixFileMode(_staging.PackagePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite);

        UpdateResult result = (await Applier.ApplyAsync(CancellationToken.None))!;

        Assert.Equal($"refused: {_staging.PackagePath} is group- or world-writable", result.Message);
        AssertNothingInstalledAndCleanedUp();
    }

    [Fact]
    public async Task A_hard_linked_package_is_refused()
    {
        Stage("job-6", Package, Sha256(Package));
        string link = Path.Combine(_staging.Directory, "other-name");
        Assert.Equal(0, Link(_staging.PackagePath, link));

        UpdateResult result = (await Applier.ApplyAsync(CancellationToken.None))!;

        Assert.Equal($"refused: {_staging.PackagePath} has 2 hard links", result.Message);
        AssertNothingInstalledAndCleanedUp();
    }

    [Fact]
    public async Task A_package_owned_by_another_user_is_refused()
    {
        if (Environment.UserName != "root")
        {
            return; // only root can give a file away; CI and the appliance's installer run as root
        }

        Stage("job-7", Package, Sha256(Package));
        Assert.Equal(0, Chown(_staging.PackagePath, 4242, 4242));

        UpdateResult result = (await Applier.ApplyAsync(CancellationToken.None))!;

        Assert.Equal($"refused: {_staging.PackagePath} is owned by uid 4242, not the service user or root", result.Message);
        AssertNothingInstalledAndCleanedUp();
    }

    [Fact]
    public async Task A_package_that_is_not_kvsedge_is_refused_before_dpkg_runs()
    {
        _tools.Name = "openssh-server";
        Stage("job-8", Package, Sha256(Package));

        UpdateResult result = (await Applier.ApplyAsync(CancellationToken.None))!;

        Assert.Equal("refused: the package is 'openssh-server', not kvsedge", result.Message);
        AssertNothingInstalledAndCleanedUp();
    }

    [Fact]
    public async Task A_request_naming_another_file_is_refused()
    {
        Stage("job-9", Package, Sha256(Package));
        File.WriteAllText(_staging.RequestPath, """{"jobId":"job-9","package":"../../../etc/shadow","sha256":"00"}""");
        File.SetUnixFileMode(_staging.RequestPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        UpdateResult result = (await Applier.ApplyAsync(CancellationToken.None))!;

        Assert.Equal("refused: the request names package '../../../etc/shadow', not kvsedge.deb in the staging directory", result.Message);
        AssertNothingInstalledAndCleanedUp();
    }

    [Fact]
    public async Task A_dpkg_failure_is_written_with_dpkgs_last_line()
    {
        _tools.Failure = "dpkg -i exited 1: Errors were encountered while processing: /run/kvsedge-update/kvsedge.deb";
        Stage("job-10", Package, Sha256(Package));

        UpdateResult result = (await Applier.ApplyAsync(CancellationToken.None))!;

        Assert.Equal(new UpdateResult("job-10", false, _tools.Failure), result);
        Assert.Equal(result, _staging.ReadResult());
        Assert.False(File.Exists(_staging.PackagePath));
        Assert.False(File.Exists(_staging.RequestPath));
    }

    [Fact]
    public async Task A_symlink_planted_at_the_result_is_replaced_not_written_through()
    {
        string victim = Path.Combine(_root, "victim");
        File.WriteAllText(victim, "untouched");
        Stage("job-11", Package, Sha256(Package));
        File.CreateSymbolicLink(_staging.ResultPath, victim);

        await Applier.ApplyAsync(CancellationToken.None);

        Assert.Equal("untouched", File.ReadAllText(victim));
        Assert.Null(new FileInfo(_staging.ResultPath).LinkTarget);
        Assert.True(_staging.ReadResult()!.Succeeded);
    }

    [Fact]
    public async Task An_unexpected_error_still_writes_a_failed_result_and_removes_the_request()
    {
        Stage("job-13", Package, Sha256(Package));
        File.WriteAllText(_work, "a file where the work directory should be");

        UpdateResult result = (await Applier.ApplyAsync(CancellationToken.None))!;

        Assert.False(result.Succeeded);
        Assert.StartsWith("IOException: ", result.Message, StringComparison.Ordinal);
        Assert.Equal(result, _staging.ReadResult());
        Assert.Empty(_tools.Installed);
        Assert.False(File.Exists(_staging.RequestPath)); // else the path unit would start the installer again and again
    }

    [Fact]
    public async Task Nothing_staged_is_nothing_done()
    {
        Assert.Null(await Applier.ApplyAsync(CancellationToken.None));
        Assert.False(File.Exists(_staging.ResultPath));
    }

    [Fact]
    public void The_service_stages_owner_only_files_and_a_new_request_drops_an_old_result()
    {
        Directory.CreateDirectory(_staging.Directory);
        File.WriteAllText(_staging.ResultPath, """{"jobId":"old","status":"failed","message":"x"}""");

        Stage("job-12", Package, Sha256(Package));

        Assert.False(File.Exists(_staging.ResultPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_staging.PackagePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_staging.RequestPath));
        Assert.Equal(new UpdateRequest("job-12", "kvsedge.deb", Sha256(Package)), UpdateStaging.ParseRequest(File.ReadAllBytes(_staging.RequestPath)));
    }

    private void AssertNothingInstalledAndCleanedUp()
    {
        Assert.Empty(_tools.Installed);
        Assert.False(_staging.ReadResult()!.Succeeded);
        Assert.False(File.Exists(_staging.PackagePath) || new FileInfo(_staging.PackagePath).LinkTarget is not null);
        Assert.False(File.Exists(_staging.RequestPath) || new FileInfo(_staging.RequestPath).LinkTarget is not null);
        Assert.False(File.Exists(Path.Combine(_work, "kvsedge.deb")));
    }

    private void Stage(string jobId, byte[] content, string sha256)
    {
        string source = Path.Combine(_root, "download.deb");
        File.WriteAllBytes(source, content);
        _staging.Stage(source, jobId, sha256);
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static int Link(string target, string link) => Run("ln", target, link);

    private static int Chown(string path, int owner, int group) => Run("chown", $"{owner}:{group}", path);

    private static int Run(string tool, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(tool, arguments);
        process.WaitForExit();
        return process.ExitCode;
    }

    private sealed class FakePackageTools : IPackageInstaller
    {
        public string Name { get; set; } = "kvsedge";

        public string? Failure { get; set; }

        public List<(string Path, byte[] Bytes)> Installed { get; } = [];

        public UnixFileMode InstalledMode { get; private set; }

        public Task<string> PackageNameAsync(string packagePath, CancellationToken cancellationToken) => Task.FromResult(Name);

        public Task<string> InstallAsync(string packagePath, CancellationToken cancellationToken)
        {
            if (Failure is not null)
            {
                throw new InvalidOperationException(Failure);
            }

            Installed.Add((packagePath, File.ReadAllBytes(packagePath)));
            InstalledMode = File.GetUnixFileMode(packagePath);
            return Task.FromResult("Setting up kvsedge (9.9.9) ...");
        }
    }
}

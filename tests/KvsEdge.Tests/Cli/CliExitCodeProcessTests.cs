using System.Diagnostics;
using KvsEdge.TestSupport;

namespace KvsEdge.Tests.Cli;

/// <summary>
/// The real `kvsedge` as a child process: exit codes are what systemd (RestartPreventExitStatus=78) and scripts see,
/// and the messages are what a person reads in the terminal or the journal.
/// </summary>
public sealed class CliExitCodeProcessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-cli-").FullName;

    [Theory]
    [InlineData(new string[0], "Required command was not provided")]
    [InlineData(new[] { "frobnicate" }, "Unrecognized command or argument 'frobnicate'")]
    [InlineData(new[] { "door" }, "Required command was not provided")]
    [InlineData(new[] { "run", "--config" }, "Required argument missing for option: '--config'")]
    public async Task A_usage_error_exits_2_and_says_what_is_wrong(string[] arguments, string expected)
    {
        var (code, lines) = await RunAsync(arguments);

        Assert.Equal(2, code);
        Assert.Contains(lines, l => l.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_misspelt_key_in_the_config_file_exits_78_naming_it_and_the_known_one()
    {
        string config = Write("""{ "Door": { "Driver": "simulated", "PulseDuraton": "00:00:02" } }""");

        var (code, lines) = await RunAsync(["run", "--config", config]);

        Assert.Equal(78, code);
        Assert.Contains(lines, l => l.Contains("`Door:PulseDuraton` is not a setting; did you mean `Door:PulseDuration`?", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_misspelt_variable_a_bare_number_duration_and_a_validator_failure_come_out_together()
    {
        string config = Write("""{ "Door": { "Driver": "simulated", "PulseDuration": "3" }, "Mqtt": { "Port": 70000 } }""");

        var (code, lines) = await RunAsync(["run", "--config", config], new() { ["KVSEDGE_Acess__People__alice__MinSimilarity"] = "90" });

        Assert.Equal(78, code);
        Assert.Contains(lines, l => l.Contains("`Acess` is not a configuration section; did you mean `Access`?", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("`Door:PulseDuration` is \"3\"", StringComparison.Ordinal) && l.Contains("00:00:03", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Mqtt:Port", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("System.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_JSON_syntax_error_exits_78_with_file_line_and_column()
    {
        string config = Write("{\n  \"Door\": { \"Driver\": \"simulated\", }\n  \"Mqtt\": {}\n}\n");

        var (code, lines) = await RunAsync(["run", "--config", config]);

        Assert.Equal(78, code);
        Assert.Contains(lines, l => l.Contains($"{config} line 3, column 3:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_cloud_verb_refuses_an_unknown_key_with_78()
    {
        string config = Write("""{ "Cloud": { "ColectionId": "door" } }""");

        var (code, lines) = await RunAsync(["cloud", "status", "--config", config]);

        Assert.Equal(78, code);
        Assert.Contains(lines, l => l.Contains("`Cloud:ColectionId` is not a setting; did you mean `Cloud:CollectionId`?", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string json)
    {
        string file = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(file, json);
        return file;
    }

    private static async Task<(int Code, IReadOnlyList<string> Lines)> RunAsync(string[] arguments, Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kvsedge.dll"));
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Nothing from the developer's shell leaks in: no KVSEDGE_ overrides, no AWS profile.
        foreach (string name in info.Environment.Keys.Where(k => k.StartsWith("KVSEDGE_", StringComparison.Ordinal) || k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/credentials";
        info.Environment["AWS_CONFIG_FILE"] = "/nonexistent/config";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? [])
        {
            info.Environment[key] = value;
        }

        await using ChildProcess child = ChildProcess.Start("kvsedge", info);
        int code = await child.Exited.WaitAsync(Timeout);
        return (code, child.Lines);
    }
}

using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.TestSupport;

namespace KvsEdge.IntegrationTests.Cloud;

/// <summary>
/// The real `kvsedge` process, as a person runs it: names from --config, endpoints from KVSEDGE_Aws__Endpoints__*
/// variables, credentials from the standard AWS variables (KvsEdgeProcess sets test ones).
/// </summary>
[Collection("moto")]
[Trait("Category", "Integration")]
public sealed class CloudProcessTests(MotoFixture moto) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _work = Directory.CreateTempSubdirectory("kvsedge-cloud-process-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Cloud_up_runs_twice_from_config_and_environment_then_down_with_yes()
    {
        // KvsEdgeProcess signs with these; the Rekognition listener verifies every signature with them.
        await using var listener = new RekognitionWireListener("AKIDKVSEDGETEST", "kvsedge-test-secret", "us-east-1");
        var rekognition = new RekognitionWireState(listener);
        var processor = MotoFixture.UniqueName("door-processor-");
        var settings = new
        {
            Cloud = new
            {
                VideoStreamName = MotoFixture.UniqueName("door-video-"),
                CollectionId = MotoFixture.UniqueName("door-faces-"),
                DataStreamName = MotoFixture.UniqueName("door-matches-"),
                RoleName = MotoFixture.UniqueName("door-role-"),
                ProcessorName = processor,
            },
        };
        var environment = new Dictionary<string, string>
        {
            ["KVSEDGE_Aws__Endpoints__Kinesis"] = moto.ServiceUrl.ToString(),
            ["KVSEDGE_Aws__Endpoints__KinesisVideo"] = moto.ServiceUrl.ToString(),
            ["KVSEDGE_Aws__Endpoints__Iam"] = moto.ServiceUrl.ToString(),
            ["KVSEDGE_Aws__Endpoints__Rekognition"] = listener.Url.ToString(),
        };

        Assert.Equal(0, await RunAsync("cloud up", settings, environment, l => l.Contains("Next: kvsedge faces add", StringComparison.Ordinal)));
        Assert.NotNull(rekognition.Processor(processor));

        var second = await RunAsync("cloud up", settings, environment, l => l.Contains("Nothing to change", StringComparison.Ordinal));
        Assert.Equal(0, second);

        Assert.Equal(0, await RunAsync("processor start", settings, environment, l => l.Contains($"Started {processor}.", StringComparison.Ordinal)));
        Assert.Equal(0, await RunAsync("processor start", settings, environment, l => l.Contains("already: nothing to do", StringComparison.Ordinal)));

        // Without a terminal and without --yes, down refuses rather than guessing.
        Assert.Equal(2, await RunAsync("cloud down", settings, environment, l => l.Contains("pass --yes", StringComparison.Ordinal)));
        Assert.NotNull(rekognition.Processor(processor));

        Assert.Equal(0, await RunAsync("cloud down --yes", settings, environment, l => l.Contains("Deleted.", StringComparison.Ordinal)));
        Assert.Null(rekognition.Processor(processor));
        Assert.Empty(listener.Failures);
    }

    [Fact]
    public async Task A_bad_cloud_name_exits_78_naming_the_key_before_any_request()
    {
        var settings = new { Cloud = new { RoleName = "has spaces" } };

        Assert.Equal(78, await RunAsync("cloud status", settings, new Dictionary<string, string>(), l => l.Contains("Cloud:RoleName", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task No_region_exits_78_saying_how_to_set_one()
    {
        var environment = new Dictionary<string, string>
        {
            ["AWS_DEFAULT_REGION"] = string.Empty,
            ["AWS_REGION"] = string.Empty,
            ["AWS_CONFIG_FILE"] = "/nonexistent/kvsedge-test-aws-config",
            ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/kvsedge-test-aws-credentials",
        };

        Assert.Equal(78, await RunAsync("cloud status", new { Cloud = new { } }, environment, l => l.Contains("AWS_DEFAULT_REGION", StringComparison.Ordinal)));
    }

    private async Task<int> RunAsync(string verb, object settings, IReadOnlyDictionary<string, string> environment, Func<string, bool> expectedLine)
    {
        await using var process = KvsEdgeProcess.Start(verb, settings, _work, environment);
        var code = await process.Exited.WaitAsync(Timeout);

        // Exited completes once both output streams are drained, so every line is in.
        Assert.True(process.Lines.Any(expectedLine), $"kvsedge {verb} exited {code} without the expected line:\n{string.Join('\n', process.Lines)}");
        return code;
    }
}

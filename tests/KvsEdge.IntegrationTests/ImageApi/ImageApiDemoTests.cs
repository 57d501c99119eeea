using KvsEdge.IntegrationTests.Infrastructure;

namespace KvsEdge.IntegrationTests.ImageApi;

/// <summary>`kvsedge demo --image-api --once` as a user runs it: no AWS account, the test pattern, the local stand-in.</summary>
[Trait("Category", "Integration")]
public sealed class ImageApiDemoTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("kvsedge-imageapi-demo-").FullName;

    [Fact]
    public async Task The_image_api_demo_plays_its_script_through_the_policy_and_exits_zero()
    {
        var settings = new Dictionary<string, object>
        {
            // A faster timer than the demo's 4 s; the script and the policy are the demo's own.
            ["Triggers"] = new Dictionary<string, object> { ["Interval"] = "00:00:01" },
        };
        await using KvsEdgeProcess demo = KvsEdgeProcess.Start("demo --image-api --once", settings, _work);

        int exit = await demo.Exited.WaitAsync(TimeSpan.FromSeconds(90));

        string output = string.Join('\n', demo.Lines);
        Assert.True(exit == 0, output);
        Assert.Contains("SearchFacesByImage → alice 97.3%", output, StringComparison.Ordinal);
        Assert.Contains("SearchFacesByImage → no face in the image", output, StringComparison.Ordinal);
        Assert.Contains("Summary: 1 granted, 1 denied, 1 unknown face, 0 ignored; door locked.", output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}

using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.TestSupport;

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

/// <summary>`kvsedge demo --image-api --photo FILE`: the photo is the camera and the on-device detector picks the frames.</summary>
[Trait("Category", "Integration")]
public sealed class ImageApiPhotoDemoTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("kvsedge-photo-demo-").FullName;

    [Fact]
    public async Task A_face_photo_is_detected_and_its_face_trigger_spends_the_first_call()
    {
        var settings = new Dictionary<string, object>
        {
            // A slow timer: the face, not the timer, must start the first search.
            ["Triggers"] = new Dictionary<string, object> { ["Interval"] = "00:00:03" },
            ["Vision"] = new Dictionary<string, object> { ["ModelPath"] = VisionTestData.BlazeFaceModel },
        };
        await using KvsEdgeProcess demo = KvsEdgeProcess.Start("demo --image-api --once --photo " + VisionTestData.Skimage("astronaut.png"), settings, _work);

        int exit = await demo.Exited.WaitAsync(TimeSpan.FromSeconds(90));

        string output = string.Join('\n', demo.Lines);
        Assert.True(exit == 0, output);
        Assert.Contains("Face at the door: 1 face(s)", output, StringComparison.Ordinal);
        List<string> lines = demo.Lines.ToList();
        int faceTrigger = lines.FindIndex(l => l.Contains("trigger         face", StringComparison.Ordinal));
        int firstCall = lines.FindIndex(l => l.Contains("SearchFacesByImage →", StringComparison.Ordinal));
        Assert.True(faceTrigger >= 0 && faceTrigger < firstCall, output);
        Assert.Contains("Summary: 1 granted, 1 denied, 1 unknown face, 0 ignored; door locked.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_model_the_demo_says_how_to_get_it_and_exits_78()
    {
        var settings = new Dictionary<string, object>
        {
            ["Vision"] = new Dictionary<string, object> { ["ModelPath"] = Path.Combine(_work, "missing.onnx") },
        };
        await using KvsEdgeProcess demo = KvsEdgeProcess.Start("demo --image-api --once --photo " + VisionTestData.Skimage("astronaut.png"), settings, _work);

        int exit = await demo.Exited.WaitAsync(TimeSpan.FromSeconds(60));

        string output = string.Join('\n', demo.Lines);
        Assert.Equal(78, exit);
        Assert.Contains("scripts/fetch-models.sh", output, StringComparison.Ordinal);
        Assert.Contains("missing.onnx", output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}

using System.Text.Json;
using KvsEdge.Cli;
using KvsEdge.IntegrationTests.Gstreamer;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.TestSupport;

namespace KvsEdge.IntegrationTests.Vision;

/// <summary>`kvsedge vision detect PHOTO [--json]`: GStreamer decodes, the BlazeFace detector finds, the verb prints.</summary>
[Collection(GstreamerTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class VisionDetectVerbTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _work = Directory.CreateTempSubdirectory("kvsedge-vision-verb-").FullName;
    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();

    [Fact]
    public async Task The_process_prints_one_face_for_the_astronaut_as_json_with_box_score_and_yaw()
    {
        string photo = VisionTestData.Skimage("astronaut.png");
        await using KvsEdgeProcess process = KvsEdgeProcess.StartRaw(["vision", "detect", photo, "--json", "--model", VisionTestData.BlazeFaceModel]);

        Assert.Equal(0, await process.Exited.WaitAsync(Timeout));
        string line = Assert.Single(process.Lines, l => l.StartsWith('{'));
        using JsonDocument doc = JsonDocument.Parse(line);
        JsonElement root = doc.RootElement;
        Assert.Equal((512, 512), (root.GetProperty("width").GetInt32(), root.GetProperty("height").GetInt32()));
        JsonElement face = Assert.Single(root.GetProperty("faces").EnumerateArray());
        JsonElement box = face.GetProperty("box");

        // Her face is in the upper middle of the 512x512 picture (hand-checked: about x 150-260, y 50-190).
        (double x, double y, double w, double h) = (box.GetProperty("x").GetDouble(), box.GetProperty("y").GetDouble(), box.GetProperty("width").GetDouble(), box.GetProperty("height").GetDouble());
        Assert.InRange(x + (w / 2), 150, 260);
        Assert.InRange(y + (h / 2), 60, 180);
        Assert.InRange(w, 60, 200);
        Assert.InRange(face.GetProperty("score").GetDouble(), 0.81, 1.0);
        Assert.InRange(face.GetProperty("yaw").GetDouble(), -45, 45);
    }

    [Fact]
    public async Task Text_output_counts_faces_and_a_photo_without_one_says_zero()
    {
        Assert.Equal(ExitCodes.Ok, await DetectAsync(VisionTestData.Skimage("astronaut.png")));
        string[] lines = _out.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith("astronaut.png: 512x512, 1 face", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^  face 1: box x=\d+ y=\d+ w=\d+ h=\d+  score 0\.\d{3}  yaw [+-]?\d+°$", Assert.Single(lines[1..]));

        _out.GetStringBuilder().Clear();
        Assert.Equal(ExitCodes.Ok, await DetectAsync(VisionTestData.Skimage("coffee.png")));
        Assert.EndsWith(", 0 faces", _out.ToString().TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_or_undecodable_photo_fails_naming_it()
    {
        string missing = Path.Combine(_work, "nobody.jpg");
        Assert.Equal(ExitCodes.Failure, await DetectAsync(missing));
        Assert.Equal($"error: cannot read the photo {missing}: no such file", _error.ToString().TrimEnd());

        string junk = Path.Combine(_work, "junk.png");
        await File.WriteAllBytesAsync(junk, Enumerable.Range(0, 2048).Select(i => (byte)(i * 31 % 253)).ToArray());
        _error.GetStringBuilder().Clear();
        Assert.Equal(ExitCodes.Failure, await DetectAsync(junk));
        Assert.StartsWith($"error: cannot read the photo {junk}: ", _error.ToString(), StringComparison.Ordinal);
        Assert.Empty(_out.ToString());
    }

    [Fact]
    public async Task A_missing_model_exits_78_and_says_how_to_get_it()
    {
        string model = Path.Combine(_work, "models", "face.onnx");
        Assert.Equal(ExitCodes.Config, await DetectAsync(VisionTestData.Skimage("astronaut.png"), model));
        string error = _error.ToString();
        Assert.Contains(model, error, StringComparison.Ordinal);
        Assert.Contains("scripts/fetch-models.sh", error, StringComparison.Ordinal);
        Assert.Contains("Vision:ModelPath", error, StringComparison.Ordinal);
        Assert.Empty(_out.ToString());
    }

    [Fact]
    public async Task Vision_ModelPath_from_the_configuration_is_used_when_no_model_is_given()
    {
        string model = Path.Combine(_work, "configured.onnx");
        string config = Path.Combine(_work, "appsettings.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new Dictionary<string, object> { ["Vision"] = new Dictionary<string, string> { ["ModelPath"] = model } }));

        Assert.Equal(model, VisionCommands.ResolveModel(null, config));
        Assert.Equal("/explicit.onnx", VisionCommands.ResolveModel("/explicit.onnx", config));
    }

    public void Dispose()
    {
        _out.Dispose();
        _error.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    private Task<int> DetectAsync(string photo, string? model = null) =>
        VisionCommands.DetectAsync(photo, json: false, model ?? VisionTestData.BlazeFaceModel, configFile: null, _out, _error);
}

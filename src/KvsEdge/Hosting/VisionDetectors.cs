using KvsEdge.Vision;
using KvsEdge.Vision.Detection;

namespace KvsEdge.Hosting;

/// <summary>Which face detector the appliance runs, and where its model is looked for.</summary>
public static class VisionDetectors
{
    /// <summary>The packaged model first, then the developer cache (`scripts/fetch-models.sh`).</summary>
    public static IReadOnlyList<string> DefaultModelPaths()
    {
        string cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return [VisionOptions.PackagedModelPath, Path.Combine(cache, "kvsedge", "models", "blazeface-1.2.0", "face_detection_back_256x256.onnx")];
    }

    /// <summary>Loads the detector; throws with the reason when the model or ONNX Runtime is unusable.</summary>
    public static IFaceDetector Load(string modelPath) =>
        throw new NotSupportedException($"this build has no face detector implementation to load '{modelPath}' with");
}

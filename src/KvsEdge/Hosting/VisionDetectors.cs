using KvsEdge.Vision;
using KvsEdge.Vision.BlazeFace;
using KvsEdge.Vision.Detection;

namespace KvsEdge.Hosting;

/// <summary>Which face detector the appliance runs, and where its model is looked for without `Vision:ModelPath`.</summary>
public static class VisionDetectors
{
    /// <summary>The packaged model first, then the developer cache (`scripts/fetch-models.sh`).</summary>
    public static IReadOnlyList<string> DefaultModelPaths() => [VisionOptions.PackagedModelPath, BlazeFaceModel.CachePath()];

    /// <summary>BlazeFace on ONNX Runtime (the first call loads libonnxruntime.so); throws naming the file or the library.</summary>
    public static IFaceDetector Load(string modelPath) => BlazeFaceDetector.Load(modelPath);
}

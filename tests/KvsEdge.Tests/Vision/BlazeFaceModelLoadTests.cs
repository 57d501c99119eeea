using KvsEdge.TestSupport;
using KvsEdge.Vision.BlazeFace;
using KvsEdge.Vision.Detection;

namespace KvsEdge.Tests.Vision;

/// <summary>A model that cannot serve is refused at load with a message naming the file and what is wrong.</summary>
public sealed class BlazeFaceModelLoadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kvsedge-model-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_fetched_model_loads_with_its_input_size()
    {
        using BlazeFaceDetector detector = BlazeFaceDetector.Load(VisionTestData.BlazeFaceModel, new BlazeFaceDetectorOptions { IntraOpThreads = 2 });

        Assert.Equal((256, 256), (detector.InputWidth, detector.InputHeight));
    }

    [Fact]
    public void A_missing_model_names_the_file_and_the_script_that_fetches_it()
    {
        string path = Path.Combine(_dir, "absent.onnx");

        var e = Assert.Throws<VisionModelException>(() => BlazeFaceDetector.Load(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("fetch-models.sh", e.Message, StringComparison.Ordinal);
        Assert.Equal(path, e.ModelPath);
    }

    [Fact]
    public void A_truncated_model_is_refused_as_not_valid_onnx()
    {
        string path = Path.Combine(_dir, "truncated.onnx");
        File.WriteAllBytes(path, File.ReadAllBytes(VisionTestData.BlazeFaceModel).AsSpan(0, 40_000).ToArray());

        var e = Assert.Throws<VisionModelException>(() => BlazeFaceDetector.Load(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid ONNX model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_are_not_a_model_are_refused_as_not_valid_onnx()
    {
        string path = Path.Combine(_dir, "garbage.onnx");
        File.WriteAllBytes(path, [.. Enumerable.Range(0, 4096).Select(i => (byte)((i * 73) ^ 0x5a))]);

        var e = Assert.Throws<VisionModelException>(() => BlazeFaceDetector.Load(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid ONNX model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_onnx_model_with_the_wrong_input_shape_names_the_input_and_the_shape_expected()
    {
        string path = Path.Combine(_dir, "nchw.onnx");
        File.WriteAllBytes(path, TinyOnnx.Identity([1, 3, 256, 256], [1, 3, 256, 256]));

        var e = Assert.Throws<VisionModelException>(() => BlazeFaceDetector.Load(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("input 'x' is Float [1, 3, 256, 256]", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected float [1, 256, 256, 3]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_onnx_model_with_the_right_input_but_not_blazefaces_outputs_names_the_outputs()
    {
        string path = Path.Combine(_dir, "outputs.onnx");
        File.WriteAllBytes(path, TinyOnnx.Identity([1, 256, 256, 3], [1, 256, 256, 3]));

        var e = Assert.Throws<VisionModelException>(() => BlazeFaceDetector.Load(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("outputs are 'y0' Float [1, 256, 256, 3]", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected float [1, 512, 1], [1, 384, 1], [1, 512, 16] and [1, 384, 16]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Onnx_runtime_missing_is_reported_naming_its_native_library()
    {
        var e = Assert.Throws<VisionModelException>(() =>
            BlazeFaceDetector.WithNativeRuntime<int>(() => throw new DllNotFoundException("Unable to load shared library 'onnxruntime'")));

        Assert.Contains("libonnxruntime.so", e.Message, StringComparison.Ordinal);
        Assert.Contains("Unable to load shared library 'onnxruntime'", e.Message, StringComparison.Ordinal);
        Assert.IsType<DllNotFoundException>(e.InnerException);
    }

    [Fact]
    public void Onnx_runtime_failing_its_type_initializer_is_reported_naming_its_native_library()
    {
        // ONNX Runtime's managed side loads the library in NativeMethods' static constructor: a missing library
        // surfaces as a TypeInitializationException around the DllNotFoundException.
        var e = Assert.Throws<VisionModelException>(() => BlazeFaceDetector.WithNativeRuntime<int>(() =>
            throw new TypeInitializationException("Microsoft.ML.OnnxRuntime.NativeMethods", new DllNotFoundException("onnxruntime"))));

        Assert.Contains("libonnxruntime.so", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_failures_are_not_mistaken_for_a_missing_runtime() =>
        Assert.Throws<InvalidOperationException>(() => BlazeFaceDetector.WithNativeRuntime<int>(() => throw new InvalidOperationException("other")));

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void A_minimum_score_outside_zero_to_one_is_refused(float minScore)
    {
        using BlazeFaceDetector detector = BlazeFaceDetector.Load(VisionTestData.BlazeFaceModel);

        Assert.Throws<ArgumentOutOfRangeException>(() => detector.Detect(new RgbImage(new byte[256 * 256 * 3], 256, 256, 768), minScore));
    }

    [Fact]
    public void A_disposed_detector_refuses_to_detect()
    {
        BlazeFaceDetector detector = BlazeFaceDetector.Load(VisionTestData.BlazeFaceModel);
        detector.Dispose();

        Assert.Throws<ObjectDisposedException>(() => detector.Detect(new RgbImage(new byte[256 * 256 * 3], 256, 256, 768), 0.5f));
    }
}

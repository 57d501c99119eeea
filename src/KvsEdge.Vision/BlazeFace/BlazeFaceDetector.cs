using System.Runtime.InteropServices;
using KvsEdge.Vision.Detection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace KvsEdge.Vision.BlazeFace;

/// <summary>Loading options of <see cref="BlazeFaceDetector"/>.</summary>
public sealed record BlazeFaceDetectorOptions
{
    /// <summary>ONNX Runtime intra-op threads. One by default: a Pi has few cores and the camera pipeline needs them.</summary>
    public int IntraOpThreads { get; init; } = 1;
}

/// <summary>
/// MediaPipe BlazeFace (the 256×256 "back" model, or the 128×128 "front" one) on ONNX Runtime's CPU provider. The model
/// is validated at load; the input tensor, output buffers and decoder are allocated once and reused every frame.
/// Not thread-safe (see <see cref="IFaceDetector"/>).
/// </summary>
public sealed class BlazeFaceDetector : IFaceDetector
{
    /// <summary>
    /// The minimum score the app uses unless configured. MediaPipe's own threshold for this model is 0.52, but a door
    /// camera pays for every false face with a cloud call: on the test photos (tests/KvsEdge.Tests/Vision) the best
    /// non-face is a cat's head at 0.796 and the lowest clear human face 0.834, so 0.81 sits between them. Turned or
    /// half-hidden faces score lower and wait for a better frame, which the trigger's K-of-M window gives them.
    /// </summary>
    public const float DefaultMinScore = 0.81f;

    private const string NativeLibrary = "libonnxruntime.so";

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly float[] _input;
    private readonly float[] _scores1 = new float[BlazeFaceAnchors.FirstGridAnchors];
    private readonly float[] _scores2 = new float[BlazeFaceAnchors.SecondGridAnchors];
    private readonly float[] _boxes1 = new float[BlazeFaceAnchors.FirstGridAnchors * 16];
    private readonly float[] _boxes2 = new float[BlazeFaceAnchors.SecondGridAnchors * 16];
    private readonly OrtValue[] _inputValues;
    private readonly OrtValue[] _outputValues;
    private readonly BlazeFaceDecoder _decoder;
    private readonly int _size;
    private bool _disposed;

    private BlazeFaceDetector(InferenceSession session, string inputName, int size, string[] outputNames)
    {
        _session = session;
        _size = size;
        _runOptions = new RunOptions();
        _inputNames = [inputName];
        _outputNames = outputNames;
        _input = new float[size * size * 3];
        _inputValues = [OrtValue.CreateTensorValueFromMemory(_input, [1, size, size, 3])];
        _outputValues =
        [
            OrtValue.CreateTensorValueFromMemory(_scores1, [1, BlazeFaceAnchors.FirstGridAnchors, 1]),
            OrtValue.CreateTensorValueFromMemory(_scores2, [1, BlazeFaceAnchors.SecondGridAnchors, 1]),
            OrtValue.CreateTensorValueFromMemory(_boxes1, [1, BlazeFaceAnchors.FirstGridAnchors, 16]),
            OrtValue.CreateTensorValueFromMemory(_boxes2, [1, BlazeFaceAnchors.SecondGridAnchors, 16]),
        ];
        _decoder = new BlazeFaceDecoder(size);
    }

    public int InputWidth => _size;

    public int InputHeight => _size;

    /// <summary>
    /// Loads and validates <paramref name="modelPath"/>. Throws <see cref="VisionModelException"/> naming the file and
    /// what is wrong (missing, unreadable, not ONNX, not BlazeFace's inputs and outputs), or naming libonnxruntime.so
    /// when ONNX Runtime's native library cannot be loaded.
    /// </summary>
    public static BlazeFaceDetector Load(string modelPath, BlazeFaceDetectorOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        options ??= new BlazeFaceDetectorOptions();
        if (options.IntraOpThreads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.IntraOpThreads, "IntraOpThreads must be at least 1.");
        }

        if (!File.Exists(modelPath))
        {
            throw new VisionModelException(
                $"The face detector model {modelPath} does not exist (scripts/fetch-models.sh fetches it; Vision:ModelPath overrides the path).",
                modelPath);
        }

        return WithNativeRuntime(() => Open(modelPath, options));
    }

    /// <summary>
    /// Runs <paramref name="load"/>, turning a missing or unloadable ONNX Runtime native library into a
    /// <see cref="VisionModelException"/> naming it (the .NET exceptions alone say "onnxruntime" or only a type name).
    /// </summary>
    internal static T WithNativeRuntime<T>(Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException
            || (e is TypeInitializationException && e.InnerException is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException))
        {
            throw new VisionModelException(
                $"ONNX Runtime's native library {NativeLibrary} could not be loaded ({RuntimeInformation.RuntimeIdentifier}; it ships "
                + $"beside the kvsedge binary, and needs a 64-bit OS): {(e.InnerException ?? e).Message}",
                modelPath: null,
                e);
        }
    }

    private static BlazeFaceDetector Open(string modelPath, BlazeFaceDetectorOptions options)
    {
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,

            // The converted model carries unused initializers that ONNX Runtime warns about on stderr at every load;
            // errors still reach the exception we raise.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };

        // Idle threads must not spin on a small CPU shared with the camera pipeline.
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");

        InferenceSession session;
        try
        {
            session = new InferenceSession(modelPath, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new VisionModelException($"The face detector model {modelPath} is not a valid ONNX model: {e.Message}", modelPath, e);
        }

        try
        {
            (string input, int size, string[] outputs) = Validate(session, modelPath);
            return new BlazeFaceDetector(session, input, size, outputs);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    // BlazeFace: one float input [1, S, S, 3] (NHWC, S 128 or 256); four float outputs, the scores [1, 512, 1] and
    // [1, 384, 1] and the boxes [1, 512, 16] and [1, 384, 16], told apart by shape (the names differ between exports).
    private static (string Input, int Size, string[] Outputs) Validate(InferenceSession session, string modelPath)
    {
        string Fail(string what) => throw new VisionModelException(
            $"The face detector model {modelPath} is not a BlazeFace model: {what}.", modelPath);

        if (session.InputMetadata.Count != 1)
        {
            Fail($"it has {session.InputMetadata.Count} inputs, expected one image input [1, 256, 256, 3]");
        }

        (string inputName, NodeMetadata input) = session.InputMetadata.First();
        int[] shape = input.IsTensor ? input.Dimensions : [];
        if (!input.IsTensor || input.ElementDataType != TensorElementType.Float || shape.Length != 4
            || shape[0] is not (1 or -1) || shape[3] != 3 || shape[1] != shape[2] || shape[1] is not (128 or 256))
        {
            Fail($"input '{inputName}' is {Describe(input)}, expected float [1, 256, 256, 3] (or [1, 128, 128, 3]), NHWC RGB");
        }

        var outputs = new string?[4];
        foreach ((string name, NodeMetadata output) in session.OutputMetadata)
        {
            int slot = output is { IsTensor: true, ElementDataType: TensorElementType.Float, Dimensions: [1 or -1, var anchors, var values] }
                ? (anchors, values) switch
                {
                    (BlazeFaceAnchors.FirstGridAnchors, 1) => 0,
                    (BlazeFaceAnchors.SecondGridAnchors, 1) => 1,
                    (BlazeFaceAnchors.FirstGridAnchors, 16) => 2,
                    (BlazeFaceAnchors.SecondGridAnchors, 16) => 3,
                    _ => -1,
                }
                : -1;
            if (slot >= 0)
            {
                outputs[slot] = name;
            }
        }

        if (session.OutputMetadata.Count != 4 || Array.IndexOf(outputs, null) >= 0)
        {
            Fail("outputs are " + string.Join(", ", session.OutputMetadata.Select(o => $"'{o.Key}' {Describe(o.Value)}"))
                + ", expected float [1, 512, 1], [1, 384, 1], [1, 512, 16] and [1, 384, 16]");
        }

        return (inputName, shape[1], Array.ConvertAll(outputs, o => o!));
    }

    private static string Describe(NodeMetadata node) =>
        node.IsTensor ? $"{node.ElementDataType} [{string.Join(", ", node.Dimensions)}]" : node.OnnxValueType.ToString();

    public IReadOnlyList<FaceDetection> Detect(RgbImage image, float minScore)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!(minScore is >= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(minScore), minScore, "A minimum score is between 0 and 1.");
        }

        Letterbox box = LetterboxPreprocessor.Fill(image, _size, _input);
        _session.Run(_runOptions, _inputNames, _inputValues, _outputNames, _outputValues);

        List<Candidate> found = _decoder.Decode(_scores1, _boxes1, _scores2, _boxes2, minScore);
        if (found.Count == 0)
        {
            return [];
        }

        var faces = new FaceDetection[found.Count];
        for (int i = 0; i < found.Count; i++)
        {
            Candidate c = found[i];
            PointF topLeft = box.ToSource((c.CenterX - (c.Width / 2)) * _size, (c.CenterY - (c.Height / 2)) * _size);
            var keypoints = new PointF[6];
            for (int k = 0; k < 6; k++)
            {
                keypoints[k] = box.ToSource(c.Points[2 * k] * _size, c.Points[(2 * k) + 1] * _size);
            }

            faces[i] = new FaceDetection(
                new BoxF(topLeft.X, topLeft.Y, box.ToSourceX(c.Width * _size), box.ToSourceY(c.Height * _size)),
                c.Score,
                keypoints);
        }

        return faces;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (OrtValue value in _inputValues.Concat(_outputValues))
        {
            value.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
    }
}

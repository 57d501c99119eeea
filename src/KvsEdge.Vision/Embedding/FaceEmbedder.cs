using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace KvsEdge.Vision.Embedding;

/// <summary>A face embedder model that cannot be used: missing, unreadable, or not the 150×150 → 128 network.</summary>
public sealed class FaceEmbedderModelException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// dlib's face recognition ResNet as ONNX (scripts/build-face-embedder.sh): a 150×150 RGB chip aligned by
/// <see cref="FaceAlignment"/> in, a 128-D descriptor out. Two chips of one person are typically closer than
/// <see cref="DlibSamePersonThreshold"/> (Euclidean). Not thread-safe: one caller at a time, buffers are reused.
/// </summary>
public sealed class FaceEmbedder : IDisposable
{
    public const int ChipSize = 150;
    public const int ChipBytes = ChipSize * ChipSize * 3;
    public const int DescriptorLength = 128;

    /// <summary>dlib's documented decision threshold for this model (99.38 % on LFW).</summary>
    public const float DlibSamePersonThreshold = 0.6f;

    private const int PlaneSize = ChipSize * ChipSize;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string _inputName;
    private readonly string _outputName;
    private float[] _input = [];

    private FaceEmbedder(InferenceSession session, string inputName, string outputName, string modelPath)
    {
        _session = session;
        _inputName = inputName;
        _outputName = outputName;
        ModelPath = modelPath;
        SourceSha256 = session.ModelMetadata.CustomMetadataMap.GetValueOrDefault(SourceSha256Key);
    }

    /// <summary>The metadata key under which scripts/face-embedder/dlib_to_onnx.py records its source's SHA-256.</summary>
    public const string SourceSha256Key = "kvsedge.source_sha256";

    public string ModelPath { get; }

    /// <summary>
    /// The SHA-256 of the dlib weights the model was converted from (null for a model without that metadata): what a
    /// gallery of descriptors records, since descriptors of different models cannot be compared.
    /// </summary>
    public string? SourceSha256 { get; }

    /// <summary>
    /// Loads and checks the model: one float input [N|1, 3, 150, 150] and one float output [N|1, 128]. Every failure is a
    /// <see cref="FaceEmbedderModelException"/> naming the file.
    /// </summary>
    public static FaceEmbedder Load(string modelPath, int intraOpThreads = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(intraOpThreads, 1);
        if (!File.Exists(modelPath))
        {
            throw new FaceEmbedderModelException(
                $"Face embedder model {modelPath} does not exist (build it with scripts/build-face-embedder.sh).");
        }

        InferenceSession session;
        using (var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        })
        {
            try
            {
                session = new InferenceSession(modelPath, options);
            }
            catch (OnnxRuntimeException e)
            {
                throw new FaceEmbedderModelException($"Face embedder model {modelPath} is not a valid ONNX model: {e.Message}", e);
            }
        }

        try
        {
            var (inputName, outputName) = CheckShape(session, modelPath);
            return new FaceEmbedder(session, inputName, outputName, modelPath);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static (string Input, string Output) CheckShape(InferenceSession session, string modelPath)
    {
        if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count != 1)
        {
            throw new FaceEmbedderModelException(
                $"Face embedder model {modelPath} has {session.InputMetadata.Count} inputs and {session.OutputMetadata.Count} outputs; expected one of each.");
        }

        var (inputName, input) = session.InputMetadata.First();
        var (outputName, output) = session.OutputMetadata.First();
        if (input.ElementDataType != TensorElementType.Float || !IsBatchOf(input.Dimensions, 3, ChipSize, ChipSize))
        {
            throw new FaceEmbedderModelException(
                $"Face embedder model {modelPath} takes {Describe(input)}; expected float [N,3,{ChipSize},{ChipSize}].");
        }

        if (output.ElementDataType != TensorElementType.Float || !IsBatchOf(output.Dimensions, DescriptorLength))
        {
            throw new FaceEmbedderModelException(
                $"Face embedder model {modelPath} returns {Describe(output)}; expected float [N,{DescriptorLength}].");
        }

        return (inputName, outputName);
    }

    // A symbolic batch dimension is reported as -1; a fixed batch of 1 is accepted too (then one chip per run).
    private static bool IsBatchOf(int[] dims, params int[] rest) =>
        dims.Length == rest.Length + 1 && (dims[0] == -1 || dims[0] == 1) && dims.AsSpan(1).SequenceEqual(rest);

    private static string Describe(NodeMetadata m) =>
        $"{m.ElementDataType} [{string.Join(',', m.Dimensions.Select(d => d < 0 ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";

    private bool FixedBatchOfOne => _session.InputMetadata[_inputName].Dimensions[0] == 1;

    /// <summary>The descriptor of one chip: <see cref="ChipBytes"/> bytes of RGB24, rows of 450 bytes.</summary>
    public float[] Embed(ReadOnlySpan<byte> chipRgb) => Embed(chipRgb, 1)[0];

    /// <summary>The descriptors of <paramref name="count"/> chips laid one after the other, in one inference.</summary>
    public float[][] Embed(ReadOnlySpan<byte> chipsRgb, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (chipsRgb.Length != count * ChipBytes)
        {
            throw new ArgumentException($"Expected {count} chips of {ChipBytes} bytes, got {chipsRgb.Length} bytes.", nameof(chipsRgb));
        }

        if (count > 1 && FixedBatchOfOne)
        {
            var one = new float[count][];
            for (int i = 0; i < count; i++)
            {
                one[i] = Embed(chipsRgb.Slice(i * ChipBytes, ChipBytes), 1)[0];
            }

            return one;
        }

        if (_input.Length != count * 3 * PlaneSize)
        {
            _input = new float[count * 3 * PlaneSize];
        }

        for (int n = 0; n < count; n++)
        {
            ToPlanes(chipsRgb.Slice(n * ChipBytes, ChipBytes), _input.AsSpan(n * 3 * PlaneSize, 3 * PlaneSize));
        }

        using var input = OrtValue.CreateTensorValueFromMemory(_input, [count, 3, ChipSize, ChipSize]);
        using var outputs = _session.Run(_runOptions, [_inputName], [input], [_outputName]);
        var flat = outputs[0].GetTensorDataAsSpan<float>();
        var result = new float[count][];
        for (int n = 0; n < count; n++)
        {
            result[n] = flat.Slice(n * DescriptorLength, DescriptorLength).ToArray();
        }

        return result;
    }

    // Interleaved RGB bytes → three float planes (R, G, B), 0..255: the model holds dlib's mean and scale.
    private static void ToPlanes(ReadOnlySpan<byte> rgb, Span<float> planes)
    {
        var r = planes[..PlaneSize];
        var g = planes.Slice(PlaneSize, PlaneSize);
        var b = planes.Slice(2 * PlaneSize, PlaneSize);
        for (int i = 0, p = 0; i < PlaneSize; i++, p += 3)
        {
            r[i] = rgb[p];
            g[i] = rgb[p + 1];
            b[i] = rgb[p + 2];
        }
    }

    /// <summary>Euclidean distance between two descriptors (what dlib's threshold is defined on).</summary>
    public static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("Descriptors of different lengths.", nameof(b));
        }

        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            sum += d * d;
        }

        return (float)Math.Sqrt(sum);
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}

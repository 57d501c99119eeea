using System.Globalization;
using System.Text;
using KvsEdge.Vision.Detection;

namespace KvsEdge.Tests.Vision.Embedding;

/// <summary>
/// The embedder's model and dlib's reference chips, built into caches by scripts/build-face-embedder.sh and
/// scripts/build-dlib-reference.sh (install-prerequisites.sh runs both); never in the repository.
/// </summary>
internal static class EmbeddingTestData
{
    private static string Home => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    public static string ModelDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("KVSEDGE_MODEL_CACHE") is { Length: > 0 } m ? m : Path.Combine(Home, ".cache", "kvsedge", "models"), "dlib-face-resnet-v1");

    public static string ReferenceDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("KVSEDGE_TEST_DATA") is { Length: > 0 } d ? d : Path.Combine(Home, ".cache", "kvsedge", "test-data"), "dlib-reference");

    public static string ModelPath
    {
        get
        {
            var path = Path.Combine(ModelDirectory, "dlib_face_recognition_resnet_model_v1.onnx");
            return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: run scripts/build-face-embedder.sh (or scripts/install-prerequisites.sh).");
        }
    }

    /// <summary>Every face dlib aligned and embedded, with its person when known.</summary>
    public static IReadOnlyList<ReferenceFace> Faces()
    {
        var chips = Path.Combine(ReferenceDirectory, "chips");
        if (!File.Exists(Path.Combine(ReferenceDirectory, "DONE")))
        {
            throw new InvalidOperationException($"{ReferenceDirectory} is missing: run scripts/build-dlib-reference.sh (or scripts/install-prerequisites.sh).");
        }

        var labels = File.ReadAllLines(Path.Combine(ReferenceDirectory, "labels.tsv"))
            .Select(l => l.Split('\t'))
            .ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
        var faces = new List<ReferenceFace>();
        foreach (var txt in Directory.GetFiles(chips, "*.txt").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(txt);
            var lines = File.ReadAllLines(txt);
            var marks = Numbers(lines[0]);
            var size = Numbers(lines[3]);
            faces.Add(new ReferenceFace(
                name,
                labels.GetValueOrDefault(name),
                File.ReadAllBytes(Path.ChangeExtension(txt, ".rgb")),
                [.. Numbers(lines[2]).Select(v => (float)v)],
                [.. Enumerable.Range(0, 5).Select(i => new PointF((float)marks[2 * i], (float)marks[(2 * i) + 1]))],
                Path.Combine(chips, name[..name.LastIndexOf('.')] + ".image.rgb"),
                (int)size[0],
                (int)size[1]));
        }

        return faces;
    }

    private static double[] Numbers(string line) =>
        [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, CultureInfo.InvariantCulture))];

    /// <summary>A minimal ONNX model: one Identity node, the given input and output shapes (null = symbolic "N").</summary>
    public static byte[] IdentityModel(int?[] shape)
    {
        static byte[] Field(int number, byte[] payload) => [.. Varint((ulong)((number << 3) | 2)), .. Varint((ulong)payload.Length), .. payload];
        static byte[] Int(int number, long value) => [.. Varint((ulong)(number << 3)), .. Varint((ulong)value)];
        static byte[] Str(int number, string s) => Field(number, Encoding.UTF8.GetBytes(s));
        static byte[] Varint(ulong v)
        {
            var bytes = new List<byte>();
            do
            {
                byte b = (byte)(v & 0x7F);
                v >>= 7;
                bytes.Add(v != 0 ? (byte)(b | 0x80) : b);
            }
            while (v != 0);
            return [.. bytes];
        }

        byte[] dims = [.. shape.SelectMany(d => Field(1, d is int v ? Int(1, v) : Str(2, "N")))];
        byte[] type = Field(1, [.. Int(1, 1), .. Field(2, dims)]); // tensor_type { elem_type FLOAT, shape }
        byte[] graph = [
            .. Field(1, [.. Str(1, "x"), .. Str(2, "y"), .. Str(4, "Identity")]),
            .. Str(2, "g"),
            .. Field(11, [.. Str(1, "x"), .. Field(2, type)]),
            .. Field(12, [.. Str(1, "y"), .. Field(2, type)]),
        ];
        return [.. Int(1, 7), .. Field(7, graph), .. Field(8, [.. Str(1, ""), .. Int(2, 13)])];
    }
}

internal sealed record ReferenceFace(
    string Name, string? Person, byte[] Chip, float[] DlibDescriptor, PointF[] Landmarks, string ImagePath, int ImageWidth, int ImageHeight);

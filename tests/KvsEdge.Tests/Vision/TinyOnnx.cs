namespace KvsEdge.Tests.Vision;

/// <summary>
/// Hand-written ONNX protobuf for tests: a valid model that is not BlazeFace (an Identity from one float tensor to
/// another), so the detector's shape validation is tested against what ONNX Runtime really loads. Field numbers from
/// onnx.proto: ModelProto ir_version 1, graph 7, opset_import 8; GraphProto node 1, name 2, input 11, output 12;
/// NodeProto input 1, output 2, op_type 4; ValueInfoProto name 1, type 2; TypeProto tensor_type 1; Tensor elem_type 1
/// (1 = FLOAT), shape 2; TensorShapeProto dim 1; Dimension dim_value 1.
/// </summary>
internal static class TinyOnnx
{
    public static byte[] Identity(int[] inputShape, params int[][] outputShapes)
    {
        var graph = new List<byte>();
        for (int i = 0; i < outputShapes.Length; i++)
        {
            graph.AddRange(Bytes(1, [.. Bytes(1, Utf8("x")), .. Bytes(2, Utf8($"y{i}")), .. Bytes(4, Utf8("Identity"))]));
        }

        graph.AddRange(Bytes(2, Utf8("tiny")));
        graph.AddRange(Bytes(11, ValueInfo("x", inputShape)));
        for (int i = 0; i < outputShapes.Length; i++)
        {
            graph.AddRange(Bytes(12, ValueInfo($"y{i}", outputShapes[i])));
        }

        return [.. Varint(1, 7), .. Bytes(7, [.. graph]), .. Bytes(8, [.. Bytes(1, []), .. Varint(2, 12)])];
    }

    private static byte[] ValueInfo(string name, int[] shape)
    {
        var dims = new List<byte>();
        foreach (int d in shape)
        {
            dims.AddRange(Bytes(1, Varint(1, d)));
        }

        byte[] tensor = [.. Varint(1, 1), .. Bytes(2, [.. dims])];
        return [.. Bytes(1, Utf8(name)), .. Bytes(2, Bytes(1, tensor))];
    }

    private static byte[] Utf8(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    private static byte[] Varint(int field, long value) => [.. Raw((ulong)field << 3), .. Raw((ulong)value)];

    private static byte[] Bytes(int field, byte[] payload) => [.. Raw(((ulong)field << 3) | 2), .. Raw((ulong)payload.Length), .. payload];

    private static byte[] Raw(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7f);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }
}

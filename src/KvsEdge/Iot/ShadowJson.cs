using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KvsEdge.Iot;

/// <summary>How shadow requests are written: UTF-8 as is, so a reason reads `` `Door:Relay:Pin` `` in the console, not `\u0060`.</summary>
internal static class ShadowJson
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Bytes(JsonNode node) => System.Text.Encoding.UTF8.GetBytes(node.ToJsonString(Relaxed));
}

using System.Globalization;
using System.Text;

namespace KvsEdge.Benchmarks.Faults;

/// <summary>
/// Records no honest stream processor writes, each aimed at the allow-listed `alice`: none may unlock and none may
/// stop the consumer. Sizes stay within a Kinesis record (1 MiB with the partition key).
/// </summary>
internal static class HostileRecords
{
    public static IReadOnlyList<(string Name, byte[] Data)> All(Func<string> fragment)
    {
        string Good(double similarity) => Encoding.UTF8.GetString(BenchRecords.Match("alice", similarity, DateTimeOffset.UtcNow, fragment()));
        string good = Good(99.5);
        string now = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0).ToString("R", CultureInfo.InvariantCulture);
        var records = new List<(string, byte[])>
        {
            ("truncated", Utf8(good[..(good.Length / 2)])),
            ("truncated", Utf8(good[..^2])),
            ("truncated", "{"u8.ToArray()),
            ("wrong types", Utf8(good.Replace("\"Similarity\": 99.5", "\"Similarity\": \"99.5\"", StringComparison.Ordinal))),
            ("wrong types", Utf8(good.Replace("\"ExternalImageId\": \"alice\"", "\"ExternalImageId\": [\"alice\"]", StringComparison.Ordinal))),
            ("wrong types", Utf8(Wrap("{\"alice\": 99.5}"))),
            ("wrong types", Utf8("[" + good + "]")),
            ("wrong types", Utf8(good.Replace("\"ProducerTimestamp\": ", "\"ProducerTimestamp\": \"yesterday\", \"x\": ", StringComparison.Ordinal))),
            ("wrong types", "null"u8.ToArray()),
            ("NaN", Utf8(good.Replace("\"Similarity\": 99.5", "\"Similarity\": NaN", StringComparison.Ordinal))),
            ("NaN", Utf8(good.Replace("\"Similarity\": 99.5", "\"Similarity\": \"NaN\"", StringComparison.Ordinal))),
            ("NaN", Utf8(good.Replace("\"Similarity\": 99.5", "\"Similarity\": 1e400", StringComparison.Ordinal))),
            ("NaN", Utf8(good.Replace("\"Similarity\": 99.5", "\"Similarity\": 1000", StringComparison.Ordinal))),
            ("NaN", Utf8(good.Replace("\"Similarity\": 99.5", "\"Similarity\": -1e308", StringComparison.Ordinal))),
            ("NaN", Utf8(ReplaceTimestamp(good, "NaN"))),
            ("NaN", Utf8(ReplaceTimestamp(good, "1e300"))),
            ("NaN", Utf8(ReplaceTimestamp(good, "-1e300"))),
            ("NaN", Utf8(ReplaceTimestamp(good, "99999999999999999999"))),
            ("10k faces", Utf8(Faces(10_000, now, i => i % 10 == 0 ? ("s" + i.ToString(CultureInfo.InvariantCulture), 99.0) : null, i => i == 5_000 ? ("alice", 50.0) : null))),
            ("1 MB", Utf8(Pad(Faces(1, now, _ => ("stranger", 99.0), _ => ("alice", 60.0)), 1_000_000))),
            ("deep nesting", Utf8(Wrap(new string('[', 100_000) + new string(']', 100_000)))),
            ("deep nesting", Utf8(string.Concat(Enumerable.Repeat("{\"FaceSearchResponse\":", 20_000)) + "1" + new string('}', 20_000))),
            ("invalid UTF-8", [.. Utf8(good[..good.IndexOf("alice", StringComparison.Ordinal)]), 0xC3, 0x28, 0xFF, .. Utf8(good[(good.IndexOf("alice", StringComparison.Ordinal) + 5)..])]),
            ("invalid UTF-8", [.. Utf8(good.Replace("\"ExternalImageId\": \"alice\"", "\"ExternalImageId\": \"alice\\ud800\"", StringComparison.Ordinal))]),
            ("invalid UTF-8", [0xFE, 0xFF, 0x00, 0x7B, 0x80, 0x81]),
        };
        return records;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Wrap(string faceSearchResponse) => "{\"StreamProcessorInformation\":{\"Status\":\"RUNNING\"},\"FaceSearchResponse\":" + faceSearchResponse + "}";

    private static string ReplaceTimestamp(string record, string value)
    {
        int start = record.IndexOf("\"ProducerTimestamp\": ", StringComparison.Ordinal) + "\"ProducerTimestamp\": ".Length;
        int end = record.IndexOf(',', start);
        return record[..start] + value + record[end..];
    }

    /// <summary>A record with <paramref name="count"/> detected faces, each with its best match and an optional second one.</summary>
    private static string Faces(int count, string producerTimestamp, Func<int, (string Id, double Similarity)?> match, Func<int, (string Id, double Similarity)?> extra)
    {
        var json = new StringBuilder(count * 200);
        json.Append("{\"InputInformation\":{\"KinesisVideo\":{\"StreamArn\":\"arn:aws:kinesisvideo:us-east-1:123456789012:stream/door/1\",\"FragmentNumber\":\"9\",")
            .Append("\"ServerTimestamp\":").Append(producerTimestamp).Append(",\"ProducerTimestamp\":").Append(producerTimestamp).Append(",\"FrameOffsetInSeconds\":0}},")
            .Append("\"StreamProcessorInformation\":{\"Status\":\"RUNNING\"},\"FaceSearchResponse\":[");
        for (int i = 0; i < count; i++)
        {
            // Small faces (most without a match) so ten thousand fit in one Kinesis record.
            json.Append(i == 0 ? "" : ",").Append("{\"DetectedFace\":{\"Confidence\":99},\"MatchedFaces\":[");
            var matches = new[] { match(i), extra(i) }.OfType<(string Id, double Similarity)>().ToList();
            for (int m = 0; m < matches.Count; m++)
            {
                json.Append(m == 0 ? "" : ",");
                Append(json, matches[m]);
            }

            json.Append("]}");
        }

        return json.Append("]}").ToString();

        static void Append(StringBuilder json, (string Id, double Similarity) face) => json
            .Append("{\"Similarity\":").Append(face.Similarity.ToString("R", CultureInfo.InvariantCulture))
            .Append(",\"Face\":{\"FaceId\":\"f").Append(face.Id).Append("\",\"ExternalImageId\":\"").Append(face.Id).Append("\",\"Confidence\":99}}");
    }

    /// <summary>Pads a JSON object with an unknown string property up to <paramref name="size"/> bytes.</summary>
    private static string Pad(string record, int size) =>
        record[..^1] + ",\"Padding\":\"" + new string('x', Math.Max(0, size - record.Length - 14)) + "\"}";
}

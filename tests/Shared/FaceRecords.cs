using System.Globalization;
using System.Text;

namespace KvsEdge.TestSupport;

/// <summary>Stream-processor records in the documented format, timed relative to a given clock reading.</summary>
public static class FaceRecords
{
    private static long s_fragment = 913438523332896827L;

    /// <summary>A frame with one face matched to <paramref name="externalImageId"/>.</summary>
    public static byte[] Match(string externalImageId, double similarity, DateTimeOffset frameTime) =>
        Frame(frameTime, $$"""
        [{ "DetectedFace": { "BoundingBox": { "Height": 0.3, "Width": 0.2, "Left": 0.4, "Top": 0.3 }, "Confidence": 99.9 },
           "MatchedFaces": [ { "Similarity": {{similarity.ToString("R", CultureInfo.InvariantCulture)}},
             "Face": { "FaceId": "{{Guid.NewGuid()}}", "ExternalImageId": "{{externalImageId}}", "Confidence": 99.99,
                       "ImageId": "{{Guid.NewGuid()}}", "BoundingBox": { "Height": 0.5, "Width": 0.7, "Left": 0.1, "Top": 0.2 } } } ] }]
        """);

    /// <summary>A frame with one face that is not in the collection.</summary>
    public static byte[] Unknown(DateTimeOffset frameTime) =>
        Frame(frameTime, """[{ "DetectedFace": { "BoundingBox": { "Height": 0.3, "Width": 0.2, "Left": 0.4, "Top": 0.3 }, "Confidence": 99.1 }, "MatchedFaces": [] }]""");

    private static byte[] Frame(DateTimeOffset frameTime, string faces)
    {
        const double offset = 1.5;
        double producer = (frameTime.ToUnixTimeMilliseconds() / 1000.0) - offset;
        string fragment = Interlocked.Increment(ref s_fragment).ToString(CultureInfo.InvariantCulture) + "282796718532614445757584843717598";
        string json = $$"""
        { "InputInformation": { "KinesisVideo": { "StreamArn": "arn:aws:kinesisvideo:us-east-1:123456789012:stream/door/1", "FragmentNumber": "{{fragment}}",
            "ServerTimestamp": {{(producer + 0.3).ToString("R", CultureInfo.InvariantCulture)}}, "ProducerTimestamp": {{producer.ToString("R", CultureInfo.InvariantCulture)}},
            "FrameOffsetInSeconds": {{offset.ToString("R", CultureInfo.InvariantCulture)}} } },
          "StreamProcessorInformation": { "Status": "RUNNING" },
          "FaceSearchResponse": {{faces}} }
        """;
        return Encoding.UTF8.GetBytes(json);
    }
}

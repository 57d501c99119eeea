using System.Globalization;
using System.Text;

namespace KvsEdge.Benchmarks;

/// <summary>
/// Rekognition stream-processor records in the documented format (the same shape as tests/Shared/FaceRecords.cs),
/// with a FragmentNumber the bench chooses so the boto3 consumer's output can be matched to each put.
/// </summary>
internal static class BenchRecords
{
    public static byte[] Match(string externalImageId, double similarity, DateTimeOffset frameTime, string fragmentNumber)
    {
        const double offset = 1.5;
        double producer = (frameTime.ToUnixTimeMilliseconds() / 1000.0) - offset;
        string json = $$"""
        { "InputInformation": { "KinesisVideo": { "StreamArn": "arn:aws:kinesisvideo:us-east-1:123456789012:stream/door/1", "FragmentNumber": "{{fragmentNumber}}",
            "ServerTimestamp": {{R(producer + 0.3)}}, "ProducerTimestamp": {{R(producer)}}, "FrameOffsetInSeconds": {{R(offset)}} } },
          "StreamProcessorInformation": { "Status": "RUNNING" },
          "FaceSearchResponse": [{ "DetectedFace": { "BoundingBox": { "Height": 0.3, "Width": 0.2, "Left": 0.4, "Top": 0.3 }, "Confidence": 99.9 },
            "MatchedFaces": [ { "Similarity": {{R(similarity)}},
              "Face": { "FaceId": "{{Guid.NewGuid()}}", "ExternalImageId": "{{externalImageId}}", "Confidence": 99.99,
                        "ImageId": "{{Guid.NewGuid()}}", "BoundingBox": { "Height": 0.5, "Width": 0.7, "Left": 0.1, "Top": 0.2 } } } ] }] }
        """;
        return Encoding.UTF8.GetBytes(json);
    }

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

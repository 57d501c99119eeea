namespace KvsEdge.Tests.Recognition;

/// <summary>Record texts shared by the tests.</summary>
internal static class TestRecords
{
    /// <summary>The record documented in the Rekognition developer guide (copied from shared/reference).</summary>
    public const string Documented = """
{
  "InputInformation": {
    "KinesisVideo": {
      "StreamArn": "arn:aws:kinesisvideo:us-west-2:nnnnnnnnnnnn:stream/stream-name",
      "FragmentNumber": "91343852333289682796718532614445757584843717598",
      "ServerTimestamp": 1510552593.455,
      "ProducerTimestamp": 1510552593.193,
      "FrameOffsetInSeconds": 2
    }
  },
  "StreamProcessorInformation": {
    "Status": "RUNNING"
  },
  "FaceSearchResponse": [
    {
      "DetectedFace": {
        "BoundingBox": { "Height": 0.075, "Width": 0.05625, "Left": 0.428125, "Top": 0.40833333 },
        "Confidence": 99.975174,
        "Landmarks": [
          { "X": 0.4452057, "Y": 0.4395594, "Type": "eyeLeft" },
          { "X": 0.46340984, "Y": 0.43744427, "Type": "eyeRight" },
          { "X": 0.45960626, "Y": 0.4526856, "Type": "nose" },
          { "X": 0.44958648, "Y": 0.4696949, "Type": "mouthLeft" },
          { "X": 0.46409217, "Y": 0.46704912, "Type": "mouthRight" }
        ],
        "Pose": { "Pitch": 2.9691637, "Roll": -6.8904796, "Yaw": 23.84388 },
        "Quality": { "Brightness": 40.592964, "Sharpness": 96.09616 }
      },
      "MatchedFaces": [
        {
          "Similarity": 88.86396,
          "Face": {
            "BoundingBox": { "Height": 0.557692, "Width": 0.749838, "Left": 0.103426, "Top": 0.206731 },
            "FaceId": "ed1b560f-d6af-5158-989a-ff586c931545",
            "Confidence": 99.999201,
            "ImageId": "70e09693-2114-57e1-807c-50b6d61fa4dc",
            "ExternalImageId": "matchedImage.jpeg"
          }
        }
      ]
    }
  ]
}
""";

    /// <summary>A compact record with the given KinesisVideo body and FaceSearchResponse array text.</summary>
    public static string Build(string? kinesisVideo = null, string faces = "[]", string status = "\"RUNNING\"") =>
        "{\"InputInformation\":{\"KinesisVideo\":" + (kinesisVideo ?? KinesisVideo()) + "},"
        + "\"StreamProcessorInformation\":{\"Status\":" + status + "},"
        + "\"FaceSearchResponse\":" + faces + "}";

    public static string KinesisVideo(
        string arn = "\"arn:aws:kinesisvideo:eu-central-1:123456789012:stream/door/1\"",
        string fragment = "\"91343852333289682796718532614445757584843717598\"",
        string producer = "1510552593.193",
        string offset = "2",
        string server = "1510552593.455") =>
        "{\"StreamArn\":" + arn + ",\"FragmentNumber\":" + fragment + ",\"ServerTimestamp\":" + server
        + ",\"ProducerTimestamp\":" + producer + ",\"FrameOffsetInSeconds\":" + offset + "}";

    public static string Face(params string[] matches) =>
        "{\"DetectedFace\":{\"BoundingBox\":{\"Height\":0.1,\"Width\":0.1,\"Left\":0.4,\"Top\":0.4},\"Confidence\":99.9},"
        + "\"MatchedFaces\":[" + string.Join(",", matches) + "]}";

    public static string Match(string externalImageId, double similarity, string faceId = "f-1") =>
        "{\"Similarity\":" + similarity.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
        + ",\"Face\":{\"FaceId\":\"" + faceId + "\",\"ExternalImageId\":\"" + externalImageId + "\",\"Confidence\":99.9,\"ImageId\":\"i-1\"}}";
}

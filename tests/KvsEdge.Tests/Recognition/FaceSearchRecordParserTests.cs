using System.Text;
using KvsEdge.Access;
using KvsEdge.Recognition;
using static KvsEdge.Tests.Recognition.TestRecords;

namespace KvsEdge.Tests.Recognition;

public class FaceSearchRecordParserTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2017, 11, 13, 6, 0, 0, TimeSpan.Zero);

    private static FaceSearchParseResult Parse(string json) =>
        FaceSearchRecordParser.Parse(Encoding.UTF8.GetBytes(json), RecognitionSources.Kinesis, ReceivedAt);

    private static FaceSearchFrame ParseOk(string json)
    {
        FaceSearchParseResult result = Parse(json);
        Assert.True(result.IsSuccess, result.Error);
        return result.Frame;
    }

    private static string ParseError(string json)
    {
        FaceSearchParseResult result = Parse(json);
        Assert.False(result.IsSuccess, "expected an error");
        return result.Error;
    }

    [Fact]
    public void Documented_record_parses_with_its_frame_time_and_match()
    {
        FaceSearchFrame frame = ParseOk(Documented);

        Assert.Equal("arn:aws:kinesisvideo:us-west-2:nnnnnnnnnnnn:stream/stream-name", frame.StreamArn);
        Assert.Equal("91343852333289682796718532614445757584843717598", frame.FragmentNumber);
        Assert.Equal(1510552593.193, frame.ProducerTimestamp);
        Assert.Equal(1510552593.455, frame.ServerTimestamp);
        Assert.Equal(2.0, frame.FrameOffsetInSeconds);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1510552595193), frame.FrameTime);
        Assert.Equal("RUNNING", frame.ProcessorStatus);
        Assert.Equal(ReceivedAt, frame.ReceivedAt);
        Assert.Equal(
            "arn:aws:kinesisvideo:us-west-2:nnnnnnnnnnnn:stream/stream-name|91343852333289682796718532614445757584843717598|1510552593.193|2",
            frame.RecordKey);

        FaceObservation face = Assert.Single(frame.Faces);
        Assert.Equal(0, face.FaceIndex);
        Assert.Equal(frame.RecordKey, face.RecordKey);
        Assert.Equal(frame.FrameTime, face.FrameTime);
        Assert.Equal(RecognitionSources.Kinesis, face.Source);
        Assert.Equal(frame.FragmentNumber, face.FragmentNumber);
        Assert.Equal(1510552593.193, face.ProducerTimestamp);
        FaceCandidate candidate = Assert.Single(face.Candidates);
        Assert.Equal(new FaceCandidate("matchedImage.jpeg", "ed1b560f-d6af-5158-989a-ff586c931545", 88.86396), candidate);
    }

    [Fact]
    public void Redelivered_record_has_the_same_keys_and_received_time_does_not_change_them()
    {
        FaceSearchFrame first = ParseOk(Documented);
        FaceSearchFrame again = FaceSearchRecordParser.Parse(Encoding.UTF8.GetBytes(Documented), RecognitionSources.Kinesis, ReceivedAt.AddMinutes(5)).Frame!;
        Assert.Equal(first.RecordKey, again.RecordKey);
        Assert.Equal(first.Faces[0].DedupKey, again.Faces[0].DedupKey);

        // A different frame offset in the same fragment is a different frame.
        FaceSearchFrame other = ParseOk(Documented.Replace("\"FrameOffsetInSeconds\": 2", "\"FrameOffsetInSeconds\": 2.0333", StringComparison.Ordinal));
        Assert.NotEqual(first.RecordKey, other.RecordKey);
    }

    [Fact]
    public void Several_faces_keep_their_order_and_candidates()
    {
        FaceSearchFrame frame = ParseOk(Build(faces: "[" + Face(Match("alice_1", 99.5, "a1"), Match("alice_2", 97, "a2")) + "," + Face() + "," + Face(Match("bob", 91, "b")) + "]"));

        Assert.Equal(3, frame.Faces.Count);
        Assert.Equal([0, 1, 2], frame.Faces.Select(f => f.FaceIndex));
        Assert.Equal(["alice_1", "alice_2"], frame.Faces[0].Candidates.Select(c => c.ExternalImageId));
        Assert.Empty(frame.Faces[1].Candidates); // unknown face
        Assert.Equal("bob", Assert.Single(frame.Faces[2].Candidates).ExternalImageId);
        Assert.Equal(3, frame.Faces.Select(f => f.DedupKey).Distinct().Count());
    }

    [Fact]
    public void Empty_FaceSearchResponse_is_a_frame_without_faces()
    {
        FaceSearchFrame frame = ParseOk(Build(faces: "[]"));
        Assert.Empty(frame.Faces);
    }

    [Fact]
    public void Match_without_ExternalImageId_is_kept_as_a_candidate_that_maps_to_nobody()
    {
        FaceSearchFrame frame = ParseOk(Build(faces: "[" + Face("{\"Similarity\":99,\"Face\":{\"FaceId\":\"x\"}}") + "]"));
        Assert.Equal(new FaceCandidate("", "x", 99), Assert.Single(frame.Faces[0].Candidates));
    }

    [Fact]
    public void Optional_parts_may_be_absent()
    {
        string json = "{\"InputInformation\":{\"KinesisVideo\":{\"StreamArn\":\"s\",\"FragmentNumber\":\"1\",\"ProducerTimestamp\":0,\"FrameOffsetInSeconds\":0}},"
            + "\"FaceSearchResponse\":[{\"MatchedFaces\":[]}]}";
        FaceSearchFrame frame = ParseOk(json);
        Assert.Null(frame.ProcessorStatus);
        Assert.Null(frame.ServerTimestamp);
        Assert.Equal(DateTimeOffset.UnixEpoch, frame.FrameTime);
        Assert.Single(frame.Faces);
    }

    [Fact]
    public void A_128_digit_fragment_number_is_kept_exactly()
    {
        string fragment = string.Concat(Enumerable.Repeat("1234567890", 12)) + "12345678";
        Assert.Equal(128, fragment.Length);
        FaceSearchFrame frame = ParseOk(Build(KinesisVideo(fragment: "\"" + fragment + "\"")));
        Assert.Equal(fragment, frame.FragmentNumber);
        Assert.Contains("|" + fragment + "|", frame.RecordKey, StringComparison.Ordinal);
    }

    [Fact]
    public void Frame_time_is_rounded_to_milliseconds_after_adding_the_offset()
    {
        FaceSearchFrame frame = ParseOk(Build(KinesisVideo(producer: "1700000000.1234", offset: "0.0333")));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000157), frame.FrameTime);
    }

    public static TheoryData<string, string> Invalid => new()
    {
        // shape: missing parts
        { "{}", "InputInformation is missing" },
        { "{\"InputInformation\":{}}", "InputInformation.KinesisVideo is missing" },
        { "{\"InputInformation\":null}", "InputInformation is missing" },
        { Build(KinesisVideo(arn: "null")), "InputInformation.KinesisVideo.StreamArn is missing" },
        { Build(KinesisVideo(arn: "\"\"")), "InputInformation.KinesisVideo.StreamArn is missing" },
        { Build(KinesisVideo(fragment: "null")), "InputInformation.KinesisVideo.FragmentNumber is missing" },
        { Build(KinesisVideo(producer: "null")), "InputInformation.KinesisVideo.ProducerTimestamp is missing" },
        { Build(KinesisVideo(offset: "null")), "InputInformation.KinesisVideo.FrameOffsetInSeconds is missing" },
        { Build().Replace(",\"FaceSearchResponse\":[]", "", StringComparison.Ordinal), "FaceSearchResponse is missing" },
        { Build(faces: "[null]"), "FaceSearchResponse[0] is null" },
        { Build(faces: "[{}]"), "FaceSearchResponse[0].MatchedFaces is missing" },
        { Build(faces: "[" + Face() + "," + Face("null") + "]"), "FaceSearchResponse[1].MatchedFaces[0] is null" },
        { Build(faces: "[" + Face("{\"Face\":{\"ExternalImageId\":\"a\"}}") + "]"), "FaceSearchResponse[0].MatchedFaces[0].Similarity is missing" },
        { Build(faces: "[" + Face("{\"Similarity\":99}") + "]"), "FaceSearchResponse[0].MatchedFaces[0].Face is missing" },

        // wrong types
        { Build(KinesisVideo(producer: "\"1510552593.193\"")), "InputInformation.KinesisVideo.ProducerTimestamp is not a number" },
        { Build(KinesisVideo(offset: "\"2\"")), "InputInformation.KinesisVideo.FrameOffsetInSeconds is not a number" },
        { Build(KinesisVideo(fragment: "91343852333289682796718532614445757584843717598")), "InputInformation.KinesisVideo.FragmentNumber is not a string" },
        { Build(KinesisVideo(arn: "42")), "InputInformation.KinesisVideo.StreamArn is not a string" },
        { Build(status: "1"), "StreamProcessorInformation.Status is not a string" },
        { Build(faces: "{}"), "FaceSearchResponse is not an array" },
        { Build(faces: "[1]"), "FaceSearchResponse[0] is not an object" },
        { Build(faces: "[" + Face("{\"Similarity\":\"99\",\"Face\":{}}") + "]"), "FaceSearchResponse[0].MatchedFaces[0].Similarity is not a number" },
        { Build(faces: "[" + Face("{\"Similarity\":true,\"Face\":{}}") + "]"), "FaceSearchResponse[0].MatchedFaces[0].Similarity is not a number" },
        { "{\"InputInformation\":[]}", "InputInformation is not an object" },

        // values
        { Build(KinesisVideo(fragment: "\"12a\"")), "InputInformation.KinesisVideo.FragmentNumber must be 1-128 digits" },
        { Build(KinesisVideo(fragment: "\"-1\"")), "InputInformation.KinesisVideo.FragmentNumber must be 1-128 digits" },
        { Build(KinesisVideo(fragment: "\"" + new string('9', 129) + "\"")), "InputInformation.KinesisVideo.FragmentNumber must be 1-128 digits" },
        { Build(KinesisVideo(offset: "-0.5")), "InputInformation.KinesisVideo.FrameOffsetInSeconds is negative" },
        { Build(KinesisVideo(producer: "-1")), "InputInformation.KinesisVideo.ProducerTimestamp is negative" },
        { Build(KinesisVideo(producer: "1e308")), "frame time 1E+308 + 2 s is beyond the year 9999" },
        { Build(KinesisVideo(producer: "1e308", offset: "1e308")), "frame time 1E+308 + 1E+308 s is beyond the year 9999" },
        { Build(KinesisVideo(producer: "253402300800")), "frame time 253402300800 + 2 s is beyond the year 9999" },
        { Build(faces: "[" + Face(Match("alice", 250)) + "]"), "FaceSearchResponse[0].MatchedFaces[0].Similarity 250 is outside 0-100" },
        { Build(faces: "[" + Face(Match("alice", -0.1)) + "]"), "FaceSearchResponse[0].MatchedFaces[0].Similarity -0.1 is outside 0-100" },
        { Build(faces: "[" + Face() + "]").Replace("\"Confidence\":99.9}", "\"Confidence\":100.5}", StringComparison.Ordinal), "FaceSearchResponse[0].DetectedFace.Confidence 100.5 is outside 0-100" },
        { Build(faces: "[" + string.Join(",", Enumerable.Repeat(Face(), 101)) + "]"), "FaceSearchResponse has 101 entries, limit 100" },
        { Build(faces: "[" + Face(Enumerable.Repeat(Match("a", 90), 101).ToArray()) + "]"), "FaceSearchResponse[0].MatchedFaces has 101 entries, limit 100" },

        // ambiguity: a property given twice
        { Build(faces: "[" + Face("{\"Similarity\":10,\"Similarity\":99,\"Face\":{\"ExternalImageId\":\"alice\"}}") + "]"), "FaceSearchResponse[0].MatchedFaces[0].Similarity appears more than once" },

        // not a record at all
        { "null", "record is JSON null, expected an object" },
        { "[]", "record is a JSON array, expected an object" },
        { "[" + Documented + "]", "record is a JSON array, expected an object" },
        { "\"text\"", "record is a JSON string, expected an object" },
        { "42", "record is a JSON number, expected an object" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_records_name_what_is_wrong(string json, string expected)
    {
        Assert.Equal(expected, ParseError(json));
    }

    [Fact]
    public void Empty_input_is_an_error()
    {
        Assert.Equal("record is empty", FaceSearchRecordParser.Parse([], RecognitionSources.Kinesis, ReceivedAt).Error);
    }

    [Theory]
    [InlineData("{\"InputInformation\":x}", 20)]
    [InlineData("not json", 1)]
    [InlineData("   ", 3)]
    [InlineData("{\"a\":1}{\"b\":2}", 7)]
    [InlineData("{\"a\":1,}", 7)]
    [InlineData("{\n  \"a\": tru\n}", 12)] // absolute offset across lines: where the literal breaks
    public void Syntax_errors_give_the_byte_offset(string json, int offset)
    {
        Assert.StartsWith($"invalid JSON at byte {offset}:", ParseError(json), StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_documented_record_is_invalid_JSON_at_every_cut()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Documented.Trim());
        for (int length = 1; length < bytes.Length; length++)
        {
            FaceSearchParseResult result = FaceSearchRecordParser.Parse(bytes.AsSpan(0, length), RecognitionSources.Kinesis, ReceivedAt);
            Assert.False(result.IsSuccess, $"cut at {length}");
            Assert.StartsWith("invalid JSON at byte ", result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Non_JSON_bytes_and_invalid_UTF8_are_errors()
    {
        Assert.StartsWith("invalid JSON at byte 0", FaceSearchRecordParser.Parse([0xFF, 0xFE, 0x00, 0x01], RecognitionSources.Kinesis, ReceivedAt).Error, StringComparison.Ordinal);
        byte[] badString = Encoding.UTF8.GetBytes(Build(faces: "[" + Face(Match("al#ce", 99)) + "]"));
        badString[Array.IndexOf(badString, (byte)'#')] = 0xC3; // a lead byte without its continuation
        Assert.StartsWith("invalid JSON at byte", FaceSearchRecordParser.Parse(badString, RecognitionSources.Kinesis, ReceivedAt).Error, StringComparison.Ordinal);
        Assert.StartsWith("invalid JSON at byte", ParseError(Build(faces: "[" + Face(Match("\\ud800", 99)) + "]")), StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_and_deeply_nested_input_is_refused()
    {
        byte[] big = new byte[FaceSearchRecordParser.MaxRecordBytes + 1];
        Assert.Equal($"record is {big.Length} bytes, limit {FaceSearchRecordParser.MaxRecordBytes}", FaceSearchRecordParser.Parse(big, RecognitionSources.Kinesis, ReceivedAt).Error);

        string deep = "{\"x\":" + new string('[', 10_000) + new string(']', 10_000) + "}";
        Assert.StartsWith("invalid JSON at byte", ParseError(deep), StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_beyond_double_range_are_errors_not_exceptions()
    {
        string error = ParseError(Build(KinesisVideo(producer: "1e400")));
        Assert.Contains("ProducerTimestamp", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_bytes_and_mutations_never_throw()
    {
        var random = new Random(20261125);
        byte[] documented = Encoding.UTF8.GetBytes(Documented);
        byte[] alphabet = Encoding.UTF8.GetBytes("{}[]\":,0123456789.eE+-truefalsnul \\u\n");
        int successes = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] input;
            switch (i % 4)
            {
                case 0:
                    input = new byte[random.Next(0, 64)];
                    random.NextBytes(input);
                    break;
                case 1:
                    input = new byte[random.Next(0, 64)];
                    for (int j = 0; j < input.Length; j++)
                    {
                        input[j] = alphabet[random.Next(alphabet.Length)];
                    }

                    break;
                default:
                    input = (byte[])documented.Clone();
                    int edits = random.Next(1, 4);
                    for (int e = 0; e < edits; e++)
                    {
                        int at = random.Next(input.Length);
                        input[at] = random.Next(3) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
                    }

                    break;
            }

            FaceSearchParseResult result = FaceSearchRecordParser.Parse(input, RecognitionSources.Kinesis, ReceivedAt);
            Assert.True(result.IsSuccess ^ result.Error is not null);
            if (result.IsSuccess)
            {
                successes++;
                Assert.All(result.Frame.Faces, f => Assert.All(f.Candidates, c => Assert.InRange(c.Similarity, 0, 100)));
            }
        }

        Assert.InRange(successes, 1, 20_000); // some mutations (inside strings, digits) stay valid records
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

using KvsEdge.Access;
namespace KvsEdge.Recognition;

/// <summary>One analysed frame from a face-search record: where it came from, when it was taken, and its faces.</summary>
/// <param name="RecordKey">Content identity of the frame (same for every redelivery): StreamArn|FragmentNumber|ProducerTimestamp|FrameOffset.</param>
/// <param name="FrameTime">ProducerTimestamp + FrameOffsetInSeconds, rounded to milliseconds.</param>
/// <param name="ProcessorStatus">StreamProcessorInformation.Status (e.g. RUNNING), or null when absent.</param>
/// <param name="Faces">One observation per FaceSearchResponse entry, in record order; empty when no face was seen.</param>
public sealed record FaceSearchFrame(
    string Source,
    string RecordKey,
    string StreamArn,
    string FragmentNumber,
    double ProducerTimestamp,
    double? ServerTimestamp,
    double FrameOffsetInSeconds,
    DateTimeOffset FrameTime,
    DateTimeOffset ReceivedAt,
    string? ProcessorStatus,
    IReadOnlyList<FaceObservation> Faces);

/// <summary>Either a parsed <see cref="Frame"/> or an <see cref="Error"/> naming what is wrong with the record.</summary>
public sealed class FaceSearchParseResult
{
    private FaceSearchParseResult(FaceSearchFrame? frame, string? error)
    {
        Frame = frame;
        Error = error;
    }

    public FaceSearchFrame? Frame { get; }

    public string? Error { get; }

    [MemberNotNullWhen(true, nameof(Frame))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Frame is not null;

    internal static FaceSearchParseResult Success(FaceSearchFrame frame) => new(frame, null);

    internal static FaceSearchParseResult Failure(string error) => new(null, error);

    public override string ToString() => IsSuccess ? Frame.RecordKey : "error: " + Error;
}

/// <summary>
/// Turns the bytes of one Kinesis record into a <see cref="FaceSearchFrame"/>. Total and fuzz-safe: whatever the
/// bytes, it returns a result and never throws, because a poison record must not stop the decision loop.
/// Anything malformed becomes an error (and so never unlocks the door).
/// </summary>
public static class FaceSearchRecordParser
{
    /// <summary>Kinesis caps a record at 1 MiB; a face-search record is a few KiB, so anything bigger is not one.</summary>
    public const int MaxRecordBytes = 1024 * 1024;

    /// <summary>Faces per record; Rekognition reports far fewer, and the cap bounds the work per record.</summary>
    public const int MaxFaces = 100;

    /// <summary>Matches per face (the stream processor's MaxFaces is small); bounds the work per face.</summary>
    public const int MaxMatchesPerFace = 100;

    /// <summary>The record nests 6 levels deep; a little headroom, but no stack-eating inputs.</summary>
    internal const int MaxDepth = 16;

    private const int MaxFragmentDigits = 128;
    private const int MaxStringLength = 2048;

    // DateTimeOffset.MaxValue as Unix milliseconds; anything later cannot be a frame time.
    private const double MaxUnixMilliseconds = 253_402_300_799_999;

    private const string KinesisVideoPath = "InputInformation.KinesisVideo";

    // Leaf property names by JSON kind, to turn the serializer's "could not convert" into "X is not a number".
    private static readonly HashSet<string> NumberProperties = new(StringComparer.Ordinal)
    {
        "ServerTimestamp", "ProducerTimestamp", "FrameOffsetInSeconds", "Similarity", "Confidence",
        "Height", "Width", "Left", "Top", "X", "Y", "Pitch", "Roll", "Yaw", "Brightness", "Sharpness",
    };

    private static readonly HashSet<string> StringProperties = new(StringComparer.Ordinal)
    {
        "StreamArn", "FragmentNumber", "Status", "FaceId", "ExternalImageId", "ImageId", "Type",
    };

    private static readonly HashSet<string> ArrayProperties = new(StringComparer.Ordinal)
    {
        "FaceSearchResponse", "MatchedFaces", "Landmarks",
    };

    /// <summary>Parses one face-search record.</summary>
    /// <param name="utf8Json">The record's data, UTF-8 JSON.</param>
    /// <param name="source">A <see cref="RecognitionSources"/> name, copied into each observation.</param>
    /// <param name="receivedAt">When the record was read (for lag reporting; not used for freshness).</param>
    public static FaceSearchParseResult Parse(ReadOnlySpan<byte> utf8Json, string source, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(source); // a caller bug, not input: the bytes alone can never make Parse throw

        if (utf8Json.IsEmpty)
        {
            return Fail("record is empty");
        }

        if (utf8Json.Length > MaxRecordBytes)
        {
            return Fail(Invariant($"record is {utf8Json.Length} bytes, limit {MaxRecordBytes}"));
        }

        // First pass: syntax only, so errors carry an absolute byte offset and the top-level kind is checked
        // before the serializer sees the bytes.
        if (CheckSyntax(utf8Json) is { } syntaxError)
        {
            return Fail(syntaxError);
        }

        FaceSearchRecord? record;
        try
        {
            record = JsonSerializer.Deserialize(utf8Json, FaceSearchRecordJsonContext.Default.FaceSearchRecord);
        }
        catch (JsonException ex)
        {
            return Fail(DescribeShapeError(ex));
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or ArgumentException or FormatException or OverflowException)
        {
            // Not expected after the syntax pass; kept so that no input can ever throw out of the parser.
            return Fail("record could not be read: " + ex.GetType().Name);
        }

        return record is null ? Fail("record is JSON null, expected an object") : Map(record, source, receivedAt);
    }

    private static string? CheckSyntax(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read())
            {
                return "record is empty";
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return "record is " + DescribeToken(reader.TokenType) + ", expected an object";
            }

            while (reader.Read())
            {
                // Strings are decoded here so invalid UTF-8 or lone surrogate escapes fail with a position too.
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
                {
                    _ = reader.GetString();
                }
            }

            return null;
        }
        catch (JsonException ex)
        {
            return Invariant($"invalid JSON at byte {AbsoluteOffset(utf8Json, ex, reader.BytesConsumed)}: {TrimPosition(ex.Message)}");
        }
        catch (InvalidOperationException)
        {
            return Invariant($"invalid JSON at byte {reader.TokenStartIndex}: string is not valid UTF-8/UTF-16 text");
        }
    }

    private static string DescribeToken(JsonTokenType type) => type switch
    {
        JsonTokenType.StartArray => "a JSON array",
        JsonTokenType.String => "a JSON string",
        JsonTokenType.Number => "a JSON number",
        JsonTokenType.True or JsonTokenType.False => "a JSON boolean",
        JsonTokenType.Null => "JSON null",
        _ => "not a JSON object",
    };

    // The reader reports line and byte-in-line; records are usually one line, but compute the absolute offset anyway.
    private static long AbsoluteOffset(ReadOnlySpan<byte> utf8Json, JsonException ex, long fallback)
    {
        if (ex.LineNumber is not { } line || ex.BytePositionInLine is not { } inLine)
        {
            return fallback;
        }

        long offset = 0;
        for (long l = 0; l < line; l++)
        {
            int newline = utf8Json[(int)offset..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                return fallback;
            }

            offset += newline + 1;
        }

        return offset + inLine;
    }

    private static string TrimPosition(string message)
    {
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        string trimmed = (cut >= 0 ? message[..cut] : message).Trim();
        int path = trimmed.IndexOf(" Path:", StringComparison.Ordinal);
        trimmed = path >= 0 ? trimmed[..path] : trimmed;
        return trimmed.TrimEnd('.', ' ', '|');
    }

    // After the syntax pass, serializer errors are about shape: a value of the wrong kind, or a repeated property.
    private static string DescribeShapeError(JsonException ex)
    {
        string path = ex.Path is { Length: > 0 } p ? (p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : p) : "$";
        if (path == "$")
        {
            return "record is not a JSON object";
        }

        if (ex.Message.Contains("uplicate", StringComparison.Ordinal))
        {
            return path + " appears more than once";
        }

        string leaf = path[(path.LastIndexOf('.') + 1)..];
        if (leaf.Contains('[', StringComparison.Ordinal))
        {
            // An element of an array is the wrong kind: entries are objects.
            return path + " is not an object";
        }

        if (NumberProperties.Contains(leaf))
        {
            return path + " is not a number";
        }

        if (StringProperties.Contains(leaf))
        {
            return path + " is not a string";
        }

        return ArrayProperties.Contains(leaf) ? path + " is not an array" : path + " is not an object";
    }

    private static FaceSearchParseResult Map(FaceSearchRecord record, string source, DateTimeOffset receivedAt)
    {
        if (record.InputInformation is null)
        {
            return Fail("InputInformation is missing");
        }

        FaceSearchKinesisVideo? kv = record.InputInformation.KinesisVideo;
        if (kv is null)
        {
            return Fail(KinesisVideoPath + " is missing");
        }

        if (string.IsNullOrEmpty(kv.StreamArn))
        {
            return Fail(KinesisVideoPath + ".StreamArn is missing");
        }

        if (kv.StreamArn.Length > MaxStringLength)
        {
            return Fail(Invariant($"{KinesisVideoPath}.StreamArn is longer than {MaxStringLength} characters"));
        }

        if (string.IsNullOrEmpty(kv.FragmentNumber))
        {
            return Fail(KinesisVideoPath + ".FragmentNumber is missing");
        }

        if (kv.FragmentNumber.Length > MaxFragmentDigits || kv.FragmentNumber.AsSpan().IndexOfAnyExcept(Digits) >= 0)
        {
            return Fail(Invariant($"{KinesisVideoPath}.FragmentNumber must be 1-{MaxFragmentDigits} digits"));
        }

        if (CheckSeconds(kv.ProducerTimestamp, "ProducerTimestamp", required: true) is { } producerError)
        {
            return Fail(producerError);
        }

        if (CheckSeconds(kv.ServerTimestamp, "ServerTimestamp", required: false) is { } serverError)
        {
            return Fail(serverError);
        }

        if (CheckSeconds(kv.FrameOffsetInSeconds, "FrameOffsetInSeconds", required: true) is { } offsetError)
        {
            return Fail(offsetError);
        }

        double producer = kv.ProducerTimestamp!.Value;
        double offset = kv.FrameOffsetInSeconds!.Value;

        // Epoch SECONDS (not ms) with a fraction; round once, to ms, after adding, so the sum is not double-rounded.
        double frameMs = Math.Round((producer + offset) * 1000.0, MidpointRounding.AwayFromZero);
        if (!(frameMs <= MaxUnixMilliseconds))
        {
            return Fail(Invariant($"frame time {producer:R} + {offset:R} s is beyond the year 9999"));
        }

        DateTimeOffset frameTime = DateTimeOffset.FromUnixTimeMilliseconds((long)frameMs);

        string? status = record.StreamProcessorInformation?.Status;
        if (status is { Length: > MaxStringLength })
        {
            return Fail(Invariant($"StreamProcessorInformation.Status is longer than {MaxStringLength} characters"));
        }

        List<FaceSearchResponseEntry?>? entries = record.FaceSearchResponse;
        if (entries is null)
        {
            // Absent is not the same as empty ("no face in this frame"): the record is not what we think it is.
            return Fail("FaceSearchResponse is missing");
        }

        if (entries.Count > MaxFaces)
        {
            return Fail(Invariant($"FaceSearchResponse has {entries.Count} entries, limit {MaxFaces}"));
        }

        string recordKey = Invariant($"{kv.StreamArn}|{kv.FragmentNumber}|{producer:R}|{offset:R}");
        var faces = new FaceObservation[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            string entryPath = Invariant($"FaceSearchResponse[{i}]");
            FaceSearchResponseEntry? entry = entries[i];
            if (entry is null)
            {
                return Fail(entryPath + " is null");
            }

            if (entry.DetectedFace?.Confidence is { } detectedConfidence && !IsPercentage(detectedConfidence))
            {
                return Fail(Invariant($"{entryPath}.DetectedFace.Confidence {detectedConfidence:R} is outside 0-100"));
            }

            if (ReadCandidates(entry, entryPath, out FaceCandidate[] candidates) is { } candidateError)
            {
                return Fail(candidateError);
            }

            faces[i] = new FaceObservation(
                source, recordKey, i, frameTime, receivedAt, kv.StreamArn, kv.FragmentNumber, producer, candidates);
        }

        return FaceSearchParseResult.Success(new FaceSearchFrame(
            source, recordKey, kv.StreamArn, kv.FragmentNumber, producer, kv.ServerTimestamp, offset,
            frameTime, receivedAt, status, faces));
    }

    private static string? ReadCandidates(FaceSearchResponseEntry entry, string entryPath, out FaceCandidate[] candidates)
    {
        candidates = [];
        List<FaceSearchMatchedFace?>? matches = entry.MatchedFaces;
        if (matches is null)
        {
            // Empty means "unknown face"; absent is undocumented, so it is malformed rather than guessed at.
            return entryPath + ".MatchedFaces is missing";
        }

        if (matches.Count > MaxMatchesPerFace)
        {
            return Invariant($"{entryPath}.MatchedFaces has {matches.Count} entries, limit {MaxMatchesPerFace}");
        }

        var result = new FaceCandidate[matches.Count];
        for (int j = 0; j < matches.Count; j++)
        {
            string matchPath = Invariant($"{entryPath}.MatchedFaces[{j}]");
            FaceSearchMatchedFace? match = matches[j];
            if (match is null)
            {
                return matchPath + " is null";
            }

            if (match.Similarity is not { } similarity)
            {
                return matchPath + ".Similarity is missing";
            }

            if (!IsPercentage(similarity))
            {
                return Invariant($"{matchPath}.Similarity {similarity:R} is outside 0-100");
            }

            FaceSearchCollectionFace? face = match.Face;
            if (face is null)
            {
                // A similarity to nothing cannot be attributed; the record is not trustworthy.
                return matchPath + ".Face is missing";
            }

            if (face.ExternalImageId is { Length: > MaxStringLength } || face.FaceId is { Length: > MaxStringLength })
            {
                return Invariant($"{matchPath}.Face has an id longer than {MaxStringLength} characters");
            }

            if (face.Confidence is { } confidence && !IsPercentage(confidence))
            {
                return Invariant($"{matchPath}.Face.Confidence {confidence:R} is outside 0-100");
            }

            // A collection face indexed without an ExternalImageId is kept, as "" (which maps to nobody): dropping it
            // could let a weaker match to an allowed person win although the face looks more like someone unnamed.
            result[j] = new FaceCandidate(face.ExternalImageId ?? string.Empty, face.FaceId, similarity);
        }

        candidates = result;
        return null;
    }

    private static string? CheckSeconds(double? value, string name, bool required)
    {
        if (value is not { } seconds)
        {
            return required ? $"{KinesisVideoPath}.{name} is missing" : null;
        }

        if (!double.IsFinite(seconds))
        {
            return $"{KinesisVideoPath}.{name} is not a finite number";
        }

        return seconds < 0 ? $"{KinesisVideoPath}.{name} is negative" : null;
    }

    private static bool IsPercentage(double value) => value is >= 0 and <= 100;

    private static FaceSearchParseResult Fail(string error) => FaceSearchParseResult.Failure(error);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static readonly System.Buffers.SearchValues<char> Digits = System.Buffers.SearchValues.Create("0123456789");
}

using System.Text;
using System.Text.Json;

namespace KvsEdge.Aws.Iam;

/// <summary>
/// The IAM documents for the role a Rekognition stream processor assumes: a trust policy for
/// <c>rekognition.amazonaws.com</c> and a least-privilege inline policy (read the one video stream, write the one data
/// stream; no wildcards, never AmazonKinesisFullAccess). Pure: builds JSON, calls nothing.
/// </summary>
public static class RekognitionRolePolicy
{
    public const string PolicyVersion = "2012-10-17";

    public const string ServicePrincipal = "rekognition.amazonaws.com";

    /// <summary>Suggested name for the inline policy.</summary>
    public const string DefaultPolicyName = "KvsEdgeRekognitionStreamProcessor";

    /// <summary>Kinesis Video Streams read actions the stream processor needs on the source stream.</summary>
    public static IReadOnlyList<string> VideoStreamActions { get; } =
        ["kinesisvideo:GetDataEndpoint", "kinesisvideo:GetMedia", "kinesisvideo:DescribeStream"];

    /// <summary>Kinesis Data Streams write actions the stream processor needs on the output stream.</summary>
    public static IReadOnlyList<string> DataStreamActions { get; } = ["kinesis:PutRecord", "kinesis:PutRecords"];

    /// <summary>Lets Rekognition (and nothing else) assume the role.</summary>
    /// <param name="sourceAccountId">
    /// When set, adds <c>aws:SourceAccount</c> so only stream processors of this account can use the role
    /// (confused-deputy protection).
    /// </param>
    public static string TrustPolicy(string? sourceAccountId = null)
    {
        if (sourceAccountId is not null && (sourceAccountId.Length != 12 || !sourceAccountId.All(char.IsAsciiDigit)))
        {
            throw new ArgumentException("An AWS account id is 12 digits.", nameof(sourceAccountId));
        }

        return Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("Effect", "Allow");
            writer.WriteStartObject("Principal");
            writer.WriteString("Service", ServicePrincipal);
            writer.WriteEndObject();
            writer.WriteString("Action", "sts:AssumeRole");
            if (sourceAccountId is not null)
            {
                writer.WriteStartObject("Condition");
                writer.WriteStartObject("StringEquals");
                writer.WriteString("aws:SourceAccount", sourceAccountId);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        });
    }

    /// <summary>The inline permissions policy: exact actions on exact ARNs.</summary>
    /// <param name="videoStreamArn"><c>arn:aws:kinesisvideo:region:account:stream/name/creation-time</c>.</param>
    /// <param name="dataStreamArn"><c>arn:aws:kinesis:region:account:stream/name</c>.</param>
    public static string StreamProcessorPolicy(string videoStreamArn, string dataStreamArn)
    {
        ValidateArn(videoStreamArn, "kinesisvideo", nameof(videoStreamArn));
        ValidateArn(dataStreamArn, "kinesis", nameof(dataStreamArn));
        return Write(writer =>
        {
            WriteStatement(writer, "ReadVideoStream", VideoStreamActions, videoStreamArn);
            WriteStatement(writer, "WriteDataStream", DataStreamActions, dataStreamArn);
        });
    }

    /// <summary>
    /// True when both documents mean the same: whitespace, object key order, array order and the one-element-array
    /// versus single-string forms (<c>"Action":"x"</c> = <c>"Action":["x"]</c>) are ignored. Names and values compare
    /// exactly (ordinal). A document that is not JSON equals nothing, so callers see "exists with other settings".
    /// </summary>
    public static bool PolicyEquals(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        try
        {
            using var left = JsonDocument.Parse(a);
            using var right = JsonDocument.Parse(b);
            return JsonEquals(left.RootElement, right.RootElement);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool JsonEquals(JsonElement a, JsonElement b)
    {
        // "X": "v" and "X": ["v"] are the same in IAM's grammar.
        if (a.ValueKind == JsonValueKind.Array && b.ValueKind != JsonValueKind.Array && a.GetArrayLength() == 1)
        {
            return JsonEquals(a[0], b);
        }

        if (b.ValueKind == JsonValueKind.Array && a.ValueKind != JsonValueKind.Array && b.GetArrayLength() == 1)
        {
            return JsonEquals(a, b[0]);
        }

        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }

        switch (a.ValueKind)
        {
            case JsonValueKind.Object:
                var leftProperties = a.EnumerateObject().ToList();
                var rightProperties = b.EnumerateObject().ToList();
                if (leftProperties.Count != rightProperties.Count)
                {
                    return false;
                }

                foreach (var property in leftProperties)
                {
                    var matches = rightProperties.Where(p => p.NameEquals(property.Name)).ToList();
                    if (matches.Count != 1 || !JsonEquals(property.Value, matches[0].Value))
                    {
                        return false;
                    }
                }

                return true;

            case JsonValueKind.Array:
                // Multiset comparison: every left item consumes one equal right item.
                var remaining = b.EnumerateArray().ToList();
                if (remaining.Count != a.GetArrayLength())
                {
                    return false;
                }

                foreach (var item in a.EnumerateArray())
                {
                    var index = remaining.FindIndex(candidate => JsonEquals(item, candidate));
                    if (index < 0)
                    {
                        return false;
                    }

                    remaining.RemoveAt(index);
                }

                return true;

            case JsonValueKind.String:
                return string.Equals(a.GetString(), b.GetString(), StringComparison.Ordinal);

            case JsonValueKind.Number:
                return a.TryGetDecimal(out var x) && b.TryGetDecimal(out var y)
                    ? x == y
                    : string.Equals(a.GetRawText(), b.GetRawText(), StringComparison.Ordinal);

            default:
                // True, False, Null: equal kinds are equal values.
                return true;
        }
    }

    private static void WriteStatement(Utf8JsonWriter writer, string sid, IReadOnlyList<string> actions, string resource)
    {
        writer.WriteStartObject();
        writer.WriteString("Sid", sid);
        writer.WriteString("Effect", "Allow");
        writer.WriteStartArray("Action");
        foreach (var action in actions)
        {
            writer.WriteStringValue(action);
        }

        writer.WriteEndArray();
        writer.WriteString("Resource", resource);
        writer.WriteEndObject();
    }

    /// <summary>{"Version":"2012-10-17","Statement":[ … ]} with the statements <paramref name="statements"/> writes.</summary>
    private static string Write(Action<Utf8JsonWriter> statements)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("Version", PolicyVersion);
            writer.WriteStartArray("Statement");
            statements(writer);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void ValidateArn(string arn, string service, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(arn, parameterName);
        // arn:partition:service:region:account:stream/...
        var parts = arn.Split(':', 6);
        var valid = parts.Length == 6
            && parts[0] == "arn"
            && parts[1].Length > 0
            && parts[2] == service
            && parts[3].Length > 0
            && parts[4].Length == 12 && parts[4].All(char.IsAsciiDigit)
            && parts[5].StartsWith("stream/", StringComparison.Ordinal)
            && parts[5].Length > "stream/".Length
            && arn.IndexOfAny(['*', '?', ' ']) < 0;
        if (!valid)
        {
            throw new ArgumentException(
                $"'{arn}' is not a {service} stream ARN (arn:<partition>:{service}:<region>:<account>:stream/<name>…); wildcards are not allowed.",
                parameterName);
        }
    }
}

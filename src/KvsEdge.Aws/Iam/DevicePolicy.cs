using System.Text;
using System.Text.Json;

namespace KvsEdge.Aws.Iam;

/// <summary>
/// The least-privilege policy of an appliance on the image-API path: <c>rekognition:SearchFacesByImage</c> on exactly one
/// collection's ARN, nothing else (no wildcard, no other action, no other resource). Pure: builds JSON, calls nothing.
/// </summary>
public static class DevicePolicy
{
    public const string SearchAction = "rekognition:SearchFacesByImage";

    public const string StatementId = "SearchFacesInOneCollection";

    /// <summary>The policy document for <paramref name="collectionArn"/> (as <see cref="CollectionArn"/> normalises it).</summary>
    public static string ForCollection(string collectionArn)
    {
        var resource = CollectionArn(collectionArn);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("Version", RekognitionRolePolicy.PolicyVersion);
            writer.WriteStartArray("Statement");
            writer.WriteStartObject();
            writer.WriteString("Sid", StatementId);
            writer.WriteString("Effect", "Allow");
            writer.WriteString("Action", SearchAction);
            writer.WriteString("Resource", resource);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>
    /// <c>arn:&lt;partition&gt;:rekognition:&lt;region&gt;:&lt;account&gt;:collection/&lt;id&gt;</c>. Rekognition's
    /// CreateCollection and DescribeCollection answer it without the leading <c>arn:</c>
    /// (<c>aws:rekognition:…</c>), which IAM would not match: that form gets the prefix.
    /// </summary>
    /// <exception cref="ArgumentException">Not a collection ARN, or it holds a wildcard.</exception>
    public static string CollectionArn(string arn)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(arn);
        var full = arn.StartsWith("arn:", StringComparison.Ordinal) ? arn : "arn:" + arn;
        var parts = full.Split(':', 6);
        var valid = parts.Length == 6
            && parts[1].Length > 0
            && parts[2] == "rekognition"
            && parts[3].Length > 0
            && parts[4].Length == 12 && parts[4].All(char.IsAsciiDigit)
            && parts[5].StartsWith("collection/", StringComparison.Ordinal)
            && parts[5].Length > "collection/".Length
            && full.IndexOfAny(['*', '?', ' ']) < 0;
        return valid
            ? full
            : throw new ArgumentException(
                $"'{arn}' is not a Rekognition collection ARN (arn:<partition>:rekognition:<region>:<account>:collection/<id>); wildcards are not allowed.",
                nameof(arn));
    }
}

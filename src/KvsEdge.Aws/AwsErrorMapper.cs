using System.Net;
using System.Text.Json;

namespace KvsEdge.Aws;

/// <summary>
/// Turns an AWS JSON 1.1 or REST-JSON error response into the matching typed exception. REST-JSON services (Kinesis
/// Video) name the error only in the <c>x-amzn-ErrorType</c> header and put <c>message</c> in the body.
/// </summary>
internal static class AwsErrorMapper
{
    public static AwsServiceException Map(
        string serviceName,
        string operation,
        HttpStatusCode statusCode,
        ReadOnlySpan<byte> body,
        string? errorTypeHeader,
        string? requestId)
    {
        var (type, message) = ParseBody(body);
        var code = NormalizeErrorCode(type) ?? NormalizeErrorCode(errorTypeHeader);

        var text = $"{serviceName} {operation} failed with {code ?? "HTTP error"} ({(int)statusCode})"
            + (string.IsNullOrEmpty(message) ? "." : $": {message}")
            + (requestId is null ? string.Empty : $" (request id {requestId})");

        return code switch
        {
            "ProvisionedThroughputExceededException" or "ThrottlingException" or "Throttling"
                or "LimitExceededException" or "RequestLimitExceeded" or "TooManyRequestsException"
                or "ClientLimitExceededException"
                => new AwsThrottlingException(text, code, statusCode, requestId),
            "ExpiredIteratorException" => new AwsExpiredIteratorException(text, code, statusCode, requestId),
            "ResourceNotFoundException" => new AwsResourceNotFoundException(text, code, statusCode, requestId),
            "ResourceInUseException" => new AwsResourceInUseException(text, code, statusCode, requestId),
            "AccessDeniedException" or "UnrecognizedClientException" or "InvalidSignatureException"
                or "ExpiredTokenException" or "MissingAuthenticationTokenException" or "IncompleteSignatureException"
                or "NotAuthorizedException"
                => new AwsAccessDeniedException(text, code, statusCode, requestId),
            "InvalidArgumentException" or "ValidationException" or "InvalidParameterException"
                => new AwsInvalidArgumentException(text, code, statusCode, requestId),
            "NoDataRetentionException" => new AwsNoDataRetentionException(text, code, statusCode, requestId),
            "MissingCodecPrivateDataException"
                => new AwsMissingCodecPrivateDataException(text, code, statusCode, requestId),
            "InvalidCodecPrivateDataException"
                => new AwsInvalidCodecPrivateDataException(text, code, statusCode, requestId),
            "UnsupportedStreamMediaTypeException"
                => new AwsUnsupportedStreamMediaTypeException(text, code, statusCode, requestId),
            _ when statusCode == HttpStatusCode.TooManyRequests
                => new AwsThrottlingException(text, code, statusCode, requestId),
            _ => new AwsServiceException(text, code, statusCode, requestId),
        };
    }

    /// <summary>
    /// <c>com.amazonaws.kinesis.v20131202#ResourceNotFoundException</c> and
    /// <c>ValidationException:http://internal.amazon.com/...</c> both name <c>...Exception</c>.
    /// </summary>
    internal static string? NormalizeErrorCode(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var code = raw.AsSpan();
        var hash = code.LastIndexOf('#');
        if (hash >= 0)
        {
            code = code[(hash + 1)..];
        }

        var colon = code.IndexOf(':');
        if (colon >= 0)
        {
            code = code[..colon];
        }

        code = code.Trim();
        return code.IsEmpty ? null : code.ToString();
    }

    // JsonDocument rather than a DTO: the message property is spelled "message" or "Message" depending on the
    // service, and proxies or load balancers may answer with HTML, which must not hide the status code.
    private static (string? Type, string? Message) ParseBody(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return (null, null);
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            string? type = null, message = null;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    continue;
                }

                if (property.NameEquals("__type") || property.NameEquals("code"))
                {
                    type ??= property.Value.GetString();
                }
                else if (property.Name.Equals("message", StringComparison.OrdinalIgnoreCase))
                {
                    message ??= property.Value.GetString();
                }
            }

            return (type, message);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }
}

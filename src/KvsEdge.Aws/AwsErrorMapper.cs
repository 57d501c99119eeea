using System.Net;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;

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
            "ResourceAlreadyExistsException" => new AwsResourceAlreadyExistsException(text, code, statusCode, requestId),
            _ when IsCredentialsError(code)
                => new AwsInvalidCredentialsException(CredentialsText(serviceName, operation, code!, message, requestId), code, statusCode, requestId),
            "AccessDeniedException" or "MissingAuthenticationTokenException" or "IncompleteSignatureException"
                or "NotAuthorizedException"
                => new AwsAccessDeniedException(text, code, statusCode, requestId),
            "InvalidArgumentException" or "ValidationException" or "InvalidParameterException"
                or "ImageTooLargeException" or "InvalidImageFormatException" or "InvalidS3ObjectException"
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
    /// The codes by which AWS refuses the credentials themselves (JSON services, Query services and S3 spell them
    /// differently): an unknown access key, a signature made with the wrong secret, an expired session token.
    /// </summary>
    internal static bool IsCredentialsError(string? code) => code is
        "UnrecognizedClientException" or "InvalidSignatureException" or "ExpiredTokenException"
        or "InvalidClientTokenId" or "SignatureDoesNotMatch" or "ExpiredToken" or "InvalidAccessKeyId"
        or "RequestExpired" or "TokenRefreshRequired";

    /// <summary>"the AWS credentials are not valid / have expired", then the service's own words and the request id.</summary>
    internal static string CredentialsText(string serviceName, string operation, string code, string? message, string? requestId)
    {
        var expired = code is "ExpiredTokenException" or "ExpiredToken" or "RequestExpired" or "TokenRefreshRequired";
        return (expired ? "The AWS credentials have expired" : "The AWS credentials are not valid")
            + $" ({serviceName} {operation} answered {code}"
            + (string.IsNullOrEmpty(message) ? ")." : $": {message})")
            + (requestId is null ? string.Empty : $" (request id {requestId})");
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

    /// <summary>
    /// Turns an AWS Query protocol error (IAM, STS: <c>&lt;ErrorResponse&gt;&lt;Error&gt;&lt;Code&gt;…</c>) into the
    /// matching typed exception. Codes differ from the JSON services (no <c>Exception</c> suffix), and IAM's
    /// <c>LimitExceeded</c> is an account quota, not throttling, so it stays a plain <see cref="AwsServiceException"/>.
    /// </summary>
    public static AwsServiceException MapQuery(
        string serviceName,
        string actionPrefix,
        string operation,
        HttpStatusCode statusCode,
        byte[] body,
        string? requestIdHeader)
    {
        var (code, message, bodyRequestId) = ParseQueryBody(body);
        var requestId = requestIdHeader ?? bodyRequestId;
        var action = $"{actionPrefix}:{operation}";

        var text = $"{serviceName} {operation} failed with {code ?? "HTTP error"} ({(int)statusCode})"
            + (string.IsNullOrEmpty(message) ? "." : $": {message}")
            + (code is "AccessDenied" or "AccessDeniedException" ? $" The credentials need {action}." : string.Empty)
            + (requestId is null ? string.Empty : $" (request id {requestId})");

        return code switch
        {
            "NoSuchEntity" => new AwsResourceNotFoundException(text, code, statusCode, requestId),
            "EntityAlreadyExists" => new AwsResourceAlreadyExistsException(text, code, statusCode, requestId),
            "DeleteConflict" => new AwsResourceInUseException(text, code, statusCode, requestId),
            "MalformedPolicyDocument" or "ValidationError" or "InvalidInput" or "InvalidParameterValue"
                or "InvalidParameterCombination" or "MissingParameter" or "InvalidAction"
                => new AwsInvalidArgumentException(text, code, statusCode, requestId),
            _ when IsCredentialsError(code)
                => new AwsInvalidCredentialsException(CredentialsText(serviceName, operation, code!, message, requestId), code, statusCode, requestId),
            "AccessDenied" or "AccessDeniedException" or "IncompleteSignature" or "MissingAuthenticationToken"
                => new AwsAccessDeniedException(text, code, statusCode, requestId),
            "Throttling" or "ThrottlingException" or "RequestLimitExceeded"
                => new AwsThrottlingException(text, code, statusCode, requestId),
            _ when statusCode == HttpStatusCode.TooManyRequests
                => new AwsThrottlingException(text, code, statusCode, requestId),
            _ => new AwsServiceException(text, code, statusCode, requestId),
        };
    }

    // <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse> from AWS, while some emulators
    // answer <Response><Errors><Error>…</Error></Errors><RequestID/></Response>: match local names, anywhere.
    private static (string? Code, string? Message, string? RequestId) ParseQueryBody(byte[] body)
    {
        if (body.Length == 0)
        {
            return (null, null, null);
        }

        try
        {
            using var stream = new MemoryStream(body, writable: false);
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            var root = XDocument.Load(reader).Root;
            if (root is null)
            {
                return (null, null, null);
            }

            var error = root.DescendantsAndSelf().FirstOrDefault(e => e.Name.LocalName == "Error");
            string? Value(XElement? parent, string name) =>
                parent?.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value is { Length: > 0 } v ? v.Trim() : null;
            var requestId = root.Descendants()
                .FirstOrDefault(e => e.Name.LocalName is "RequestId" or "RequestID")?.Value.Trim();
            return (Value(error, "Code"), Value(error, "Message"), string.IsNullOrEmpty(requestId) ? null : requestId);
        }
        catch (XmlException)
        {
            return (null, null, null);
        }
    }
}

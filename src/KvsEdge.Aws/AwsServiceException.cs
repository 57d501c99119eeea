using System.Net;

namespace KvsEdge.Aws;

/// <summary>An AWS service answered with an error.</summary>
public class AwsServiceException : Exception
{
    public AwsServiceException()
    {
    }

    public AwsServiceException(string message)
        : base(message)
    {
    }

    public AwsServiceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsServiceException(string message, string? errorCode, HttpStatusCode statusCode, string? requestId)
        : base(message)
    {
        ErrorCode = errorCode;
        StatusCode = statusCode;
        RequestId = requestId;
    }

    /// <summary>The AWS error code without namespace, e.g. <c>ResourceNotFoundException</c>; null when the body had none.</summary>
    public string? ErrorCode { get; }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The <c>x-amzn-RequestId</c> header: quote it when asking AWS support.</summary>
    public string? RequestId { get; }
}

/// <summary>Throttled (ProvisionedThroughputExceeded, Throttling, LimitExceeded, 429): back off and retry.</summary>
public sealed class AwsThrottlingException : AwsServiceException
{
    public AwsThrottlingException()
    {
    }

    public AwsThrottlingException(string message)
        : base(message)
    {
    }

    public AwsThrottlingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsThrottlingException(string message, string? errorCode, HttpStatusCode statusCode, string? requestId)
        : base(message, errorCode, statusCode, requestId)
    {
    }
}

/// <summary>A shard iterator is older than 5 minutes: get a new one from the last sequence number.</summary>
public sealed class AwsExpiredIteratorException : AwsServiceException
{
    public AwsExpiredIteratorException()
    {
    }

    public AwsExpiredIteratorException(string message)
        : base(message)
    {
    }

    public AwsExpiredIteratorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsExpiredIteratorException(string message, string? errorCode, HttpStatusCode statusCode, string? requestId)
        : base(message, errorCode, statusCode, requestId)
    {
    }
}

public sealed class AwsResourceNotFoundException : AwsServiceException
{
    public AwsResourceNotFoundException()
    {
    }

    public AwsResourceNotFoundException(string message)
        : base(message)
    {
    }

    public AwsResourceNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsResourceNotFoundException(string message, string? errorCode, HttpStatusCode statusCode, string? requestId)
        : base(message, errorCode, statusCode, requestId)
    {
    }
}

/// <summary>The resource exists but is busy (e.g. stream still CREATING or already exists).</summary>
public sealed class AwsResourceInUseException : AwsServiceException
{
    public AwsResourceInUseException()
    {
    }

    public AwsResourceInUseException(string message)
        : base(message)
    {
    }

    public AwsResourceInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsResourceInUseException(string message, string? errorCode, HttpStatusCode statusCode, string? requestId)
        : base(message, errorCode, statusCode, requestId)
    {
    }
}

/// <summary>Credentials rejected, expired or not allowed: retrying will not help until the configuration changes.</summary>
public class AwsAccessDeniedException : AwsServiceException
{
    public AwsAccessDeniedException()
    {
    }

    public AwsAccessDeniedException(string message)
        : base(message)
    {
    }

    public AwsAccessDeniedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsAccessDeniedException(string message, string? errorCode, HttpStatusCode statusCode, string? requestId)
        : base(message, errorCode, statusCode, requestId)
    {
    }
}

/// <summary>The request itself is wrong (bad argument, invalid iterator, validation failure).</summary>
public sealed class AwsInvalidArgumentException : AwsServiceException
{
    public AwsInvalidArgumentException()
    {
    }

    public AwsInvalidArgumentException(string message)
        : base(message)
    {
    }

    public AwsInvalidArgumentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsInvalidArgumentException(string message, string? errorCode, HttpStatusCode statusCode, string? requestId)
        : base(message, errorCode, statusCode, requestId)
    {
    }
}

/// <summary>The resource to create already exists (IAM EntityAlreadyExists, Rekognition ResourceAlreadyExistsException).</summary>
public sealed class AwsResourceAlreadyExistsException : AwsServiceException
{
    public AwsResourceAlreadyExistsException()
    {
    }

    public AwsResourceAlreadyExistsException(string message)
        : base(message)
    {
    }

    public AwsResourceAlreadyExistsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsResourceAlreadyExistsException(string message, string? errorCode, HttpStatusCode statusCode, string? requestId)
        : base(message, errorCode, statusCode, requestId)
    {
    }
}

/// <summary>
/// The credentials themselves were refused (unknown key, wrong secret, expired session token), as opposed to valid
/// credentials lacking a permission: the fix is new credentials, not a policy change. An
/// <see cref="AwsAccessDeniedException"/>, so callers that stop on access denied stop on this too.
/// </summary>
public sealed class AwsInvalidCredentialsException : AwsAccessDeniedException
{
    public AwsInvalidCredentialsException()
    {
    }

    public AwsInvalidCredentialsException(string message)
        : base(message)
    {
    }

    public AwsInvalidCredentialsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsInvalidCredentialsException(string message, string? errorCode, HttpStatusCode statusCode, string? requestId)
        : base(message, errorCode, statusCode, requestId)
    {
    }

    /// <summary>True for ExpiredToken(Exception): temporary credentials that were valid have run out.</summary>
    public bool Expired => ErrorCode is "ExpiredTokenException" or "ExpiredToken" or "RequestExpired" or "TokenRefreshRequired";

    /// <summary>What the person at the terminal does next.</summary>
    public string Remedy => Expired
        ? "Temporary credentials (AWS_SESSION_TOKEN, an SSO or assumed-role session) have run out: get new ones (e.g. aws sso login, or assume the role again) and run the command again."
        : "Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the profile named by AWS_PROFILE): the key may be mistyped, deleted or deactivated, or belong to another partition; "
            + "with temporary credentials, AWS_SESSION_TOKEN must be set too. A clock more than 5 minutes off also invalidates signatures.";
}

/// <summary>
/// No answer within the client's timeout. Derives from <see cref="TaskCanceledException"/>, which is what HttpClient
/// throws for its timeout, so every caller that already treats a timeout as transient still does; the message names
/// the endpoint and the timeout instead of "A task was canceled".
/// </summary>
public sealed class AwsRequestTimeoutException : TaskCanceledException
{
    public AwsRequestTimeoutException()
    {
    }

    public AwsRequestTimeoutException(string message)
        : base(message)
    {
    }

    public AwsRequestTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsRequestTimeoutException(string service, string operation, Uri endpoint, TimeSpan timeout, Exception innerException)
        : base(Describe(service, operation, endpoint, timeout), innerException)
    {
        Endpoint = endpoint;
        Timeout = timeout;
    }

    public Uri? Endpoint { get; }

    public TimeSpan Timeout { get; }

    private static string Describe(string service, string operation, Uri endpoint, TimeSpan timeout) =>
        string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{service} {operation} to {endpoint} timed out: no answer within {timeout.TotalSeconds:0.###} s.");

    /// <summary>True when <paramref name="exception"/> is HttpClient's own timeout rather than the caller cancelling.</summary>
    internal static bool IsClientTimeout(OperationCanceledException exception, CancellationToken callerToken) =>
        exception is not AwsRequestTimeoutException && !callerToken.IsCancellationRequested;
}

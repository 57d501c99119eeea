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
public sealed class AwsAccessDeniedException : AwsServiceException
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

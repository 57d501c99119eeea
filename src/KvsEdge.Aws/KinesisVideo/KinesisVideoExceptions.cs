using System.Net;

namespace KvsEdge.Aws;

/// <summary>
/// Kinesis Video Archived Media cannot turn the stream's media into a clip (no retention, codec private data missing or
/// invalid, unsupported media type). Retrying the same range will not help.
/// </summary>
public class AwsKinesisVideoMediaException : AwsServiceException
{
    public AwsKinesisVideoMediaException()
    {
    }

    public AwsKinesisVideoMediaException(string message)
        : base(message)
    {
    }

    public AwsKinesisVideoMediaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsKinesisVideoMediaException(string message, string? errorCode, HttpStatusCode statusCode, string? requestId)
        : base(message, errorCode, statusCode, requestId)
    {
    }
}

/// <summary>The stream keeps no data (DataRetentionInHours is 0): there is nothing archived to download.</summary>
public sealed class AwsNoDataRetentionException : AwsKinesisVideoMediaException
{
    public AwsNoDataRetentionException()
    {
    }

    public AwsNoDataRetentionException(string message)
        : base(message)
    {
    }

    public AwsNoDataRetentionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsNoDataRetentionException(string message, string? errorCode, HttpStatusCode statusCode, string? requestId)
        : base(message, errorCode, statusCode, requestId)
    {
    }
}

/// <summary>The stream's video fragments carry no codec private data (SPS/PPS), so no MP4 can be built.</summary>
public sealed class AwsMissingCodecPrivateDataException : AwsKinesisVideoMediaException
{
    public AwsMissingCodecPrivateDataException()
    {
    }

    public AwsMissingCodecPrivateDataException(string message)
        : base(message)
    {
    }

    public AwsMissingCodecPrivateDataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsMissingCodecPrivateDataException(string message, string? errorCode, HttpStatusCode statusCode, string? requestId)
        : base(message, errorCode, statusCode, requestId)
    {
    }
}

/// <summary>The codec private data is malformed or changes within the requested range.</summary>
public sealed class AwsInvalidCodecPrivateDataException : AwsKinesisVideoMediaException
{
    public AwsInvalidCodecPrivateDataException()
    {
    }

    public AwsInvalidCodecPrivateDataException(string message)
        : base(message)
    {
    }

    public AwsInvalidCodecPrivateDataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsInvalidCodecPrivateDataException(string message, string? errorCode, HttpStatusCode statusCode, string? requestId)
        : base(message, errorCode, statusCode, requestId)
    {
    }
}

/// <summary>The stream's media is not H.264/H.265 video (with optional AAC/G.711 audio), so no MP4 can be built.</summary>
public sealed class AwsUnsupportedStreamMediaTypeException : AwsKinesisVideoMediaException
{
    public AwsUnsupportedStreamMediaTypeException()
    {
    }

    public AwsUnsupportedStreamMediaTypeException(string message)
        : base(message)
    {
    }

    public AwsUnsupportedStreamMediaTypeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsUnsupportedStreamMediaTypeException(string message, string? errorCode, HttpStatusCode statusCode, string? requestId)
        : base(message, errorCode, statusCode, requestId)
    {
    }
}

namespace KvsEdge.Aws;

/// <summary>The API a data endpoint is asked for (GetDataEndpoint <c>APIName</c>).</summary>
public enum KinesisVideoApiName
{
    PutMedia,
    GetMedia,
    ListFragments,
    GetMediaForFragmentList,
    GetHlsStreamingSessionUrl,
    GetDashStreamingSessionUrl,
    GetClip,
    GetImages,
}

/// <summary>Which timestamps a clip's range refers to (ClipFragmentSelector <c>FragmentSelectorType</c>).</summary>
public enum FragmentSelectorType
{
    /// <summary>Timestamps the producer (camera) stamped on the fragments.</summary>
    ProducerTimestamp,

    /// <summary>Timestamps the service stamped when it received the fragments.</summary>
    ServerTimestamp,
}

/// <summary>A Kinesis video stream as DescribeStream reports it.</summary>
public sealed record KinesisVideoStreamInfo
{
    public required string StreamName { get; init; }

    public required string StreamArn { get; init; }

    /// <summary>CREATING, ACTIVE, UPDATING or DELETING.</summary>
    public required string Status { get; init; }

    public bool IsActive => Status == "ACTIVE";

    /// <summary>0: nothing is archived, so GetClip has nothing to serve.</summary>
    public int DataRetentionInHours { get; init; }

    /// <summary>The stream version; pass it to DeleteStream as a safeguard.</summary>
    public string? CurrentVersion { get; init; }

    public DateTimeOffset? CreationTime { get; init; }

    public string? MediaType { get; init; }

    public string? DeviceName { get; init; }

    public string? KmsKeyId { get; init; }
}

/// <summary>What GetClip wrote.</summary>
/// <param name="ContentType">The response Content-Type, normally <c>video/mp4</c>.</param>
/// <param name="BytesWritten">Bytes copied to the destination stream.</param>
/// <param name="RequestId">The <c>x-amzn-RequestId</c> header, when present.</param>
public sealed record ClipResult(string? ContentType, long BytesWritten, string? RequestId);

/// <summary>One GetClip request's range, [Start, End).</summary>
public readonly record struct ClipWindow(DateTimeOffset Start, DateTimeOffset End)
{
    public TimeSpan Duration => End - Start;
}

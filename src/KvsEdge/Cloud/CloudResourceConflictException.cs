namespace KvsEdge.Cloud;

/// <summary>A resource `cloud up` would create exists already with other settings; we never change it silently.</summary>
public sealed class CloudResourceConflictException : Exception
{
    public CloudResourceConflictException()
    {
    }

    public CloudResourceConflictException(string message)
        : base(message)
    {
    }

    public CloudResourceConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

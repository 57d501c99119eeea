namespace KvsEdge.Aws;

/// <summary>The AWS client cannot be set up (no region, no credentials). Fix the configuration, don't retry.</summary>
public sealed class AwsConfigurationException : Exception
{
    public AwsConfigurationException()
    {
    }

    public AwsConfigurationException(string message)
        : base(message)
    {
    }

    public AwsConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace KvsEdge.Aws;

/// <summary>One object of a listing: its key and size in bytes.</summary>
public sealed record S3ObjectSummary(string Key, long Size);

/// <summary>
/// The two S3 reads `faces add s3://bucket/prefix` needs (list a prefix, read one object), over AWSSDK.S3. Errors are
/// mapped to the same exception types as the other clients, so the verbs report them the same way.
/// </summary>
public sealed class S3PhotoBucket : IDisposable
{
    private static readonly AwsJsonService Service = new("S3", "s3", "s3", TargetPrefix: string.Empty);

    private readonly AmazonS3Client _client;
    private readonly Uri _endpoint;
    private readonly TimeSpan _timeout;

    /// <param name="options">
    /// Region, credentials and an optional <see cref="AwsClientOptions.ServiceUrl"/>; with an override, path-style
    /// addressing is used (moto and most S3 stand-ins cannot serve bucket-name host names).
    /// </param>
    /// <exception cref="AwsConfigurationException">No region or no credentials could be found.</exception>
    public S3PhotoBucket(AwsClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = AwsClientSettings.Resolve(options, Service);
        var config = new AmazonS3Config { Timeout = options.Timeout };
        if (options.ServiceUrl is { } serviceUrl)
        {
            config.ServiceURL = serviceUrl.ToString();
            config.ForcePathStyle = true;
            config.AuthenticationRegion = settings.Region.SystemName;
        }
        else
        {
            config.RegionEndpoint = settings.Region;
        }

        _client = new AmazonS3Client(settings.Credentials, config);
        _endpoint = settings.ServiceUrl;
        _timeout = options.Timeout;
    }

    /// <summary>Every object under <paramref name="prefix"/>, following continuation tokens to the end.</summary>
    public async Task<IReadOnlyList<S3ObjectSummary>> ListAsync(string bucket, string prefix, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        var objects = new List<S3ObjectSummary>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = string.IsNullOrEmpty(prefix) ? null : prefix };
        while (true)
        {
            var page = await CallAsync("ListObjectsV2", bucket, () => _client.ListObjectsV2Async(request, cancellationToken), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? [])
            {
                objects.Add(new S3ObjectSummary(item.Key, item.Size ?? 0));
            }

            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                return objects;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <summary>Reads one object whole; refuses (without reading on) past <paramref name="maxBytes"/>.</summary>
    /// <exception cref="InvalidDataException">The object is larger than <paramref name="maxBytes"/>.</exception>
    public async Task<byte[]> ReadAsync(string bucket, string key, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentException.ThrowIfNullOrEmpty(key);
        using var response = await CallAsync("GetObject", $"{bucket}/{key}", () => _client.GetObjectAsync(bucket, key, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
        if (response.ContentLength > maxBytes)
        {
            throw new InvalidDataException($"s3://{bucket}/{key} is {response.ContentLength} bytes, more than {maxBytes}.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await response.ResponseStream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new InvalidDataException($"s3://{bucket}/{key} is more than {maxBytes} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public void Dispose() => _client.Dispose();

    private async Task<T> CallAsync<T>(string operation, string resource, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex)
        {
            throw Map(operation, resource, ex);
        }
        catch (OperationCanceledException ex) when (AwsRequestTimeoutException.IsClientTimeout(ex, cancellationToken))
        {
            throw new AwsRequestTimeoutException("S3", $"{operation} on {resource}", _endpoint, _timeout, ex);
        }
    }

    private static AwsServiceException Map(string operation, string resource, AmazonS3Exception ex)
    {
        var message = $"S3 {operation} on {resource}: {ex.ErrorCode ?? ex.StatusCode.ToString()}: {ex.Message}";
        return ex.ErrorCode switch
        {
            _ when AwsErrorMapper.IsCredentialsError(ex.ErrorCode) =>
                new AwsInvalidCredentialsException(
                    AwsErrorMapper.CredentialsText("S3", $"{operation} on {resource}", ex.ErrorCode!, ex.Message, ex.RequestId), ex.ErrorCode, ex.StatusCode, ex.RequestId),
            "AccessDenied" =>
                new AwsAccessDeniedException(message + $" The credentials need s3:{(operation == "GetObject" ? "GetObject" : "ListBucket")}.", ex.ErrorCode, ex.StatusCode, ex.RequestId),
            "NoSuchBucket" or "NoSuchKey" => new AwsResourceNotFoundException(message, ex.ErrorCode, ex.StatusCode, ex.RequestId),
            "SlowDown" or "Throttling" or "RequestLimitExceeded" => new AwsThrottlingException(message, ex.ErrorCode, ex.StatusCode, ex.RequestId),
            _ when ex.StatusCode == HttpStatusCode.NotFound => new AwsResourceNotFoundException(message, ex.ErrorCode, ex.StatusCode, ex.RequestId),
            _ => new AwsServiceException(message, ex.ErrorCode, ex.StatusCode, ex.RequestId),
        };
    }
}

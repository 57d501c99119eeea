using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace KvsEdge.Aws;

/// <summary>The one place an HttpClient signed by AWSSDK.Core's SigV4 handler is built, for every protocol.</summary>
internal static class SignedHttpClient
{
    /// <param name="innerHandler">Transport under the signer (tests pass their own); owned by the returned client.</param>
    public static HttpClient Create(AWSCredentials credentials, RegionEndpoint region, string signingName, TimeSpan timeout, HttpMessageHandler? innerHandler)
    {
        // Redirects must not be followed below the signer: the redirected hop would carry a stale signature.
        innerHandler ??= new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        var signer = new SigV4SigningHandler(credentials, region, signingName, innerHandler);
        return new HttpClient(signer, disposeHandler: true) { Timeout = timeout };
    }

    /// <summary>
    /// Sends <paramref name="message"/>; HttpClient's own timeout becomes an <see cref="AwsRequestTimeoutException"/> naming the
    /// operation, the endpoint and the timeout (HttpClient says only "A task was canceled"). The caller cancelling stays as it is.
    /// </summary>
    public static async Task<HttpResponseMessage> SendAsync(
        HttpClient http,
        HttpRequestMessage message,
        HttpCompletionOption completion,
        string service,
        string operation,
        CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(message, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (AwsRequestTimeoutException.IsClientTimeout(ex, cancellationToken))
        {
            throw new AwsRequestTimeoutException(service, operation, message.RequestUri!, http.Timeout, ex);
        }
    }
}

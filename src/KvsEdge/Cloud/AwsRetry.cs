using KvsEdge.Aws;
using KvsEdge.Common;

namespace KvsEdge.Cloud;

/// <summary>
/// Retries throttled control-plane calls for the cloud verbs (a person is waiting, so the budget is short);
/// every other error goes straight to the caller, which reports it.
/// </summary>
public sealed class AwsRetry(TimeProvider timeProvider, int maxAttempts = 6, Func<double>? random = null)
{
    public static AwsRetry Default { get; } = new(TimeProvider.System);

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var backoff = new Backoff(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), random);
        while (true)
        {
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (AwsThrottlingException) when (backoff.Attempt + 1 < maxAttempts)
            {
                await Task.Delay(backoff.Next(), timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public Task RunAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        return RunAsync<bool>(async ct => { await call(ct).ConfigureAwait(false); return true; }, cancellationToken);
    }
}

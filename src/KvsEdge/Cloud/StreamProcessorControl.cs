using KvsEdge.Aws;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvsEdge.Cloud;

/// <summary>`processor start|stop|status`: idempotent, a processor already in the asked state is left alone.</summary>
public sealed class StreamProcessorControl(
    RekognitionClient rekognition,
    AwsRetry retry,
    TimeProvider timeProvider,
    string processorName,
    ILogger? logger = null)
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <exception cref="AwsResourceNotFoundException">No processor of that name (run `cloud up`).</exception>
    public Task<StreamProcessorDescription> StatusAsync(CancellationToken cancellationToken) =>
        retry.RunAsync(ct => rekognition.DescribeStreamProcessorAsync(processorName, ct), cancellationToken);

    /// <returns>The state after the call, and whether this call changed anything.</returns>
    public async Task<(StreamProcessorDescription Processor, bool Changed)> StartAsync(CancellationToken cancellationToken)
    {
        var before = await StatusAsync(cancellationToken).ConfigureAwait(false);
        if (before.Status is "RUNNING" or "STARTING")
        {
            return (before, false);
        }

        await retry.RunAsync(ct => rekognition.StartStreamProcessorAsync(processorName, ct), cancellationToken).ConfigureAwait(false);
        Log.ProcessorStarted(_logger, processorName);
        return (await StatusAsync(cancellationToken).ConfigureAwait(false), true);
    }

    public async Task<(StreamProcessorDescription Processor, bool Changed)> StopAsync(CancellationToken cancellationToken)
    {
        var before = await StatusAsync(cancellationToken).ConfigureAwait(false);
        if (before.Status is not ("RUNNING" or "STARTING"))
        {
            return (before, false);
        }

        var after = await StopAndWaitAsync(rekognition, retry, timeProvider, processorName, cancellationToken).ConfigureAwait(false);
        Log.ProcessorStopped(_logger, processorName);
        return (after, true);
    }

    /// <summary>Stops the processor and waits until it has left STOPPING (it cannot be deleted before).</summary>
    internal static async Task<StreamProcessorDescription> StopAndWaitAsync(
        RekognitionClient rekognition,
        AwsRetry retry,
        TimeProvider timeProvider,
        string name,
        CancellationToken cancellationToken)
    {
        try
        {
            await retry.RunAsync(ct => rekognition.StopStreamProcessorAsync(name, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (AwsResourceInUseException)
        {
            // Already stopping or stopped in between: the wait below settles it.
        }

        var deadline = timeProvider.GetUtcNow() + StopTimeout;
        while (true)
        {
            var state = await retry.RunAsync(ct => rekognition.DescribeStreamProcessorAsync(name, ct), cancellationToken).ConfigureAwait(false);
            if (state.Status is not ("STOPPING" or "RUNNING" or "STARTING"))
            {
                return state;
            }

            if (timeProvider.GetUtcNow() >= deadline)
            {
                throw new TimeoutException($"Stream processor {name} is still {state.Status} after {StopTimeout.TotalSeconds:0} s.");
            }

            await Task.Delay(PollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KvsEdge.Triggers;

/// <summary>`Triggers:Interval`: looks every interval (a camera with no button or sensor, or the demo's timer).</summary>
public sealed class IntervalTriggerSource : BackgroundService
{
    private readonly TimeSpan _interval;
    private readonly TriggerChannel _triggers;
    private readonly TimeProvider _time;

    public IntervalTriggerSource(IOptions<TriggerOptions> options, TriggerChannel triggers, TimeProvider time)
    {
        _interval = options.Value.Interval ?? throw new InvalidOperationException("Triggers:Interval is not set.");
        _triggers = triggers;
        _time = time;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                _triggers.Fire(TriggerKinds.Interval);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}

using KvsEdge.Camera;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Triggers;

/// <summary>
/// Pulls the motion tap's small grayscale frames, compares each with the one before, and fires a trigger on
/// motion, then stays quiet for `Triggers:Motion:Cooldown`.
/// </summary>
public sealed partial class MotionTriggerSource : BackgroundService
{
    private readonly MotionTriggerOptions _options;
    private readonly IGrayFrameSource _frames;
    private readonly TriggerChannel _triggers;
    private readonly TimeProvider _time;
    private readonly ILogger<MotionTriggerSource> _logger;
    private readonly MotionDetector _detector;
    private long _lastTrigger;
    private bool _triggered;

    public MotionTriggerSource(IOptions<TriggerOptions> options, IGrayFrameSource frames, TriggerChannel triggers, TimeProvider time, ILogger<MotionTriggerSource> logger)
    {
        _options = options.Value.Motion;
        _frames = frames;
        _triggers = triggers;
        _time = time;
        _logger = logger;
        _detector = new MotionDetector(_options.Sensitivity, _options.Region);
    }

    /// <summary>Compares one frame and fires a trigger if it shows motion outside the cooldown. Returns whether it fired.</summary>
    public bool OnFrame(GrayFrame frame)
    {
        MotionResult result = _detector.Compare(frame);
        if (!result.Motion)
        {
            return false;
        }

        if (_triggered && _time.GetElapsedTime(_lastTrigger) < _options.Cooldown)
        {
            return false;
        }

        _triggered = true;
        _lastTrigger = _time.GetTimestamp();
        Log.Motion(_logger, result.ChangedFraction * 100);
        _triggers.Fire(TriggerKinds.Motion, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{result.ChangedFraction * 100:0.#}% changed"));
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        TimeSpan wait = TimeSpan.FromSeconds(1);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                GrayFrame? frame = await _frames.TryGetFrameAsync(wait, stoppingToken).ConfigureAwait(false);
                if (frame is null)
                {
                    // No pipeline (starting, restarting): its first frame after a restart must not count as motion.
                    _detector.Reset();
                    await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                OnFrame(frame);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1703, EventName = "MotionDetected", Level = LogLevel.Information,
            Message = "Motion: {Percent:0.#}% of the watched region changed")]
        public static partial void Motion(ILogger logger, double percent);
    }
}

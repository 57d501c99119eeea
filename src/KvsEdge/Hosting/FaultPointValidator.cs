using KvsEdge.Common;
using KvsEdge.Door;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Hosting;

/// <summary>Refuses start when the fault point is unknown, or set with a door driver that is not simulated.</summary>
public sealed partial class FaultPointValidator(FaultPoint faultPoint, ILogger<FaultPoint> logger) : IValidateOptions<DoorOptions>
{
    public ValidateOptionsResult Validate(string? name, DoorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (faultPoint.Armed is not { } armed)
        {
            return ValidateOptionsResult.Success;
        }

        if (!FaultPoint.Known.Contains(armed, StringComparer.Ordinal))
        {
            return ValidateOptionsResult.Fail(
                $"{FaultPoint.EnvironmentVariable} '{armed}' is not a fault point (known: {string.Join(", ", FaultPoint.Known)}); unset it.");
        }

        if (!string.Equals(options.Driver, DoorOptions.SimulatedDriver, StringComparison.OrdinalIgnoreCase))
        {
            return ValidateOptionsResult.Fail(
                $"{FaultPoint.EnvironmentVariable} is set ('{armed}'), which is for tests only and needs Door:Driver '{DoorOptions.SimulatedDriver}' (was '{options.Driver}'); unset it.");
        }

        Log.Armed(logger, armed);
        return ValidateOptionsResult.Success;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1520, EventName = "FaultPointArmed", Level = LogLevel.Warning,
            Message = "Fault point {Point} is armed (" + FaultPoint.EnvironmentVariable + "): a fault on purpose, for the fault suite only")]
        public static partial void Armed(ILogger logger, string point);
    }
}

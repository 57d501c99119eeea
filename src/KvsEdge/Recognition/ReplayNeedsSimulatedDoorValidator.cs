using KvsEdge.Door;
using Microsoft.Extensions.Options;

namespace KvsEdge.Recognition;

/// <summary>
/// Safety rule 8: demo and replay data never reach a real GPIO line. The replay source re-stamps its bundled records as
/// fresh and loops, so on a real relay a record naming an allowed person would pulse the strike again and again.
/// </summary>
public sealed class ReplayNeedsSimulatedDoorValidator(IOptions<DoorOptions> door) : IValidateOptions<RecognitionOptions>
{
    public ValidateOptionsResult Validate(string? name, RecognitionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Sources.Contains(RecognitionSources.Replay))
        {
            return ValidateOptionsResult.Success;
        }

        string? driver = door.Value.Driver;
        return string.Equals(driver, DoorOptions.SimulatedDriver, StringComparison.OrdinalIgnoreCase)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Recognition:Source includes '{RecognitionSources.Replay}', which replays demo records as fresh and is refused unless Door:Driver is '{DoorOptions.SimulatedDriver}' (was '{driver}').");
    }
}

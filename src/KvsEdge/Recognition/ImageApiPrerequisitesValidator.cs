using KvsEdge.Camera;
using KvsEdge.Triggers;
using Microsoft.Extensions.Options;

namespace KvsEdge.Recognition;

/// <summary>
/// What the image-API source needs from other sections: a camera with its JPEG tap, and at least one trigger. Without
/// them it would run and never look, which is worse than a clear error at start.
/// </summary>
/// <param name="faceTriggers">Present when `Vision:Enabled`: the detector's face trigger is a trigger too.</param>
public sealed class ImageApiPrerequisitesValidator(IOptions<CameraOptions> camera, IOptions<TriggerOptions> triggers, IEnumerable<FaceTriggerRegistration>? faceTriggers = null)
    : IValidateOptions<RecognitionOptions>
{
    public ValidateOptionsResult Validate(string? name, RecognitionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Sources.Contains(RecognitionSources.ImageApi))
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        CameraOptions c = camera.Value;
        if (!c.Enabled || c.FrameTap is not { Enabled: true })
        {
            failures.Add($"Recognition:Source includes '{RecognitionSources.ImageApi}', which needs Camera:Enabled and Camera:FrameTap:Enabled to be true.");
        }

        TriggerOptions t = triggers.Value;
        if (!t.AnyEnabled && faceTriggers?.Any() != true)
        {
            failures.Add($"Recognition:Source includes '{RecognitionSources.ImageApi}' but no trigger is on: add an input to Triggers:Gpio, enable Triggers:Motion or Triggers:Mqtt, set Triggers:Interval, or turn on Vision:Enabled.");
        }

        if (t.Motion.Enabled && !c.Enabled)
        {
            failures.Add("Triggers:Motion:Enabled needs Camera:Enabled to be true.");
        }

        // A GPIO trigger on a door output is refused by TriggerDoorPinsValidator, whatever the source.

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

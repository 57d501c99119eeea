using Microsoft.Extensions.Options;

namespace KvsEdge.Vision;

/// <summary>Checks the `Vision` section's values; the model itself is checked by <see cref="VisionModelValidator"/>.</summary>
public sealed class VisionOptionsValidator : IValidateOptions<VisionOptions>
{
    public ValidateOptionsResult Validate(string? name, VisionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        const string s = VisionOptions.SectionName;
        List<string> failures = [];
        if (options.Rate is < 1 or > 30)
        {
            failures.Add($"{s}:Rate must be between 1 and 30 detections per second (got {options.Rate}).");
        }

        if (options.MinFaceSize is < 20 or > 4096)
        {
            failures.Add($"{s}:MinFaceSize must be between 20 and 4096 pixels (got {options.MinFaceSize}).");
        }

        if (!(options.MinScore is > 0 and < 1))
        {
            failures.Add($"{s}:MinScore must be above 0 and below 1 (got {options.MinScore}).");
        }

        Triggers.MotionRegion r = options.Region ?? new();
        bool inside = r.Left >= 0 && r.Top >= 0 && r.Width > 0 && r.Height > 0 && r.Left + r.Width <= 1.0000001 && r.Top + r.Height <= 1.0000001;
        if (!inside)
        {
            failures.Add($"{s}:Region must lie inside the frame: Left, Top ≥ 0, Width, Height > 0, Left + Width ≤ 1, Top + Height ≤ 1 (got {r.Left}, {r.Top}, {r.Width}, {r.Height}).");
        }

        if (options.ModelPath is { } path && string.IsNullOrWhiteSpace(path))
        {
            failures.Add($"{s}:ModelPath must not be blank (leave it out for the packaged model).");
        }

        if (options.ConfirmOutOf is < 1 or > 30 || options.ConfirmRequired < 1 || options.ConfirmRequired > options.ConfirmOutOf)
        {
            failures.Add($"{s}:ConfirmRequired must be between 1 and {s}:ConfirmOutOf, which must be between 1 and 30 (got {options.ConfirmRequired} of {options.ConfirmOutOf}).");
        }

        if (!(options.TrackOverlap is > 0 and < 1))
        {
            failures.Add($"{s}:TrackOverlap must be above 0 and below 1 (got {options.TrackOverlap}).");
        }

        if (options.TrackCooldown < TimeSpan.Zero || options.TrackCooldown > TimeSpan.FromHours(1))
        {
            failures.Add($"{s}:TrackCooldown must be between 00:00:00 and 01:00:00 (got {options.TrackCooldown}).");
        }

        if (options.TrackTimeout < TimeSpan.FromMilliseconds(100) || options.TrackTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{s}:TrackTimeout must be between 00:00:00.1 and 00:01:00 (got {options.TrackTimeout}).");
        }

        if (options.SearchWindow < TimeSpan.Zero || options.SearchWindow > TimeSpan.FromSeconds(10))
        {
            failures.Add($"{s}:SearchWindow must be between 00:00:00 and 00:00:10 (got {options.SearchWindow}).");
        }

        if (!(options.CropMargin is >= 0 and <= 2))
        {
            failures.Add($"{s}:CropMargin must be between 0 and 2 (got {options.CropMargin}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

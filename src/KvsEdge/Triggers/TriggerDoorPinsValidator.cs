using KvsEdge.Door;
using Microsoft.Extensions.Options;

namespace KvsEdge.Triggers;

/// <summary>
/// A GPIO trigger can never be a door output (the relay or an LED), whatever Recognition:Source is: registered for
/// every start, not only with the image-API source that opens triggers today. Opening the relay's line as an input
/// would fail at best and fight the relay at worst.
/// </summary>
public sealed class TriggerDoorPinsValidator(IOptions<DoorOptions> door) : IValidateOptions<TriggerOptions>
{
    public ValidateOptionsResult Validate(string? name, TriggerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DoorOptions d = door.Value;
        (string Key, int? Pin)[] outputs =
        [
            ($"{DoorOptions.SectionName}:Relay:Pin", d.Relay?.Pin),
            ($"{DoorOptions.SectionName}:GrantedLed:Pin", d.GrantedLed?.Pin),
            ($"{DoorOptions.SectionName}:DeniedLed:Pin", d.DeniedLed?.Pin),
            ($"{DoorOptions.SectionName}:StatusLed:Pin", d.StatusLed?.Pin),
        ];
        if (options.Gpio is { Enabled: true } gpio && outputs.FirstOrDefault(o => o.Pin == gpio.Pin) is { Key: { } key })
        {
            return ValidateOptionsResult.Fail(
                $"{TriggerOptions.SectionName}:Gpio:Pin {gpio.Pin} is already a door output ({key}); pick a free line.");
        }

        return ValidateOptionsResult.Success;
    }
}

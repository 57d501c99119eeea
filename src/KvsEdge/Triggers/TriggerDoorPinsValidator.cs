using KvsEdge.Door;
using Microsoft.Extensions.Options;

namespace KvsEdge.Triggers;

/// <summary>
/// A GPIO trigger can never be a door line (the relay, an LED or a door input), whatever Recognition:Source is: registered for
/// every start, not only with the image-API source that opens triggers today. Opening the relay's line as an input
/// would fail at best and fight the relay at worst.
/// </summary>
public sealed class TriggerDoorPinsValidator(IOptions<DoorOptions> door) : IValidateOptions<TriggerOptions>
{
    public ValidateOptionsResult Validate(string? name, TriggerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DoorOptions d = door.Value;
        List<(string Key, int? Pin)> lines =
        [
            ($"{DoorOptions.SectionName}:Relay:Pin", d.Relay?.Pin),
            ($"{DoorOptions.SectionName}:GrantedLed:Pin", d.GrantedLed?.Pin),
            ($"{DoorOptions.SectionName}:DeniedLed:Pin", d.DeniedLed?.Pin),
            ($"{DoorOptions.SectionName}:StatusLed:Pin", d.StatusLed?.Pin),
        ];
        // The door's own inputs too: two readers on one line would each take the other's edges.
        List<(string Key, int? Pin)> inputs = [.. DoorOptionsValidator.InputsOf(d).Select(i => ($"{i.Key}:Pin", i.Input?.Pin))];

        var failures = new List<string>();
        var triggerPins = new Dictionary<int, int>();
        for (int i = 0; i < (options.Gpio?.Count ?? 0); i++)
        {
            if (options.Gpio![i]?.Pin is not int pin)
            {
                continue;
            }

            if (triggerPins.TryGetValue(pin, out int other))
            {
                failures.Add($"{TriggerOptions.SectionName}:Gpio:{i}:Pin and {TriggerOptions.SectionName}:Gpio:{other}:Pin must be different pins (both are {pin}).");
            }

            triggerPins.TryAdd(pin, i);

            if (lines.FirstOrDefault(o => o.Pin == pin) is { Key: { } output })
            {
                failures.Add($"{TriggerOptions.SectionName}:Gpio:{i}:Pin {pin} is already a door output ({output}); pick a free line.");
            }
            else if (inputs.FirstOrDefault(o => o.Pin == pin) is { Key: { } input })
            {
                failures.Add($"{TriggerOptions.SectionName}:Gpio:{i}:Pin {pin} is already a door input ({input}); pick a free line.");
            }
        }

        if (failures.Count > 0)
        {
            return ValidateOptionsResult.Fail(failures);
        }

        return ValidateOptionsResult.Success;
    }
}

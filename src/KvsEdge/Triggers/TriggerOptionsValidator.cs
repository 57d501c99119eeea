using KvsEdge.Status;
using Microsoft.Extensions.Options;

namespace KvsEdge.Triggers;

/// <summary>Checks the `Triggers` section; every message names the key.</summary>
public sealed class TriggerOptionsValidator : IValidateOptions<TriggerOptions>
{
    private readonly MqttOptions _mqtt;

    public TriggerOptionsValidator(IOptions<MqttOptions> mqtt)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        _mqtt = mqtt.Value;
    }

    public ValidateOptionsResult Validate(string? name, TriggerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string s = TriggerOptions.SectionName;

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < (options.Gpio?.Count ?? 0); i++)
        {
            GpioTriggerOptions? gpio = options.Gpio![i];
            string k = $"{s}:Gpio:{i}";
            if (gpio is null)
            {
                continue;
            }

            if (gpio.Pin is not int pin)
            {
                failures.Add($"{k}:Pin is required (a BCM line number on Door:Chip).");
            }
            else if (pin is < 0 or > Door.DoorOptionsValidator.MaxPin)
            {
                failures.Add($"{k}:Pin must be between 0 and {Door.DoorOptionsValidator.MaxPin} (got {pin}).");
            }

            if (gpio.Name is { } itemName && (itemName.Length is 0 or > 32 || !itemName.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')))
            {
                failures.Add($"{k}:Name must be 1-32 letters, digits, '_' or '-' (got '{itemName}').");
            }
            else if (!names.Add(gpio.EffectiveName))
            {
                failures.Add($"{k}:Name '{gpio.EffectiveName}' is used by another GPIO trigger: each needs its own name.");
            }

            if (gpio.Pull is not ("none" or "up" or "down"))
            {
                failures.Add($"{k}:Pull must be 'none', 'up' or 'down' (got '{gpio.Pull}').");
            }

            if (gpio.Debounce < TimeSpan.Zero || gpio.Debounce > TimeSpan.FromSeconds(5))
            {
                failures.Add($"{k}:Debounce must be between 00:00:00 and 00:00:05 (got {gpio.Debounce}).");
            }
        }

        MotionTriggerOptions motion = options.Motion;
        if (motion.Enabled)
        {
            if (motion.Width is < 16 or > 640 || motion.Height is < 16 or > 480)
            {
                failures.Add($"{s}:Motion:Width and Height must be 16-640 and 16-480 (got {motion.Width}x{motion.Height}).");
            }

            if (motion.Rate is < 1 or > 30)
            {
                failures.Add($"{s}:Motion:Rate must be between 1 and 30 frames per second (got {motion.Rate}).");
            }

            if (motion.Sensitivity is < 1 or > 100)
            {
                failures.Add($"{s}:Motion:Sensitivity must be between 1 and 100 (got {motion.Sensitivity}).");
            }

            MotionRegion r = motion.Region ?? new();
            bool inside = r.Left >= 0 && r.Top >= 0 && r.Width > 0 && r.Height > 0 && r.Left + r.Width <= 1.0000001 && r.Top + r.Height <= 1.0000001;
            if (!inside)
            {
                failures.Add($"{s}:Motion:Region must lie inside the frame: Left, Top ≥ 0, Width, Height > 0, Left + Width ≤ 1, Top + Height ≤ 1 (got {r.Left}, {r.Top}, {r.Width}, {r.Height}).");
            }

            if (motion.Cooldown < TimeSpan.Zero)
            {
                failures.Add($"{s}:Motion:Cooldown must not be negative (got {motion.Cooldown}).");
            }
        }

        if (options.Mqtt.Enabled)
        {
            if (string.IsNullOrWhiteSpace(options.Mqtt.Topic) || options.Mqtt.Topic.AsSpan().IndexOfAny("#+") >= 0 || options.Mqtt.Topic.StartsWith('/'))
            {
                failures.Add($"{s}:Mqtt:Topic must be a plain relative topic without wildcards (got '{options.Mqtt.Topic}').");
            }

            // Anyone who can publish on an anonymous broker could make us spend the Rekognition budget.
            if (!_mqtt.Enabled || string.IsNullOrEmpty(_mqtt.Username))
            {
                failures.Add($"{s}:Mqtt:Enabled needs an authenticated broker: set Mqtt:Username (and Mqtt:Password), with Mqtt:Enabled true.");
            }
        }

        if (options.Interval is { } interval && (interval < TimeSpan.FromSeconds(1) || interval > TimeSpan.FromDays(1)))
        {
            failures.Add($"{s}:Interval must be between 00:00:01 and 1.00:00:00 when set (got {interval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

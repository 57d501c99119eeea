using System.Globalization;
using Microsoft.Extensions.Options;

namespace KvsEdge.Door;

/// <summary>The `Door` configuration section: which GPIO lines drive the strike relay and the LEDs.</summary>
public sealed class DoorOptions
{
    public const string SectionName = "Door";

    public const string LibgpiodDriver = "libgpiod";
    public const string LibgpiodV1Driver = "libgpiod-v1";
    public const string LibgpiodV2Driver = "libgpiod-v2";
    public const string SimulatedDriver = "simulated";

    /// <summary>Shortest pulse or signal that a strike or an eye can notice.</summary>
    public static readonly TimeSpan MinimumDuration = TimeSpan.FromMilliseconds(100);

    /// <summary>Hard cap on <see cref="MaxPulseDuration"/>: nobody needs a strike held longer, and a bad value must not leave it open.</summary>
    public static readonly TimeSpan MaxPulseDurationCap = TimeSpan.FromMinutes(1);

    /// <summary>`libgpiod` (picks the libgpiod v2 ABI when libgpiod.so.3 is present, else v1), `libgpiod-v1`, `libgpiod-v2` or `simulated`.</summary>
    public string Driver { get; set; } = LibgpiodDriver;

    /// <summary>The GPIO chip number (/dev/gpiochipN); 0 on a Raspberry Pi up to 4, see `gpioinfo` on a Pi 5.</summary>
    public int Chip { get; set; }

    public RelayOutputOptions Relay { get; set; } = new();

    public LedOutputOptions GrantedLed { get; set; } = new();

    public LedOutputOptions DeniedLed { get; set; } = new();

    public LedOutputOptions StatusLed { get; set; } = new();

    /// <summary>How long one unlock holds the strike.</summary>
    public TimeSpan PulseDuration { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Upper bound for <see cref="PulseDuration"/>; itself at most <see cref="MaxPulseDurationCap"/>.</summary>
    public TimeSpan MaxPulseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the denied LED stays on after a refusal.</summary>
    public TimeSpan DeniedSignalDuration { get; set; } = TimeSpan.FromSeconds(1);

    public SimulatedGpioOptions Simulated { get; set; } = new();

    /// <summary>The door's own inputs (contact, exit button, tamper); each is off until its pin is set.</summary>
    public DoorInputsOptions Inputs { get; set; } = new();

    /// <summary>
    /// The pulse length actually used: validated options already satisfy the bounds; clamping again means a
    /// configuration that slipped past validation still cannot hold the strike open for long.
    /// </summary>
    internal TimeSpan EffectivePulseDuration
    {
        get
        {
            TimeSpan max = EffectiveMaxPulseDuration;
            return PulseDuration < MinimumDuration ? MinimumDuration : PulseDuration > max ? max : PulseDuration;
        }
    }

    /// <summary><see cref="MaxPulseDuration"/>, or the hard cap when it is out of bounds.</summary>
    internal TimeSpan EffectiveMaxPulseDuration =>
        MaxPulseDuration > MaxPulseDurationCap || MaxPulseDuration < MinimumDuration ? MaxPulseDurationCap : MaxPulseDuration;
}

/// <summary>The strike relay output; always present.</summary>
public sealed class RelayOutputOptions
{
    /// <summary>Line offset on the chip (BCM number on a Raspberry Pi).</summary>
    public int Pin { get; set; } = 17;

    /// <summary>True when the relay energises on a low level (many opto-isolated relay boards).</summary>
    public bool ActiveLow { get; set; }
}

/// <summary>An optional indicator LED; absent when <see cref="Pin"/> is null.</summary>
public sealed class LedOutputOptions
{
    public int? Pin { get; set; }

    public bool ActiveLow { get; set; }
}

/// <summary>`Door:Inputs`: the lines beside the door that the door itself reads.</summary>
public sealed class DoorInputsOptions
{
    public DoorContactOptions Contact { get; set; } = new();

    public ExitButtonOptions ExitButton { get; set; } = new();

    public DoorInputOptions Tamper { get; set; } = new();
}

/// <summary>A debounced GPIO input; off while <see cref="Pin"/> is null.</summary>
public class DoorInputOptions
{
    /// <summary>Line offset on <c>Door:Chip</c> (BCM number on a Raspberry Pi); null: not wired.</summary>
    public int? Pin { get; set; }

    /// <summary>True when the input is active (pressed, door open, case open) while the line reads low.</summary>
    public bool ActiveLow { get; set; }

    /// <summary>`up`, `down` or `none` (an external resistor).</summary>
    public string Pull { get; set; } = "up";

    /// <summary>How long a new level must hold before it counts, in both directions.</summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(50);

    internal DoorInputWiring Wiring(int pin) => new(pin, ActiveLow, Pull, Debounce);
}

/// <summary>
/// The door position switch (a reed contact closed while the door is closed: the line reads high, active, when the
/// door opens or the wire is cut).
/// </summary>
public sealed class DoorContactOptions : DoorInputOptions
{
    /// <summary>An open door longer than this raises `door_held_open` (and its alarm until it closes).</summary>
    public TimeSpan HeldOpenAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A door that closes while the strike is released locks it at once instead of at the pulse's end.</summary>
    public bool RelockOnClose { get; set; } = true;
}

/// <summary>The request-to-exit button: a press pulses the strike locally (no cloud, no network).</summary>
public sealed class ExitButtonOptions : DoorInputOptions
{
    public ExitButtonOptions() => ActiveLow = true;

    /// <summary>Presses closer together than this after a pulse are refused (a stuck or hammered button).</summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromSeconds(2);
}

public sealed class SimulatedGpioOptions
{
    /// <summary>Optional file that receives one JSON line per pin write (for demos and other processes to follow).</summary>
    public string? TransitionLog { get; set; }

    /// <summary>Fault injection: makes writes of the relay's inactive level fail (tests and the fault suite only).</summary>
    public LockWriteFailures LockWriteFailures { get; set; }
}

/// <summary>
/// Which writes of the relay's inactive level the simulated driver fails (IOException) once the line is open; opening
/// the line at its inactive level always succeeds.
/// </summary>
public enum LockWriteFailures
{
    None,

    /// <summary>The first such write fails, later ones succeed.</summary>
    Once,

    /// <summary>Every such write fails: a relay that cannot be locked.</summary>
    Always,
}

/// <summary>Validates <see cref="DoorOptions"/>; every message names the configuration key it is about.</summary>
public sealed class DoorOptionsValidator : IValidateOptions<DoorOptions>
{
    internal const int MaxPin = 1023;

    private static readonly string[] KnownDrivers =
        [DoorOptions.LibgpiodDriver, DoorOptions.LibgpiodV1Driver, DoorOptions.LibgpiodV2Driver, DoorOptions.SimulatedDriver];

    public ValidateOptionsResult Validate(string? name, DoorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = [];
        const string s = DoorOptions.SectionName;

        if (!KnownDrivers.Contains(options.Driver ?? string.Empty, StringComparer.OrdinalIgnoreCase))
        {
            failures.Add(Invariant($"{s}:Driver must be one of {string.Join(", ", KnownDrivers.Select(d => $"'{d}'"))} (was '{options.Driver}')."));
        }

        if (options.Chip < 0)
        {
            failures.Add(Invariant($"{s}:Chip must be 0 or greater (was {options.Chip})."));
        }

        if (options.Relay is null)
        {
            failures.Add($"{s}:Relay is required.");
        }

        List<(string Key, int Pin)> pins = [];
        if (options.Relay is not null)
        {
            pins.Add(($"{s}:Relay:Pin", options.Relay.Pin));
        }

        AddLed(pins, $"{s}:GrantedLed:Pin", options.GrantedLed);
        AddLed(pins, $"{s}:DeniedLed:Pin", options.DeniedLed);
        AddLed(pins, $"{s}:StatusLed:Pin", options.StatusLed);
        foreach ((string key, DoorInputOptions? input) in InputsOf(options))
        {
            if (input?.Pin is int inputPin)
            {
                pins.Add(($"{key}:Pin", inputPin));
            }
        }

        foreach ((string key, int pin) in pins)
        {
            if (pin is < 0 or > MaxPin)
            {
                failures.Add(Invariant($"{key} must be between 0 and {MaxPin} (was {pin})."));
            }
        }

        // One line driving two things would make an LED write move the strike.
        for (int i = 0; i < pins.Count; i++)
        {
            for (int j = i + 1; j < pins.Count; j++)
            {
                if (pins[i].Pin == pins[j].Pin)
                {
                    failures.Add(Invariant($"{pins[i].Key} and {pins[j].Key} must be different pins (both are {pins[i].Pin})."));
                }
            }
        }

        bool maxValid = options.MaxPulseDuration >= DoorOptions.MinimumDuration && options.MaxPulseDuration <= DoorOptions.MaxPulseDurationCap;
        if (!maxValid)
        {
            failures.Add($"{s}:MaxPulseDuration must be between {Format(DoorOptions.MinimumDuration)} and {Format(DoorOptions.MaxPulseDurationCap)} (was {Format(options.MaxPulseDuration)}).");
        }

        TimeSpan max = maxValid ? options.MaxPulseDuration : DoorOptions.MaxPulseDurationCap;
        if (options.PulseDuration < DoorOptions.MinimumDuration || options.PulseDuration > max)
        {
            failures.Add($"{s}:PulseDuration must be between {Format(DoorOptions.MinimumDuration)} and {s}:MaxPulseDuration ({Format(max)}) (was {Format(options.PulseDuration)}).");
        }

        if (options.DeniedSignalDuration < DoorOptions.MinimumDuration || options.DeniedSignalDuration > DoorOptions.MaxPulseDurationCap)
        {
            failures.Add($"{s}:DeniedSignalDuration must be between {Format(DoorOptions.MinimumDuration)} and {Format(DoorOptions.MaxPulseDurationCap)} (was {Format(options.DeniedSignalDuration)}).");
        }

        ValidateInputs(options, failures);

        if (options.Simulated?.TransitionLog is { } log && string.IsNullOrWhiteSpace(log))
        {
            failures.Add($"{s}:Simulated:TransitionLog must be a file path or left out.");
        }

        if (options.Simulated is { } simulated)
        {
            if (!Enum.IsDefined(simulated.LockWriteFailures))
            {
                failures.Add(Invariant($"{s}:Simulated:LockWriteFailures must be 'None', 'Once' or 'Always' (was {(int)simulated.LockWriteFailures})."));
            }
            else if (simulated.LockWriteFailures != LockWriteFailures.None
                && !string.Equals(options.Driver, DoorOptions.SimulatedDriver, StringComparison.OrdinalIgnoreCase))
            {
                // Fault injection on a real strike would be a self-inflicted stuck door.
                failures.Add($"{s}:Simulated:LockWriteFailures is fault injection for {s}:Driver 'simulated' only (the driver is '{options.Driver}').");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The configured door inputs with their key prefixes (`Door:Inputs:Contact`, …).</summary>
    internal static IEnumerable<(string Key, DoorInputOptions? Input)> InputsOf(DoorOptions options)
    {
        const string p = DoorOptions.SectionName + ":Inputs";
        yield return ($"{p}:Contact", options.Inputs?.Contact);
        yield return ($"{p}:ExitButton", options.Inputs?.ExitButton);
        yield return ($"{p}:Tamper", options.Inputs?.Tamper);
    }

    /// <summary>Upper bound of an input's debounce: a longer one would hide a real press or a forced door.</summary>
    internal static readonly TimeSpan MaxDebounce = TimeSpan.FromSeconds(5);

    private static void ValidateInputs(DoorOptions options, List<string> failures)
    {
        foreach ((string key, DoorInputOptions? input) in InputsOf(options))
        {
            if (input is null || input.Pin is null)
            {
                continue;
            }

            if (input.Pull is not ("none" or "up" or "down"))
            {
                failures.Add($"{key}:Pull must be 'none', 'up' or 'down' (was '{input.Pull}').");
            }

            if (input.Debounce < TimeSpan.Zero || input.Debounce > MaxDebounce)
            {
                failures.Add($"{key}:Debounce must be between 00:00:00 and {Format(MaxDebounce)} (was {Format(input.Debounce)}).");
            }
        }

        if (options.Inputs?.Contact is { Pin: not null } contact
            && (contact.HeldOpenAfter < TimeSpan.FromSeconds(1) || contact.HeldOpenAfter > TimeSpan.FromHours(1)))
        {
            failures.Add($"{DoorOptions.SectionName}:Inputs:Contact:HeldOpenAfter must be between 00:00:01 and 01:00:00 (was {Format(contact.HeldOpenAfter)}).");
        }

        if (options.Inputs?.ExitButton is { Pin: not null } exit
            && (exit.MinInterval < TimeSpan.Zero || exit.MinInterval > TimeSpan.FromMinutes(10)))
        {
            failures.Add($"{DoorOptions.SectionName}:Inputs:ExitButton:MinInterval must be between 00:00:00 and 00:10:00 (was {Format(exit.MinInterval)}).");
        }
    }

    private static void AddLed(List<(string Key, int Pin)> pins, string key, LedOutputOptions? led)
    {
        if (led?.Pin is int pin)
        {
            pins.Add((key, pin));
        }
    }

    /// <summary>Formats like configuration is written: 00:00:00.1, 00:00:10.</summary>
    internal static string Format(TimeSpan value) =>
        value < TimeSpan.Zero || value >= TimeSpan.FromDays(1)
            ? value.ToString("c", CultureInfo.InvariantCulture)
            : value.ToString(value.Ticks % TimeSpan.TicksPerSecond == 0 ? @"hh\:mm\:ss" : @"hh\:mm\:ss\.FFFFFFF", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

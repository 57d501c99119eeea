namespace KvsEdge.Triggers;

/// <summary>The `Triggers` section: what makes the image-API source look at the camera. Any combination.</summary>
public sealed class TriggerOptions
{
    public const string SectionName = "Triggers";

    /// <summary>
    /// GPIO trigger inputs (a doorbell and a PIR at once), each on its own line. A list since issue 14: the old single
    /// form (`Triggers:Gpio:Enabled`, `Triggers:Gpio:Pin`) is refused at start, naming the list key to move it to.
    /// </summary>
    public List<GpioTriggerOptions> Gpio { get; set; } = [];

    public MotionTriggerOptions Motion { get; set; } = new();

    public MqttTriggerOptions Mqtt { get; set; } = new();

    /// <summary>Look every interval even without another trigger; null (the default) is off.</summary>
    public TimeSpan? Interval { get; set; }

    public bool AnyEnabled => Gpio.Count > 0 || Motion.Enabled || Mqtt.Enabled || Interval is not null;
}

/// <summary>A doorbell button or PIR sensor on a GPIO input; every item of the list is on.</summary>
public sealed class GpioTriggerOptions
{
    /// <summary>
    /// Names the input in the trigger it fires (`gpio:doorbell`) and in logs: letters, digits, `_` and `-`. Left out,
    /// the pin number names it (`gpio:27`, as before the list).
    /// </summary>
    public string? Name { get; set; }

    /// <summary>BCM line number on <c>Door:Chip</c>; required.</summary>
    public int? Pin { get; set; }

    /// <summary>The name used in the trigger: <see cref="Name"/>, else the pin number.</summary>
    public string EffectiveName => string.IsNullOrWhiteSpace(Name) ? Pin?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?" : Name;

    /// <summary>True when the input reads low while pressed (a button to ground with a pull-up).</summary>
    public bool ActiveLow { get; set; } = true;

    /// <summary>`none`, `up` or `down`: the internal bias resistor.</summary>
    public string Pull { get; set; } = "up";

    /// <summary>How long the input must stay active before it counts.</summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(50);
}

/// <summary>Frame differencing on small grayscale frames from a second camera tap.</summary>
public sealed class MotionTriggerOptions
{
    public bool Enabled { get; set; }

    public int Width { get; set; } = 160;

    public int Height { get; set; } = 120;

    /// <summary>Grayscale frames per second compared.</summary>
    public int Rate { get; set; } = 5;

    /// <summary>
    /// 1-100: higher reacts to smaller changes. A pixel counts as changed when its brightness moves by more than
    /// (101 − Sensitivity) / 2 levels (of 255), and motion needs more than (101 − Sensitivity) / 10 % of the region's pixels changed.
    /// </summary>
    public int Sensitivity { get; set; } = 60;

    /// <summary>The part of the frame watched, as ratios 0-1 of its width and height (default: all of it).</summary>
    public MotionRegion Region { get; set; } = new();

    /// <summary>After a motion trigger, further motion is ignored this long (a person walking up is one trigger).</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromSeconds(5);
}

public sealed class MotionRegion
{
    public double Left { get; set; }

    public double Top { get; set; }

    public double Width { get; set; } = 1;

    public double Height { get; set; } = 1;
}

/// <summary>The MQTT `trigger` command. Off by default; needs an authenticated broker.</summary>
public sealed class MqttTriggerOptions
{
    public bool Enabled { get; set; }

    /// <summary>Topic under the prefix (default `trigger`, i.e. `kvsedge/&lt;id&gt;/trigger`).</summary>
    public string Topic { get; set; } = "trigger";
}

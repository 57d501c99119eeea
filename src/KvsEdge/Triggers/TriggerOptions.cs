namespace KvsEdge.Triggers;

/// <summary>The `Triggers` section: what makes the image-API source look at the camera. Any combination.</summary>
public sealed class TriggerOptions
{
    public const string SectionName = "Triggers";

    public GpioTriggerOptions Gpio { get; set; } = new();

    public MotionTriggerOptions Motion { get; set; } = new();

    public MqttTriggerOptions Mqtt { get; set; } = new();

    /// <summary>Look every interval even without another trigger; null (the default) is off.</summary>
    public TimeSpan? Interval { get; set; }

    public bool AnyEnabled => Gpio.Enabled || Motion.Enabled || Mqtt.Enabled || Interval is not null;
}

/// <summary>A doorbell button or PIR sensor on a GPIO input.</summary>
public sealed class GpioTriggerOptions
{
    public bool Enabled { get; set; }

    /// <summary>BCM line number on <c>Door:Chip</c>.</summary>
    public int Pin { get; set; } = 27;

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

using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;

namespace KvsEdge.Status;

/// <summary>
/// The board's CPU temperature and throttling, read from sysfs under <see cref="Root"/> ("/" on the appliance; tests
/// point it at a fixture tree).
/// </summary>
/// <remarks>
/// The temperature reads `/sys/class/thermal/thermal_zone0/temp` in millidegrees Celsius, as Iot.Device.Bindings'
/// <c>CpuTemperature</c> does on Linux. That binding is not used: it hard-codes the path (so it cannot be pointed at a
/// fixture tree) and returns UnitsNet quantities, a large dependency for one division by 1000.
/// Throttling is the Raspberry Pi firmware's `get_throttled` bit field (hex): bits 0-3 are the current under-voltage,
/// frequency cap, throttling and soft temperature limit; bits 16-19 the same since boot.
/// </remarks>
public sealed class BoardSensors(string root = "/")
{
    public const string TemperatureFile = "sys/class/thermal/thermal_zone0/temp";
    public const string ThrottledFile = "sys/devices/platform/soc/soc:firmware/get_throttled";

    public string Root { get; } = root;

    public bool HasTemperature => File.Exists(Path.Combine(Root, TemperatureFile));

    public bool HasThrottling => File.Exists(Path.Combine(Root, ThrottledFile));

    /// <summary>Degrees Celsius to 0.1; null when unreadable.</summary>
    public double? ReadTemperature() =>
        TryRead(TemperatureFile) is { } text && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long milli)
            ? Math.Round(milli / 1000.0, 1)
            : null;

    /// <summary>The `get_throttled` bits; null when unreadable.</summary>
    public uint? ReadThrottled()
    {
        string? text = TryRead(ThrottledFile);
        if (text is null)
        {
            return null;
        }

        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            text = text[2..];
        }

        return uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint bits) ? bits : null;
    }

    /// <summary>The retained `system` payload: `cpu_temperature`, `throttled` (hex) and `throttled_now` (bits 0-3), null where unknown.</summary>
    public string Payload()
    {
        uint? throttled = HasThrottling ? ReadThrottled() : null;
        var json = new JsonObject
        {
            ["cpu_temperature"] = HasTemperature ? ReadTemperature() : null,
            ["throttled"] = throttled is { } bits ? "0x" + bits.ToString("x", CultureInfo.InvariantCulture) : null,
            ["throttled_now"] = throttled is { } now ? (now & 0xF) != 0 : null,
        };
        return json.ToJsonString();
    }

    private string? TryRead(string relative)
    {
        try
        {
            return File.ReadAllText(Path.Combine(Root, relative)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>Publishes <see cref="BoardSensors.Payload"/> retained on `&lt;prefix&gt;/system` at start and every <see cref="Interval"/>.</summary>
public sealed class BoardSensorsPublisher(BoardSensors sensors, IStatusPublisher status, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!sensors.HasTemperature && !sensors.HasThrottling)
        {
            return; // nothing to report on this board (and nothing announced)
        }

        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                status.PublishState(HomeAssistantDiscoveryExtras.SystemSubtopic, sensors.Payload());
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}

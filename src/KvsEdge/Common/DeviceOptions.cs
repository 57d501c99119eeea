using System.ComponentModel.DataAnnotations;

namespace KvsEdge.Common;

/// <summary>The `Device` configuration section.</summary>
public sealed class DeviceOptions
{
    public const string SectionName = "Device";

    /// <summary>Names this appliance in MQTT topics and Home Assistant; letters, digits, '-' and '_' only.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$", ErrorMessage = "Device:Id must be 1-64 letters, digits, '-' or '_'.")]
    public string Id { get; set; } = "kvsedge";

    /// <summary>Where checkpoints and the grant ledger live (systemd's StateDirectory on the appliance).</summary>
    [Required]
    public string StateDirectory { get; set; } = "/var/lib/kvsedge";
}

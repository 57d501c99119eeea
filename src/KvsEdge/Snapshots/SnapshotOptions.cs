using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace KvsEdge.Snapshots;

/// <summary>
/// The `Snapshots` section: the JPEG each face decision was made on, kept in a bounded ring under
/// `Device:StateDirectory/snapshots` and published (the latest one) on `&lt;prefix&gt;/snapshot`.
/// </summary>
public sealed class SnapshotOptions
{
    public const string SectionName = "Snapshots";

    /// <summary>Off: no snapshot is kept or published, and events carry `snapshot_id: null`.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The ring keeps at most this many snapshots; the oldest go first.</summary>
    [Range(1, 100_000, ErrorMessage = "Snapshots:MaxCount must be between 1 and 100000.")]
    public int MaxCount { get; set; } = 200;

    /// <summary>…and at most this many bytes of JPEG (a single larger JPEG is not kept).</summary>
    [Range(65_536L, 17_179_869_184L, ErrorMessage = "Snapshots:MaxBytes must be between 65536 (64 KiB) and 17179869184 (16 GiB).")]
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;
}

/// <summary>Generated (trim-safe) validation of <see cref="SnapshotOptions"/>' annotations.</summary>
[OptionsValidator]
public sealed partial class SnapshotOptionsValidator : IValidateOptions<SnapshotOptions>;

using System.Globalization;
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
    public int MaxCount { get; set; } = 200;

    /// <summary>…and at most this many bytes of JPEG (a single larger JPEG is not kept).</summary>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Snapshots of decisions without a grant (denied, unknown face) are kept at most one per this interval; every grant
    /// is kept. A crowd or a replayed flood of strangers would otherwise write (and fsync) a JPEG per record, wearing the
    /// SD card and pushing the useful snapshots out of the ring. Zero keeps every decision's.
    /// </summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxMinInterval = TimeSpan.FromHours(1);

    public const int MaxMaxCount = 100_000;
    public const long MinMaxBytes = 64 * 1024;
    public const long MaxMaxBytes = 16L * 1024 * 1024 * 1024;
}

/// <summary>Validates <see cref="SnapshotOptions"/>; every message names its key.</summary>
public sealed class SnapshotOptionsValidator : IValidateOptions<SnapshotOptions>
{
    public ValidateOptionsResult Validate(string? name, SnapshotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.MaxCount is < 1 or > SnapshotOptions.MaxMaxCount)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Snapshots:MaxCount {options.MaxCount} must be between 1 and {SnapshotOptions.MaxMaxCount}."));
        }

        if (options.MaxBytes is < SnapshotOptions.MinMaxBytes or > SnapshotOptions.MaxMaxBytes)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Snapshots:MaxBytes {options.MaxBytes} must be between {SnapshotOptions.MinMaxBytes} (64 KiB) and {SnapshotOptions.MaxMaxBytes} (16 GiB)."));
        }

        if (options.MinInterval < TimeSpan.Zero || options.MinInterval > SnapshotOptions.MaxMinInterval)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Snapshots:MinInterval {options.MinInterval:c} must be between 00:00:00 and {SnapshotOptions.MaxMinInterval:c}."));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using KvsEdge.Common;

namespace KvsEdge.Snapshots;

/// <summary>What a stored snapshot shows: `&lt;id&gt;.json` beside `&lt;id&gt;.jpg`.</summary>
/// <param name="Decision">The frame's decision as its event `type` (`access_granted` outranks `access_denied`, then `unknown_face`).</param>
/// <param name="Person">The people decided on in the frame (granted or denied by name), comma-separated; null for unknown faces only.</param>
/// <param name="Origin">`image-api` (the exact bytes sent to SearchFacesByImage) or `frame-tap` (the local camera's newest frame when a stream processor record arrived: not the frame the cloud analysed).</param>
public sealed record SnapshotInfo(string Id, DateTimeOffset Time, string Decision, string? Person, string Origin, long Bytes);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SnapshotInfo))]
internal sealed partial class SnapshotJsonContext : JsonSerializerContext;

/// <summary>
/// The snapshot ring on disk: `&lt;id&gt;.jpg` and `&lt;id&gt;.json` per snapshot, each written atomically
/// (<see cref="DurableFiles.ReplaceAtomically"/>), the JPEG first so metadata never names a missing image. Ids sort by time,
/// so the oldest is the first in name order; pruning deletes the oldest until the count and byte bounds hold.
/// Not thread-safe: one writer (the <see cref="SnapshotWriter"/> loop), readers (the CLI) only read.
/// </summary>
public sealed class SnapshotRing
{
    public const string DirectoryName = "snapshots";
    private const string ImageExtension = ".jpg";
    private const string InfoExtension = ".json";

    private readonly int _maxCount;
    private readonly long _maxBytes;

    public SnapshotRing(string stateDirectory, int maxCount, long maxBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDirectory);
        Directory = Path.Combine(stateDirectory, DirectoryName);
        _maxCount = maxCount;
        _maxBytes = maxBytes;
    }

    public string Directory { get; }

    /// <summary>A time-ordered, file-name-safe id: UTC time to the millisecond and a per-run sequence.</summary>
    public static string NewId(DateTimeOffset time, long sequence) => string.Create(
        CultureInfo.InvariantCulture, $"{time.UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}-{sequence % 1_000_000:D6}");

    /// <summary>True for what <see cref="NewId"/> produces (the CLI refuses anything else, so an id is never a path).</summary>
    public static bool IsId(string? id) => id is { Length: 26 } && id[8] == 'T' && id[18] == 'Z' && id[19] == '-'
        && id.AsSpan(0, 8).IndexOfAnyExceptInRange('0', '9') < 0 && id.AsSpan(9, 9).IndexOfAnyExceptInRange('0', '9') < 0
        && id.AsSpan(20).IndexOfAnyExceptInRange('0', '9') < 0;

    /// <summary>Stores one snapshot, then prunes the oldest beyond the bounds. A JPEG larger than the byte bound is not kept.</summary>
    /// <returns>False when the JPEG alone exceeds the bound.</returns>
    /// <exception cref="IOException">The directory cannot be written (read-only, full).</exception>
    /// <exception cref="UnauthorizedAccessException">The directory cannot be written.</exception>
    public bool Store(SnapshotInfo info, ReadOnlySpan<byte> jpeg)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (jpeg.Length > _maxBytes)
        {
            return false;
        }

        // Room first: a full disk frees space by dropping the oldest before the new one is written.
        Prune(reserveCount: 1, reserveBytes: jpeg.Length);
        System.IO.Directory.CreateDirectory(Directory);
        DurableFiles.ReplaceAtomically(Path.Combine(Directory, info.Id + ImageExtension), jpeg);
        DurableFiles.ReplaceAtomically(
            Path.Combine(Directory, info.Id + InfoExtension), JsonSerializer.SerializeToUtf8Bytes(info, SnapshotJsonContext.Default.SnapshotInfo));
        return true;
    }

    /// <summary>
    /// Deletes the oldest snapshots until at most MaxCount - <paramref name="reserveCount"/> remain within MaxBytes -
    /// <paramref name="reserveBytes"/>, plus leftovers of interrupted writes (temp files, an image without metadata or
    /// the reverse). Run at start too, so lowered bounds apply to what earlier runs stored.
    /// </summary>
    /// <returns>How many snapshots were deleted.</returns>
    public int Prune(int reserveCount = 0, long reserveBytes = 0)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return 0;
        }

        foreach (string temp in System.IO.Directory.EnumerateFiles(Directory, "*.tmp"))
        {
            File.Delete(temp);
        }

        List<(string Id, long Bytes)> entries = Scan(deleteOrphans: true);
        long total = entries.Sum(e => e.Bytes);
        int deleted = 0;
        int i = 0;
        while (i < entries.Count && (entries.Count - i > _maxCount - reserveCount || total > _maxBytes - reserveBytes))
        {
            // Metadata first: a crash in between leaves an orphan image, which the next prune removes.
            File.Delete(Path.Combine(Directory, entries[i].Id + InfoExtension));
            File.Delete(Path.Combine(Directory, entries[i].Id + ImageExtension));
            total -= entries[i].Bytes;
            deleted++;
            i++;
        }

        return deleted;
    }

    /// <summary>Every stored snapshot, oldest first. Metadata that cannot be read is left out.</summary>
    public IReadOnlyList<SnapshotInfo> List()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var list = new List<SnapshotInfo>();
        foreach ((string id, _) in Scan(deleteOrphans: false))
        {
            if (TryReadInfo(id) is { } info)
            {
                list.Add(info);
            }
        }

        return list;
    }

    /// <summary>The JPEG path of <paramref name="id"/>, or null when there is no such snapshot.</summary>
    public string? ImagePath(string id)
    {
        if (!IsId(id))
        {
            return null;
        }

        string path = Path.Combine(Directory, id + ImageExtension);
        return File.Exists(path) && File.Exists(Path.Combine(Directory, id + InfoExtension)) ? path : null;
    }

    private SnapshotInfo? TryReadInfo(string id)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(Directory, id + InfoExtension)), SnapshotJsonContext.Default.SnapshotInfo);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Complete snapshots (image and metadata), oldest first, with the image's size.</summary>
    private List<(string Id, long Bytes)> Scan(bool deleteOrphans)
    {
        var images = new Dictionary<string, long>(StringComparer.Ordinal);
        var infos = new HashSet<string>(StringComparer.Ordinal);
        foreach (FileInfo file in new DirectoryInfo(Directory).EnumerateFiles())
        {
            string id = Path.GetFileNameWithoutExtension(file.Name);
            if (!IsId(id))
            {
                continue; // not ours: never deleted
            }

            if (file.Extension == ImageExtension)
            {
                images[id] = file.Length;
            }
            else if (file.Extension == InfoExtension)
            {
                infos.Add(id);
            }
        }

        if (deleteOrphans)
        {
            foreach (string id in images.Keys.Where(id => !infos.Contains(id)).ToList())
            {
                File.Delete(Path.Combine(Directory, id + ImageExtension));
                images.Remove(id);
            }

            foreach (string id in infos.Where(id => !images.ContainsKey(id)))
            {
                File.Delete(Path.Combine(Directory, id + InfoExtension));
            }
        }

        return images.Where(kv => infos.Contains(kv.Key)).Select(kv => (kv.Key, kv.Value)).OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
    }
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace KvsEdge.Camera;

/// <summary>One recorded segment file.</summary>
public sealed record RecordingSegment(string Path, int Index, long Length);

/// <summary>
/// Keeps the recording directory within its limits. splitmuxsink runs without max-files (it would wrap the
/// index and overwrite after a restart), so this enforces both the count and the byte budget, across restarts.
/// </summary>
public sealed partial class RecordingRing
{
    private readonly string _directory;
    private readonly int _maxSegments;
    private readonly long _maxTotalBytes;

    public RecordingRing(string directory, int maxSegments, long maxTotalBytes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSegments, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTotalBytes, 1);
        _directory = directory;
        _maxSegments = maxSegments;
        _maxTotalBytes = maxTotalBytes;
    }

    public static RecordingRing FromOptions(RecordOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new RecordingRing(options.Directory!, options.MaxSegments, options.MaxTotalBytes);
    }

    /// <summary>Segment files (<c>segment-NNNNN.mp4|mkv</c>), oldest (lowest index) first; empty when the directory does not exist.</summary>
    public IReadOnlyList<RecordingSegment> ListSegments()
    {
        var directory = new DirectoryInfo(_directory);
        if (!directory.Exists)
        {
            return [];
        }

        List<RecordingSegment> segments = [];
        foreach (FileInfo file in directory.EnumerateFiles("segment-*"))
        {
            Match match = SegmentName().Match(file.Name);
            if (match.Success && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                segments.Add(new RecordingSegment(file.FullName, index, file.Length));
            }
        }

        // Order by index, not time: numbering continues across restarts (NextStartIndex) and survives clock jumps.
        return [.. segments.OrderBy(x => x.Index).ThenBy(x => x.Path, StringComparer.Ordinal)];
    }

    /// <summary>Deletes the oldest segments while there are too many or they take too much space; returns the deleted ones.</summary>
    /// <remarks>The newest segment is never deleted: splitmuxsink may still be writing it.</remarks>
    public IReadOnlyList<RecordingSegment> Trim()
    {
        IReadOnlyList<RecordingSegment> segments = ListSegments();
        int count = segments.Count;
        long total = segments.Sum(x => x.Length);
        List<RecordingSegment> deleted = [];
        for (int i = 0; i < segments.Count - 1 && (count > _maxSegments || total > _maxTotalBytes); i++)
        {
            RecordingSegment segment = segments[i];
            try
            {
                File.Delete(segment.Path);
                deleted.Add(segment);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Counted as gone anyway so one stuck file does not make us delete more recent recordings instead.
            }

            count--;
            total -= segment.Length;
        }

        return deleted;
    }

    /// <summary>The splitmuxsink start-index that continues after the highest existing segment (0 when there is none).</summary>
    public int NextStartIndex()
    {
        IReadOnlyList<RecordingSegment> segments = ListSegments();
        return segments.Count == 0 || segments[^1].Index == int.MaxValue ? 0 : segments[^1].Index + 1;
    }

    [GeneratedRegex(@"^segment-([0-9]{1,10})\.(mp4|mkv)$", RegexOptions.CultureInvariant)]
    private static partial Regex SegmentName();
}

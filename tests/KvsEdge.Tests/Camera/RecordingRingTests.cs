using KvsEdge.Camera;

namespace KvsEdge.Tests.Camera;

public sealed class RecordingRingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-ring-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private void Segment(int index, int bytes, string extension = "mp4") =>
        File.WriteAllBytes(Path.Combine(_directory, $"segment-{index:D5}.{extension}"), new byte[bytes]);

    [Fact]
    public void Lists_only_segment_files_in_index_order()
    {
        Segment(10, 1);
        Segment(2, 1, "mkv");
        Segment(100000, 1);
        File.WriteAllText(Path.Combine(_directory, "segment-x.mp4"), "");
        File.WriteAllText(Path.Combine(_directory, "notes.txt"), "");
        Assert.Equal([2, 10, 100000], new RecordingRing(_directory, 10, 1000).ListSegments().Select(s => s.Index));
    }

    [Fact]
    public void Count_limit_deletes_the_oldest()
    {
        for (int i = 0; i < 5; i++)
        {
            Segment(i, 10);
        }

        IReadOnlyList<RecordingSegment> deleted = new RecordingRing(_directory, 3, long.MaxValue).Trim();
        Assert.Equal([0, 1], deleted.Select(s => s.Index));
        Assert.Equal([2, 3, 4], new RecordingRing(_directory, 3, long.MaxValue).ListSegments().Select(s => s.Index));
    }

    [Fact]
    public void Size_limit_deletes_the_oldest()
    {
        Segment(0, 100);
        Segment(1, 100);
        Segment(2, 100);
        Assert.Equal([0], new RecordingRing(_directory, 100, 250).Trim().Select(s => s.Index));
    }

    [Fact]
    public void Newest_is_never_deleted_even_when_alone_over_the_limit()
    {
        Segment(3, 500);
        Segment(4, 1000);
        Assert.Equal([3], new RecordingRing(_directory, 1, 10).Trim().Select(s => s.Index));
        Assert.True(File.Exists(Path.Combine(_directory, "segment-00004.mp4")));
    }

    [Fact]
    public void Start_index_continues_numbering()
    {
        var ring = new RecordingRing(_directory, 10, 1000);
        Assert.Equal(0, ring.NextStartIndex());
        Segment(7, 1);
        Segment(41, 1, "mkv");
        Assert.Equal(42, ring.NextStartIndex());
    }

    [Fact]
    public void Missing_directory_is_empty()
    {
        var ring = new RecordingRing(Path.Combine(_directory, "absent"), 10, 1000);
        Assert.Empty(ring.ListSegments());
        Assert.Empty(ring.Trim());
        Assert.Equal(0, ring.NextStartIndex());
    }
}

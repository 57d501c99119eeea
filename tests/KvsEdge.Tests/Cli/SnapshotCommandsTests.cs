using KvsEdge.Cli;
using KvsEdge.Snapshots;
using KvsEdge.Tests.Snapshots;

namespace KvsEdge.Tests.Cli;

public sealed class SnapshotCommandsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-snapcli-").FullName;
    private readonly string _config;
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public SnapshotCommandsTests()
    {
        _config = Path.Combine(_directory, "appsettings.json");
        File.WriteAllText(_config, $$"""{ "Device": { "StateDirectory": "{{Path.Combine(_directory, "state")}}" } }""");
    }

    [Fact]
    public void List_shows_every_snapshot_as_a_table_and_get_writes_its_exact_bytes()
    {
        var ring = new SnapshotRing(Path.Combine(_directory, "state"), 10, 1_000_000);
        var time = new DateTimeOffset(2026, 11, 25, 10, 0, 0, 123, TimeSpan.Zero);
        string first = SnapshotRing.NewId(time, 1);
        string second = SnapshotRing.NewId(time.AddSeconds(5), 2);
        byte[] jpeg = SnapshotTests.Jpeg(1234, 3);
        ring.Store(new SnapshotInfo(first, time, "access_granted", "alice", SnapshotOrigins.ImageApi, 1234), jpeg);
        ring.Store(new SnapshotInfo(second, time.AddSeconds(5), "unknown_face", null, SnapshotOrigins.FrameTap, 99), SnapshotTests.Jpeg(99, 4));

        Assert.Equal(ExitCodes.Ok, SnapshotCommands.List(_config, _out, _err));
        string[] lines = _out.ToString().TrimEnd().Split(Environment.NewLine);
        Assert.Equal(3, lines.Length);
        Assert.Equal(["ID", "TIME", "DECISION", "PERSON", "BYTES"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal([first, "2026-11-25T10:00:00.123Z", "access_granted", "alice", "1234"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal([second, "2026-11-25T10:00:05.123Z", "unknown_face", "-", "99"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));

        string output = Path.Combine(_directory, "out.jpg");
        Assert.Equal(ExitCodes.Ok, SnapshotCommands.Get(_config, first, output, _out, _err));
        Assert.Equal(jpeg, File.ReadAllBytes(output));
    }

    [Fact]
    public void An_unknown_id_and_an_unwritable_output_are_clear_errors()
    {
        var ring = new SnapshotRing(Path.Combine(_directory, "state"), 10, 1_000_000);
        string id = SnapshotRing.NewId(DateTimeOffset.UnixEpoch, 1);
        ring.Store(new SnapshotInfo(id, DateTimeOffset.UnixEpoch, "access_denied", "bob", SnapshotOrigins.ImageApi, 10), SnapshotTests.Jpeg(10, 1));

        Assert.Equal(ExitCodes.Failure, SnapshotCommands.Get(_config, "19700101T000000000Z-000009", Path.Combine(_directory, "x.jpg"), _out, _err));
        Assert.Contains("no snapshot '19700101T000000000Z-000009'", _err.ToString(), StringComparison.Ordinal);
        Assert.Contains("snapshots list", _err.ToString(), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Failure, SnapshotCommands.Get(_config, "../../etc/passwd", Path.Combine(_directory, "x.jpg"), _out, _err));

        string unwritable = Path.Combine(_directory, "missing-dir", "out.jpg");
        Assert.Equal(ExitCodes.Failure, SnapshotCommands.Get(_config, id, unwritable, _out, _err));
        Assert.Contains("cannot write " + unwritable, _err.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "x.jpg")));
    }

    [Fact]
    public void An_empty_ring_says_so_and_a_bad_config_exits_78_naming_the_key()
    {
        Assert.Equal(ExitCodes.Ok, SnapshotCommands.List(_config, _out, _err));
        Assert.Contains("No snapshots", _out.ToString(), StringComparison.Ordinal);

        File.WriteAllText(_config, """{ "Snapshots": { "MaxCount": 0 } }""");
        Assert.Equal(ExitCodes.Config, SnapshotCommands.List(_config, _out, _err));
        Assert.Contains("Snapshots:MaxCount", _err.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _out.Dispose();
        _err.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

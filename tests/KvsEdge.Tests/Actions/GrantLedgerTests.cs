using KvsEdge.Actions;
using KvsEdge.Recognition;

namespace KvsEdge.Tests.Actions;

public sealed class GrantLedgerTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-ledger-").FullName;

    [Fact]
    public void Entries_survive_a_reopen_and_only_recent_ones_are_kept()
    {
        using (var ledger = new GrantLedger(_directory))
        {
            ledger.Append("old#0", T0.AddMinutes(-5));
            ledger.Append("recent#0", T0.AddSeconds(-3));
            ledger.Append("recent#1", T0.AddSeconds(-1));
        }

        using var reopened = new GrantLedger(_directory);
        var recent = reopened.LoadRecent(T0.AddSeconds(-10));
        Assert.Equal(["recent#0", "recent#1"], recent.Select(e => e.Key));
        Assert.Equal(T0.AddSeconds(-3), recent[0].FrameTime);

        // Compacted: the stale entry is gone from the file too.
        Assert.Equal(2, File.ReadAllLines(reopened.FilePath).Length);
    }

    [Fact]
    public void A_torn_last_line_after_a_power_cut_is_skipped()
    {
        using (var ledger = new GrantLedger(_directory))
        {
            ledger.Append("whole#0", T0);
        }

        File.AppendAllText(Path.Combine(_directory, "granted.log"), "17642");
        using var reopened = new GrantLedger(_directory);
        Assert.Equal(["whole#0"], reopened.LoadRecent(T0.AddMinutes(-1)).Select(e => e.Key));
    }

    [Fact]
    public void Keys_with_line_breaks_cannot_forge_entries()
    {
        using (var ledger = new GrantLedger(_directory))
        {
            ledger.Append("a\n1764064800000 forged", T0);
        }

        using var reopened = new GrantLedger(_directory);
        var entries = reopened.LoadRecent(T0.AddMinutes(-1));
        Assert.Single(entries);
    }

    [Fact]
    public void Checkpoints_round_trip_and_shard_ids_cannot_escape_the_directory()
    {
        var store = new ShardCheckpointStore(_directory, "door-events");
        Assert.Null(store.Get("shardId-000000000000"));
        store.Save("shardId-000000000000", "49590338271490256608559692538361571095921575989136588898");
        store.Save("shardId-000000000000", "49590338271490256608559692538361571095921575989136588899");
        Assert.Equal("49590338271490256608559692538361571095921575989136588899", store.Get("shardId-000000000000"));
        Assert.Empty(Directory.GetFiles(store.Directory, "*.tmp"));
        Assert.Throws<ArgumentException>(() => store.Save("../../etc/passwd", "1"));
        Assert.Throws<ArgumentException>(() => store.Get(string.Empty));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

using KvsEdge.Actions;
using KvsEdge.Recognition;

#pragma warning disable CA1305 // test data built with interpolation of invariant numbers

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
    public void An_append_after_a_torn_line_starts_on_a_fresh_line_so_only_the_torn_one_is_lost()
    {
        using (var ledger = new GrantLedger(_directory))
        {
            ledger.Append("whole#0", T0);
        }

        File.AppendAllText(Path.Combine(_directory, "granted.log"), "{\"t\":1764064800000,\"ke"); // a full disk cut it short
        using (var ledger = new GrantLedger(_directory))
        {
            ledger.Append("after#0", T0);
        }

        using var reopened = new GrantLedger(_directory);
        Assert.Equal(["whole#0", "after#0"], reopened.ReadRecent(T0.AddMinutes(-1), out int skipped).Select(e => e.Key));
        Assert.Equal(1, skipped);
    }

    [Fact]
    public void Keys_with_line_breaks_cannot_forge_entries()
    {
        // Both forged lines are inside the window and well formed, in either format: only escaping stops them.
        string ms = T0.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        string key = "a\n" + ms + " forged#0\r\n{\"t\":" + ms + ",\"key\":\"forged#1\",\"person\":\"alice\"}\n";
        using (var ledger = new GrantLedger(_directory))
        {
            ledger.Append(key, T0, "bob");
        }

        using var reopened = new GrantLedger(_directory);
        GrantLedgerEntry entry = Assert.Single(reopened.LoadRecent(T0.AddMinutes(-1)));
        Assert.Equal((key, T0, "bob"), (entry.Key, entry.FrameTime, entry.Person));
    }

    [Fact]
    public void Corrupt_lines_are_skipped_and_counted_and_the_file_is_compacted_without_them()
    {
        long ms = T0.ToUnixTimeMilliseconds();
        string[] lines =
        [
            $"{{\"t\":{ms},\"key\":\"good#0\",\"person\":\"alice\"}}",
            "{\"t\":17640648", // cut short
            "not json at all",
            $"{{\"t\":\"{ms}\",\"key\":\"string-time#0\"}}", // wrong type
            $"{{\"t\":{ms},\"key\":42}}", // wrong type
            $"{{\"t\":{ms}.5,\"key\":\"fraction#0\"}}",
            "{\"t\":9223372036854775807,\"key\":\"far#0\"}", // a long, but beyond DateTimeOffset
            "-9223372036854775808 far#1", // the first format, out of range
            "[1,2]",
            $"{ms} legacy#0", // the first format, still read after an upgrade
            $"{{\"t\":{ms},\"key\":\"good#1\"}}",
        ];
        File.WriteAllLines(Path.Combine(_directory, "granted.log"), lines);

        using var ledger = new GrantLedger(_directory);
        var entries = ledger.LoadRecent(T0.AddMinutes(-1), out int skipped);

        Assert.Equal(["good#0", "legacy#0", "good#1"], entries.Select(e => e.Key));
        Assert.Equal(["alice", null, null], entries.Select(e => e.Person));
        Assert.Equal(8, skipped);
        Assert.Equal(3, File.ReadAllLines(ledger.FilePath).Length);
        Assert.False(File.Exists(ledger.FilePath + ".tmp"));

        ledger.LoadRecent(T0.AddMinutes(-1), out skipped);
        Assert.Equal(0, skipped);
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

using System.Globalization;
using System.Text;

namespace KvsEdge.Benchmarks;

/// <summary>
/// Where a process's resident memory is, from /proc/&lt;pid&gt;/smaps and /proc/&lt;pid&gt;/task: file-backed pages per
/// mapped file, anonymous pages by kind, and the threads by name. The kinds of anonymous memory are told apart by
/// their layout, as glibc and the .NET GC lay them out on Linux:
/// - thread stack: a read-write mapping right after its small inaccessible guard (glibc's pthread stacks; and [stack]);
/// - malloc arena: a read-write mapping followed by its inaccessible reserve, together 64 MiB (glibc's per-thread arenas);
/// - malloc brk heap: [heap];
/// - GC heap: committed pages inside an anonymous reservation of 256 MiB or more (the GC reserves its address range once);
/// - file copy-on-write: private pages of a mapped file that were written (relocated pointers, .data, .bss);
/// - other anonymous: everything else (runtime bookkeeping, large malloc blocks, native libraries' own mmaps).
/// </summary>
internal sealed record ProcMemoryBreakdown(
    IReadOnlyList<(string File, long RssKb)> Files, IReadOnlyDictionary<string, long> AnonymousKb, IReadOnlyList<(string Name, int Count)> Threads)
{
    public const string ThreadStacks = "thread stacks";
    public const string MallocArenas = "malloc arenas";
    public const string MallocHeap = "malloc brk heap";
    public const string GcHeap = "GC heap";
    public const string FileCopyOnWrite = "file copy-on-write";
    public const string OtherAnonymous = "other anonymous";

    private const long ArenaSizeKb = 64 * 1024;
    private const long MaxGuardKb = 64;
    private const long MinReservationKb = 256 * 1024;

    private sealed record Mapping(long Start, long End, string Perms, string Path, long RssKb, long AnonymousKb)
    {
        public long SizeKb => (End - Start) / 1024;
        public bool IsAnonymous => Path.Length == 0 || Path.StartsWith("[anon", StringComparison.Ordinal);
        public bool IsReserve => Perms.StartsWith("---", StringComparison.Ordinal);
    }

    public long FileKb => Files.Sum(f => f.RssKb);

    public long AnonymousTotalKb => AnonymousKb.Values.Sum();

    public int ThreadCount => Threads.Sum(t => t.Count);

    public static ProcMemoryBreakdown Read(int pid)
    {
        string proc = "/proc/" + pid.ToString(CultureInfo.InvariantCulture);
        List<Mapping> mappings;
        try
        {
            mappings = Parse(File.ReadLines(proc + "/smaps"));
        }
        catch (IOException ex)
        {
            throw new BenchException($"cannot read {proc}/smaps: {ex.Message}");
        }

        var files = new Dictionary<string, long>(StringComparer.Ordinal);
        var anonymous = new Dictionary<string, long>(StringComparer.Ordinal);
        bool[] inReservation = MarkReservations(mappings);
        for (int i = 0; i < mappings.Count; i++)
        {
            Mapping m = mappings[i];
            if (!m.IsAnonymous && !m.Path.StartsWith('['))
            {
                // Written private pages of a file mapping are anonymous memory, not page cache.
                Add(files, System.IO.Path.GetFileName(m.Path), m.RssKb - m.AnonymousKb);
                Add(anonymous, FileCopyOnWrite, m.AnonymousKb);
                continue;
            }

            string kind = m.Path switch
            {
                "[stack]" => ThreadStacks,
                "[heap]" => MallocHeap,
                _ when !m.IsAnonymous => OtherAnonymous, // [vdso], [vvar], ...
                _ when i > 0 && mappings[i - 1] is { IsReserve: true, IsAnonymous: true } guard && guard.End == m.Start && guard.SizeKb <= MaxGuardKb => ThreadStacks,
                _ when i + 1 < mappings.Count && mappings[i + 1] is { IsReserve: true, IsAnonymous: true } reserve && reserve.Start == m.End
                    && m.SizeKb + reserve.SizeKb == ArenaSizeKb => MallocArenas,
                _ when inReservation[i] => GcHeap,
                _ => OtherAnonymous,
            };
            Add(anonymous, kind, m.RssKb);
        }

        return new ProcMemoryBreakdown(
            [.. files.Where(f => f.Value > 0).OrderByDescending(f => f.Value).Select(f => (f.Key, f.Value))],
            anonymous,
            ReadThreads(proc));
    }

    /// <summary>Lines for the bench's report: the totals, the largest files, the kinds of anonymous memory, the threads.</summary>
    public IEnumerable<string> Describe(string when, int topFiles = 10)
    {
        yield return Invariant($"  {when}: file-backed {Mib(FileKb)} MiB, anonymous {Mib(AnonymousTotalKb)} MiB, {ThreadCount} threads");
        IEnumerable<string> files = Files.Take(topFiles).Select(f => Invariant($"{f.File} {Mib(f.RssKb)}"));
        long rest = Files.Skip(topFiles).Sum(f => f.RssKb);
        string others = Files.Count > topFiles ? Invariant($", {Files.Count - topFiles} others {Mib(rest)}") : string.Empty;
        yield return "    file-backed: " + string.Join(", ", files) + others;
        yield return "    anonymous: " + string.Join(", ", AnonymousKb.Where(a => a.Value > 0).OrderByDescending(a => a.Value).Select(a => Invariant($"{a.Key} {Mib(a.Value)}")));
        yield return "    threads: " + string.Join(", ", Threads.Select(t => t.Count == 1 ? t.Name : Invariant($"{t.Name} x{t.Count}")));
    }

    private static List<Mapping> Parse(IEnumerable<string> lines)
    {
        var mappings = new List<Mapping>();
        (long Start, long End, string Perms, string Path)? header = null;
        long rss = 0, anon = 0;
        foreach (string line in lines)
        {
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            int dash = line.IndexOf('-', StringComparison.Ordinal);
            if (space > 0 && dash > 0 && dash < space && !line.AsSpan(0, space).EndsWith(":"))
            {
                Flush();
                // start-end perms offset dev inode [path]; the path may contain spaces.
                string[] parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                header = (
                    long.Parse(parts[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    long.Parse(parts[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    parts[1],
                    parts.Length > 5 ? parts[5].Trim() : string.Empty);
                rss = anon = 0;
            }
            else if (line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                rss = Kb(line);
            }
            else if (line.StartsWith("Anonymous:", StringComparison.Ordinal))
            {
                anon = Kb(line);
            }
        }

        Flush();
        return mappings;

        void Flush()
        {
            if (header is { } h)
            {
                mappings.Add(new Mapping(h.Start, h.End, h.Perms, h.Path, rss, anon));
            }
        }

        static long Kb(string line) => long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim().TrimEnd("kB").Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>Marks the anonymous mappings that lie in a run of adjacent anonymous mappings spanning 256 MiB or more.</summary>
    private static bool[] MarkReservations(List<Mapping> mappings)
    {
        bool[] marked = new bool[mappings.Count];
        int first = 0;
        while (first < mappings.Count)
        {
            int last = first;
            if (mappings[first].IsAnonymous)
            {
                while (last + 1 < mappings.Count && mappings[last + 1].IsAnonymous && mappings[last + 1].Start == mappings[last].End)
                {
                    last++;
                }

                if ((mappings[last].End - mappings[first].Start) / 1024 >= MinReservationKb)
                {
                    Array.Fill(marked, true, first, last - first + 1);
                }
            }

            first = last + 1;
        }

        return marked;
    }

    private static List<(string Name, int Count)> ReadThreads(string proc)
    {
        var names = new List<string>();
        try
        {
            foreach (string task in Directory.EnumerateDirectories(proc + "/task"))
            {
                try
                {
                    names.Add(File.ReadAllText(Path.Combine(task, "comm"), Encoding.UTF8).Trim());
                }
                catch (IOException)
                {
                    // The thread ended between the listing and the read.
                }
            }
        }
        catch (IOException ex)
        {
            throw new BenchException($"cannot list {proc}/task: {ex.Message}");
        }

        return [.. names.GroupBy(n => n, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, g.Count()))];
    }

    private static void Add(Dictionary<string, long> totals, string key, long kb) => totals[key] = totals.GetValueOrDefault(key) + kb;

    private static string Mib(long kb) => (kb / 1024.0).ToString("0.0", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

using System.Text;
using System.Text.Json;

namespace KvsEdge.Benchmarks;

/// <summary>The simulated GPIO driver's JSON-lines transition log, read while the daemon is still appending to it.</summary>
internal static class RelayLog
{
    /// <summary>Times at which <paramref name="pin"/> went low → high, oldest first (the log starts with the pin opened low).</summary>
    public static IReadOnlyList<DateTimeOffset> RisingEdges(string path, int pin)
    {
        var edges = new List<DateTimeOffset>();
        bool high = false;
        foreach ((bool nowHigh, DateTimeOffset at) in Levels(path, pin))
        {
            if (nowHigh && !high)
            {
                edges.Add(at);
            }

            high = nowHigh;
        }

        return edges;
    }

    /// <summary>Every level written to <paramref name="pin"/> (true = high), oldest first; only complete lines.</summary>
    public static IReadOnlyList<(bool High, DateTimeOffset At)> Levels(string path, int pin)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        string text;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream, Encoding.UTF8))
        {
            text = reader.ReadToEnd();
        }

        var levels = new List<(bool, DateTimeOffset)>();
        // Only complete lines: the daemon may be half-way through writing the last one.
        int complete = text.LastIndexOf('\n');
        foreach (string line in text[..(complete + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement root = doc.RootElement;
            if (root.GetProperty("pin").GetInt32() == pin)
            {
                levels.Add((root.GetProperty("value").GetString() == "high", root.GetProperty("at").GetDateTimeOffset()));
            }
        }

        return levels;
    }
}

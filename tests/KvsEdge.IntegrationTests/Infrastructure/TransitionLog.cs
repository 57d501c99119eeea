using System.Text.Json;

namespace KvsEdge.IntegrationTests.Infrastructure;

/// <summary>Reads the simulated GPIO driver's JSON-lines log: every level driven onto a pin, with its time.</summary>
public static class TransitionLog
{
    public sealed record Entry(int Pin, string Value, DateTimeOffset At);

    public static IReadOnlyList<Entry> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var entries = new List<Entry>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement root = doc.RootElement;
            entries.Add(new Entry(root.GetProperty("pin").GetInt32(), root.GetProperty("value").GetString()!, root.GetProperty("at").GetDateTimeOffset()));
        }

        return entries;
    }

    /// <summary>How many times the pin went from low to high (a pulse starting) in the log.</summary>
    public static int RisingEdges(string path, int pin)
    {
        int edges = 0;
        string last = "low";
        foreach (Entry entry in Read(path).Where(e => e.Pin == pin))
        {
            if (entry.Value == "high" && last == "low")
            {
                edges++;
            }

            last = entry.Value;
        }

        return edges;
    }
}

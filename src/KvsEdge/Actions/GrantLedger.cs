using System.Globalization;
using System.Text;

namespace KvsEdge.Actions;

/// <summary>
/// A durable list of the faces that unlocked the door, written (and fsynced) BEFORE the relay moves.
/// Checkpoints are written after acting so nothing is lost; this ledger closes the window between acting and
/// checkpointing, so a record redelivered after a crash is a duplicate and never unlocks twice.
/// </summary>
public sealed class GrantLedger : IDisposable
{
    private readonly string _path;
    private readonly object _gate = new();
    private FileStream? _stream;

    public GrantLedger(string stateDirectory)
    {
        _path = Path.Combine(stateDirectory, "granted.log");
    }

    public string FilePath => _path;

    /// <summary>
    /// Reads entries whose frame time is at or after <paramref name="since"/>, and rewrites the file with only those,
    /// so it never grows without bound. Older entries are stale anyway: the policy ignores them by age.
    /// </summary>
    public IReadOnlyList<(string Key, DateTimeOffset FrameTime)> LoadRecent(DateTimeOffset since)
    {
        lock (_gate)
        {
            var recent = new List<(string, DateTimeOffset)>();
            if (File.Exists(_path))
            {
                foreach (string line in File.ReadLines(_path))
                {
                    int space = line.IndexOf(' ', StringComparison.Ordinal);
                    if (space <= 0 || !long.TryParse(line.AsSpan(0, space), NumberStyles.Integer, CultureInfo.InvariantCulture, out long ms))
                    {
                        continue; // a torn last line after a power cut: the entry before it is intact
                    }

                    var frameTime = DateTimeOffset.FromUnixTimeMilliseconds(ms);
                    if (frameTime >= since)
                    {
                        recent.Add((line[(space + 1)..], frameTime));
                    }
                }
            }

            _stream?.Dispose();
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            string temp = _path + ".tmp";
            File.WriteAllLines(temp, recent.Select(e => Format(e.Item1, e.Item2)));
            File.Move(temp, _path, overwrite: true);
            _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
            return recent;
        }
    }

    /// <summary>Appends one entry and forces it to disk before returning.</summary>
    public void Append(string dedupKey, DateTimeOffset frameTime)
    {
        lock (_gate)
        {
            if (_stream is null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
                _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
            }

            byte[] bytes = Encoding.UTF8.GetBytes(Format(dedupKey, frameTime) + "\n");
            _stream.Write(bytes);
            _stream.Flush(flushToDisk: true);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stream?.Dispose();
            _stream = null;
        }
    }

    private static string Format(string key, DateTimeOffset frameTime) =>
        string.Create(CultureInfo.InvariantCulture, $"{frameTime.ToUnixTimeMilliseconds()} {key.ReplaceLineEndings(" ")}");
}

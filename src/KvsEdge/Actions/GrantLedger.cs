using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using KvsEdge.Hosting;

namespace KvsEdge.Actions;

/// <summary>One grant in the ledger: the face that unlocked, its frame time, and who it was (for cooldown).</summary>
public readonly record struct GrantLedgerEntry(string Key, DateTimeOffset FrameTime, string? Person);

/// <summary>
/// A durable list of the faces that unlocked the door, written (and fsynced) BEFORE the relay moves.
/// Checkpoints are written after acting so nothing is lost; this ledger closes the window between acting and
/// checkpointing, so a record redelivered after a crash is a duplicate and never unlocks twice, and the person's
/// cooldown still runs from that grant.
/// </summary>
/// <remarks>
/// One JSON object per line: <c>{"t":&lt;frame time, epoch ms&gt;,"key":"&lt;dedup key&gt;","person":"&lt;name&gt;"}</c>.
/// Lines of the first format (<c>&lt;epoch ms&gt; &lt;key&gt;</c>) are still read, so an upgrade keeps its window.
/// </remarks>
public sealed class GrantLedger : IDisposable
{
    private static readonly long MinUnixMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    private readonly string _path;
    private readonly object _gate = new();
    private FileStream? _stream;

    public GrantLedger(string stateDirectory)
    {
        _path = Path.Combine(stateDirectory, "granted.log");
    }

    public string FilePath => _path;

    /// <inheritdoc cref="LoadRecent(DateTimeOffset, out int)"/>
    public IReadOnlyList<GrantLedgerEntry> LoadRecent(DateTimeOffset since) => LoadRecent(since, out _);

    /// <summary>
    /// Reads entries whose frame time is at or after <paramref name="since"/>, and rewrites the file with only those,
    /// so it never grows without bound. Older entries are stale anyway: the policy ignores them by age.
    /// Lines that cannot be read (torn by a power cut, corrupted) are skipped and counted in <paramref name="skipped"/>:
    /// one bad line must not stop the door service.
    /// </summary>
    /// <exception cref="IOException">The file could be read but not compacted (e.g. a read-only or full disk).</exception>
    /// <exception cref="UnauthorizedAccessException">The state directory cannot be written.</exception>
    public IReadOnlyList<GrantLedgerEntry> LoadRecent(DateTimeOffset since, out int skipped)
    {
        lock (_gate)
        {
            var recent = new List<GrantLedgerEntry>();
            skipped = 0;
            if (File.Exists(_path))
            {
                foreach (string line in File.ReadLines(_path))
                {
                    if (line.Length == 0)
                    {
                        continue;
                    }

                    if (!TryParse(line, out GrantLedgerEntry entry))
                    {
                        skipped++;
                        continue;
                    }

                    if (entry.FrameTime >= since)
                    {
                        recent.Add(entry);
                    }
                }
            }

            _stream?.Dispose();
            _stream = null;
            string directory = Path.GetDirectoryName(_path)!;
            Directory.CreateDirectory(directory);
            string temp = _path + ".tmp";
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                foreach (GrantLedgerEntry entry in recent)
                {
                    stream.Write(Format(entry));
                }

                stream.Flush(flushToDisk: true);
            }

            // The temp file's own entry must be durable before the rename replaces the ledger, and the rename itself
            // after it, or a power cut could leave an empty ledger and let a redelivered record unlock again.
            DurableFiles.SyncDirectory(directory);
            File.Move(temp, _path, overwrite: true);
            DurableFiles.SyncDirectory(directory);
            _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
            return recent;
        }
    }

    /// <summary>Appends one entry and forces it to disk before returning.</summary>
    public void Append(string dedupKey, DateTimeOffset frameTime, string? person = null)
    {
        lock (_gate)
        {
            if (_stream is null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
                _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
            }

            try
            {
                _stream.Write(Format(new GrantLedgerEntry(dedupKey, frameTime, person)));
                _stream.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                // A failed write (e.g. a full disk) may leave a partial line; the next append starts on a fresh line
                // through a new handle, and the reader skips the torn one.
                _stream.Dispose();
                _stream = null;
                throw;
            }
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

    // Every string goes through the JSON writer, which escapes line breaks: a key cannot forge a second line.
    private static byte[] Format(GrantLedgerEntry entry)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("t", entry.FrameTime.ToUnixTimeMilliseconds());
            writer.WriteString("key", entry.Key);
            if (entry.Person is not null)
            {
                writer.WriteString("person", entry.Person);
            }

            writer.WriteEndObject();
        }

        byte[] line = new byte[buffer.WrittenCount + 1];
        buffer.WrittenSpan.CopyTo(line);
        line[^1] = (byte)'\n';
        return line;
    }

    internal static bool TryParse(string line, out GrantLedgerEntry entry)
    {
        entry = default;
        return line.StartsWith('{') ? TryParseJson(line, out entry) : TryParseFirstFormat(line, out entry);
    }

    private static bool TryParseJson(string line, out GrantLedgerEntry entry)
    {
        entry = default;
        long? ms = null;
        string? key = null;
        string? person = null;
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(line), new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (!reader.Read())
                {
                    return false;
                }

                switch (name)
                {
                    case "t" when reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value):
                        ms = value;
                        break;
                    case "key" when reader.TokenType == JsonTokenType.String:
                        key = reader.GetString();
                        break;
                    case "person" when reader.TokenType == JsonTokenType.String:
                        person = reader.GetString();
                        break;
                    case "t" or "key" or "person":
                        return false; // a known field of the wrong type: the line is not ours to trust
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return false; // cut short, or something after the object
            }
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false; // e.g. a string that is not valid UTF-8 once unescaped
        }

        if (ms is not { } t || string.IsNullOrEmpty(key) || !InRange(t))
        {
            return false;
        }

        entry = new GrantLedgerEntry(key, DateTimeOffset.FromUnixTimeMilliseconds(t), string.IsNullOrEmpty(person) ? null : person);
        return true;
    }

    private static bool TryParseFirstFormat(string line, out GrantLedgerEntry entry)
    {
        entry = default;
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || space == line.Length - 1
            || !long.TryParse(line.AsSpan(0, space), NumberStyles.Integer, CultureInfo.InvariantCulture, out long ms)
            || !InRange(ms))
        {
            return false;
        }

        entry = new GrantLedgerEntry(line[(space + 1)..], DateTimeOffset.FromUnixTimeMilliseconds(ms), null);
        return true;
    }

    // FromUnixTimeMilliseconds throws outside these bounds: a corrupted number must be a skipped line, not a crash.
    private static bool InRange(long ms) => ms >= MinUnixMs && ms <= MaxUnixMs;
}

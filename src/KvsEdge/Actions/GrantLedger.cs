using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using KvsEdge.Common;

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
    /// <see cref="ReadRecent"/>, then <see cref="Compact"/>: reads the recent entries and rewrites the file with only
    /// those, so it never grows without bound.
    /// </summary>
    /// <exception cref="IOException">The file cannot be read or compacted (e.g. a read-only or full disk).</exception>
    /// <exception cref="UnauthorizedAccessException">The state directory cannot be read or written.</exception>
    public IReadOnlyList<GrantLedgerEntry> LoadRecent(DateTimeOffset since, out int skipped)
    {
        lock (_gate)
        {
            var recent = ReadRecent(since, out skipped);
            Compact(recent);
            return recent;
        }
    }

    /// <summary>
    /// Reads entries whose frame time is at or after <paramref name="since"/>; older ones are stale anyway (the policy
    /// ignores them by age). Lines that cannot be read (torn by a power cut, corrupted) are skipped and counted in
    /// <paramref name="skipped"/>: one bad line must not stop the door service. Writes nothing.
    /// </summary>
    /// <exception cref="IOException">The file exists but cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file exists but cannot be read.</exception>
    public IReadOnlyList<GrantLedgerEntry> ReadRecent(DateTimeOffset since, out int skipped)
    {
        lock (_gate)
        {
            var recent = new List<GrantLedgerEntry>();
            skipped = 0;
            if (!File.Exists(_path))
            {
                return recent;
            }

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

            return recent;
        }
    }

    /// <summary>Replaces the file with <paramref name="entries"/> through <see cref="DurableFiles.ReplaceAtomically"/>.</summary>
    /// <exception cref="IOException">The state directory cannot be written (read-only, full).</exception>
    /// <exception cref="UnauthorizedAccessException">The state directory cannot be written.</exception>
    public void Compact(IReadOnlyList<GrantLedgerEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        lock (_gate)
        {
            CloseStream();
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            using var content = new MemoryStream();
            foreach (GrantLedgerEntry entry in entries)
            {
                content.Write(Format(entry));
            }

            DurableFiles.ReplaceAtomically(_path, content.GetBuffer().AsSpan(0, (int)content.Length));
        }
    }

    /// <summary>Appends one entry and forces it to disk before returning.</summary>
    /// <exception cref="IOException">Not durable (read-only or full disk, I/O error): the grant must not go ahead.</exception>
    /// <exception cref="UnauthorizedAccessException">The state directory cannot be written.</exception>
    public void Append(string dedupKey, DateTimeOffset frameTime, string? person = null)
    {
        lock (_gate)
        {
            try
            {
                _stream ??= OpenForAppend();
                _stream.Write(Format(new GrantLedgerEntry(dedupKey, frameTime, person)));
                _stream.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                // The next append reopens (and starts on a fresh line if this one was torn).
                CloseStream();
                throw;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            CloseStream();
        }
    }

    private FileStream OpenForAppend()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var stream = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 1);
        try
        {
            // A write cut short (a full disk) leaves a line without its end: end it, so that line alone is skipped on
            // reading and the next entry is not glued to it and lost.
            if (stream.Length > 0)
            {
                stream.Seek(-1, SeekOrigin.End);
                if (stream.ReadByte() != '\n')
                {
                    stream.WriteByte((byte)'\n');
                }
            }

            stream.Seek(0, SeekOrigin.End);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private void CloseStream()
    {
        FileStream? stream = _stream;
        _stream = null;
        try
        {
            stream?.Dispose();
        }
        catch (IOException)
        {
            // Data that could not be flushed was never reported as durable; nothing relies on it.
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

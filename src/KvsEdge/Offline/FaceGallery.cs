using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using KvsEdge.Common;

namespace KvsEdge.Offline;

/// <summary>A gallery file that must not be used: its message names the file and what is wrong with it.</summary>
public sealed class FaceGalleryException(string message) : Exception(message);

/// <summary>What <see cref="FaceGallery.FindNearest"/> concluded.</summary>
public enum GalleryMatchOutcome
{
    /// <summary>One person is nearer than their threshold, and nobody else is.</summary>
    Match,

    /// <summary>Nobody is nearer than their threshold (or the gallery is empty, or the query is not a finite descriptor).</summary>
    NoMatch,

    /// <summary>Two or more people are nearer than their thresholds: never a match (DESIGN rule 5).</summary>
    Ambiguous,
}

/// <summary>
/// The nearest person to a descriptor: <paramref name="Person"/> is set only for <see cref="GalleryMatchOutcome.Match"/>;
/// <paramref name="Nearest"/>, <paramref name="Distance"/> and <paramref name="Threshold"/> describe the nearest person in
/// every case (null, +∞ and NaN for an empty gallery) so that events can report how close a refusal was.
/// </summary>
public sealed record GalleryMatch(GalleryMatchOutcome Outcome, string? Person, string? Nearest, float Distance, float Threshold);

/// <summary>
/// The local gallery of issue 16: person → face descriptors of one embedder model, kept in one versioned file under the
/// state directory. Immutable; <see cref="WithPerson"/> and <see cref="WithoutPerson"/> return a new gallery.
/// </summary>
/// <remarks>
/// File layout, little-endian: the magic <c>KVSEGAL\n</c>; u32 format version; the embedder model's 32-byte source
/// SHA-256 (<c>FaceEmbedder.SourceSha256</c>); u32 descriptor length; u32 person count; per person a u16 byte length and
/// the UTF-8 name, a u32 descriptor count and the float32 descriptors; then the SHA-256 of every byte before it, so a
/// damaged file is refused rather than matched against.
/// </remarks>
public sealed class FaceGallery
{
    public const int FormatVersion = 1;

    /// <summary>The file under the state directory.</summary>
    public const string FileName = "face-gallery.bin";

    /// <summary>Owner read/write only: descriptors are biometric data about the enrolled people.</summary>
    public const UnixFileMode FilePermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const int MaxNameBytes = 255;
    private const int MaxDescriptorLength = 4096;
    private static readonly byte[] Magic = "KVSEGAL\n"u8.ToArray();
    private const int HeaderLength = 8 + 4 + 32 + 4 + 4;
    private const int TrailerLength = 32;

    private readonly string[] _people;          // sorted, ordinal
    private readonly int[] _firstDescriptor;    // per person, the index of its first descriptor; the total at [_people.Length]
    private readonly float[] _descriptors;      // every descriptor, flat, in person order

    private FaceGallery(string modelSha256, int descriptorLength, string[] people, int[] firstDescriptor, float[] descriptors)
    {
        ModelSha256 = modelSha256;
        DescriptorLength = descriptorLength;
        _people = people;
        _firstDescriptor = firstDescriptor;
        _descriptors = descriptors;
    }

    /// <summary>The lower-case hex SHA-256 of the embedder model's source weights every descriptor was computed with.</summary>
    public string ModelSha256 { get; }

    public int DescriptorLength { get; }

    /// <summary>The enrolled people, in ordinal order.</summary>
    public IReadOnlyList<string> People => _people;

    public int DescriptorCount => _firstDescriptor[^1];

    /// <summary>An empty gallery for descriptors of the model whose source has <paramref name="modelSha256"/>.</summary>
    public static FaceGallery Empty(string modelSha256, int descriptorLength = 128)
    {
        _ = ParseSha256(modelSha256);
        ArgumentOutOfRangeException.ThrowIfLessThan(descriptorLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(descriptorLength, MaxDescriptorLength);
        return new FaceGallery(modelSha256.ToLowerInvariant(), descriptorLength, [], [0], []);
    }

    /// <summary>The descriptors of <paramref name="person"/> (empty when not enrolled).</summary>
    public IReadOnlyList<float[]> DescriptorsOf(string person)
    {
        int i = Array.BinarySearch(_people, person, StringComparer.Ordinal);
        if (i < 0)
        {
            return [];
        }

        var result = new float[_firstDescriptor[i + 1] - _firstDescriptor[i]][];
        for (int d = 0; d < result.Length; d++)
        {
            result[d] = _descriptors.AsSpan((_firstDescriptor[i] + d) * DescriptorLength, DescriptorLength).ToArray();
        }

        return result;
    }

    /// <summary>A gallery with <paramref name="person"/>'s descriptors replaced by <paramref name="descriptors"/>.</summary>
    /// <exception cref="ArgumentException">An empty or too long name, no descriptor, or one of another length or not finite.</exception>
    public FaceGallery WithPerson(string person, IReadOnlyList<float[]> descriptors) => WithPeople([(person, descriptors)]);

    /// <summary>As <see cref="WithPerson"/> for several people at once (one copy of the gallery, not one per person).</summary>
    /// <exception cref="ArgumentException">As <see cref="WithPerson"/>, or a person given twice.</exception>
    public FaceGallery WithPeople(IReadOnlyList<(string Person, IReadOnlyList<float[]> Descriptors)> people)
    {
        foreach (var (person, descriptors) in people)
        {
            Check(person, descriptors);
        }

        var names = people.Select(p => p.Person).ToHashSet(StringComparer.Ordinal);
        if (names.Count != people.Count)
        {
            throw new ArgumentException("A person is given twice.", nameof(people));
        }

        return Build(Entries().Where(e => !names.Contains(e.Person)).Concat(people));
    }

    private void Check(string person, IReadOnlyList<float[]> descriptors)
    {
        CheckName(person);
        if (descriptors.Count == 0)
        {
            throw new ArgumentException($"No descriptor for '{person}'.", nameof(descriptors));
        }

        foreach (float[] d in descriptors)
        {
            if (d.Length != DescriptorLength || !AllFinite(d))
            {
                throw new ArgumentException($"A descriptor for '{person}' is not {DescriptorLength} finite values.", nameof(descriptors));
            }
        }

    }

    /// <summary>A gallery without <paramref name="person"/> (the same gallery when not enrolled).</summary>
    public FaceGallery WithoutPerson(string person) =>
        Array.BinarySearch(_people, person, StringComparer.Ordinal) < 0 ? this : Build(Entries().Where(e => e.Person != person));

    /// <summary>
    /// The person nearest to <paramref name="descriptor"/> (Euclidean, the minimum over each person's descriptors).
    /// A match needs a distance strictly below that person's threshold (dlib's convention) and no other person below
    /// theirs: two candidates are ambiguous and match nobody.
    /// </summary>
    public GalleryMatch FindNearest(ReadOnlySpan<float> descriptor, Func<string, float> thresholdOf)
    {
        ArgumentNullException.ThrowIfNull(thresholdOf);
        if (descriptor.Length != DescriptorLength)
        {
            throw new ArgumentException($"A descriptor of {descriptor.Length} values; the gallery holds {DescriptorLength}.", nameof(descriptor));
        }

        if (_people.Length == 0 || !AllFinite(descriptor))
        {
            return new GalleryMatch(GalleryMatchOutcome.NoMatch, null, null, float.PositiveInfinity, float.NaN);
        }

        int best = -1, second = -1;
        float bestSquared = float.PositiveInfinity, secondSquared = float.PositiveInfinity;
        for (int p = 0; p < _people.Length; p++)
        {
            float nearest = float.PositiveInfinity;
            for (int d = _firstDescriptor[p]; d < _firstDescriptor[p + 1]; d++)
            {
                nearest = Math.Min(nearest, SquaredDistance(descriptor, _descriptors.AsSpan(d * DescriptorLength, DescriptorLength)));
            }

            if (nearest < bestSquared)
            {
                (second, secondSquared) = (best, bestSquared);
                (best, bestSquared) = (p, nearest);
            }
            else if (nearest < secondSquared)
            {
                (second, secondSquared) = (p, nearest);
            }
        }

        string nearestPerson = _people[best];
        float distance = MathF.Sqrt(bestSquared);
        float threshold = thresholdOf(nearestPerson);
        if (!(distance < threshold))
        {
            return new GalleryMatch(GalleryMatchOutcome.NoMatch, null, nearestPerson, distance, threshold);
        }

        // The runner-up is checked against its own threshold: a per-person override may be wider than the nearest's.
        if (second >= 0 && MathF.Sqrt(secondSquared) < thresholdOf(_people[second]))
        {
            return new GalleryMatch(GalleryMatchOutcome.Ambiguous, null, nearestPerson, distance, threshold);
        }

        return new GalleryMatch(GalleryMatchOutcome.Match, nearestPerson, nearestPerson, distance, threshold);
    }

    /// <summary>The file's bytes (see the remarks for the layout).</summary>
    public byte[] Serialize()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write((uint)FormatVersion);
            writer.Write(ParseSha256(ModelSha256));
            writer.Write((uint)DescriptorLength);
            writer.Write((uint)_people.Length);
            for (int p = 0; p < _people.Length; p++)
            {
                byte[] name = Encoding.UTF8.GetBytes(_people[p]);
                writer.Write((ushort)name.Length);
                writer.Write(name);
                int first = _firstDescriptor[p], count = _firstDescriptor[p + 1] - first;
                writer.Write((uint)count);
                ReadOnlySpan<float> values = _descriptors.AsSpan(first * DescriptorLength, count * DescriptorLength);
                foreach (float v in values)
                {
                    writer.Write(v); // BinaryWriter writes little-endian on every platform
                }
            }
        }

        byte[] hash = SHA256.HashData(stream.GetBuffer().AsSpan(0, (int)stream.Length));
        stream.Write(hash);
        return stream.ToArray();
    }

    /// <summary>Writes the gallery to <paramref name="path"/>: atomic replace, fsynced, mode 0600.</summary>
    /// <exception cref="IOException">The file could not be written; the old one, if any, is still whole.</exception>
    public void Save(string path) => DurableFiles.ReplaceAtomically(path, Serialize(), FilePermissions);

    /// <summary>
    /// Reads the gallery at <paramref name="path"/>, refusing a file that is missing, truncated, damaged, of another
    /// format version, or made with another embedder model than the one whose source has <paramref name="modelSha256"/>.
    /// </summary>
    /// <exception cref="FaceGalleryException">The file cannot be used; the message names it and says why.</exception>
    public static FaceGallery Load(string path, string modelSha256)
    {
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FaceGalleryException($"Face gallery {path} cannot be read: {e.Message}");
        }

        return Parse(content, path, modelSha256);
    }

    /// <summary>
    /// The model SHA-256 a gallery file's header names (lower-case hex), without checking anything else; null when the
    /// bytes are too short or lack the magic. For tools that must read a gallery without the model (listing, removing).
    /// </summary>
    public static string? ModelSha256Of(ReadOnlySpan<byte> content) =>
        content.Length >= HeaderLength && content[..Magic.Length].SequenceEqual(Magic)
            ? Convert.ToHexStringLower(content.Slice(Magic.Length + 4, 32))
            : null;

    /// <summary>As <see cref="Load"/>, from bytes; <paramref name="source"/> names them in errors.</summary>
    /// <exception cref="FaceGalleryException">The bytes are not a usable gallery.</exception>
    public static FaceGallery Parse(ReadOnlySpan<byte> content, string source, string modelSha256)
    {
        string expected = modelSha256.ToLowerInvariant();
        _ = ParseSha256(expected);
        if (content.Length < Magic.Length || !content[..Magic.Length].SequenceEqual(Magic))
        {
            throw new FaceGalleryException($"Face gallery {source} is not a KvsEdge face gallery (wrong magic bytes).");
        }

        if (content.Length < HeaderLength + TrailerLength)
        {
            throw new FaceGalleryException($"Face gallery {source} is truncated: {content.Length} bytes, shorter than its header and checksum.");
        }

        var reader = new Reader(content[..^TrailerLength].ToArray(), source);
        reader.Skip(Magic.Length);
        uint version = reader.U32();
        if (version != FormatVersion)
        {
            throw new FaceGalleryException($"Face gallery {source} has format version {version}; this KvsEdge reads version {FormatVersion}: rebuild it with kvsedge faces add.");
        }

        string model = Convert.ToHexStringLower(reader.Bytes(32));
        uint length = reader.U32();
        uint people = reader.U32();
        if (length is 0 or > MaxDescriptorLength)
        {
            throw new FaceGalleryException($"Face gallery {source} is damaged: a descriptor length of {length}.");
        }

        var entries = new List<(string Person, IReadOnlyList<float[]> Descriptors)>();
        for (uint p = 0; p < people; p++)
        {
            string name = reader.Name();
            uint count = reader.U32();
            if (count == 0 || count > reader.Remaining / (4 * length))
            {
                // A count larger than the bytes left: the file ends early (or the count is damaged; the checksum decides).
                throw TruncatedOrDamaged(content, source, $"'{name}' claims {count} descriptors");
            }

            var descriptors = new float[count][];
            for (int d = 0; d < count; d++)
            {
                descriptors[d] = reader.Floats((int)length);
            }

            entries.Add((name, descriptors));
        }

        if (reader.Remaining != 0)
        {
            throw TruncatedOrDamaged(content, source, $"{reader.Remaining} bytes after the last person");
        }

        if (!SHA256.HashData(content[..^TrailerLength]).AsSpan().SequenceEqual(content[^TrailerLength..]))
        {
            throw new FaceGalleryException($"Face gallery {source} is damaged: its checksum does not match its content.");
        }

        // Checked after the checksum so that a damaged file is reported as damaged, not as another model's.
        if (model != expected)
        {
            throw new FaceGalleryException(
                $"Face gallery {source} was made with embedder model {model[..12]}…, but the loaded model is {expected[..12]}…: descriptors of different models cannot be compared; rebuild it with kvsedge faces add.");
        }

        foreach (var (person, descriptors) in entries)
        {
            if (entries.Count(e => e.Person == person) > 1 || descriptors.Any(d => !AllFinite(d)))
            {
                throw new FaceGalleryException($"Face gallery {source} is damaged: '{person}' is listed twice or has a descriptor that is not finite.");
            }
        }

        return Build(entries, model, (int)length);
    }

    private static FaceGalleryException TruncatedOrDamaged(ReadOnlySpan<byte> content, string source, string what)
    {
        // Only the checksum can tell a short file from a damaged count; a truncated file cannot carry a valid checksum.
        return new FaceGalleryException($"Face gallery {source} is truncated or damaged ({content.Length} bytes; {what}).");
    }

    private IEnumerable<(string Person, IReadOnlyList<float[]> Descriptors)> Entries() =>
        _people.Select(p => (p, DescriptorsOf(p)));

    private FaceGallery Build(IEnumerable<(string Person, IReadOnlyList<float[]> Descriptors)> entries) =>
        Build(entries, ModelSha256, DescriptorLength);

    private static FaceGallery Build(IEnumerable<(string Person, IReadOnlyList<float[]> Descriptors)> entries, string model, int length)
    {
        var sorted = entries.OrderBy(e => e.Person, StringComparer.Ordinal).ToArray();
        var first = new int[sorted.Length + 1];
        var flat = new float[sorted.Sum(e => e.Descriptors.Count) * length];
        int at = 0;
        for (int p = 0; p < sorted.Length; p++)
        {
            first[p] = at;
            foreach (float[] d in sorted[p].Descriptors)
            {
                d.CopyTo(flat, at * length);
                at++;
            }
        }

        first[^1] = at;
        return new FaceGallery(model, length, [.. sorted.Select(e => e.Person)], first, flat);
    }

    private static void CheckName(string person)
    {
        ArgumentException.ThrowIfNullOrEmpty(person);
        if (Encoding.UTF8.GetByteCount(person) > MaxNameBytes)
        {
            throw new ArgumentException($"A person name longer than {MaxNameBytes} bytes.", nameof(person));
        }
    }

    private static byte[] ParseSha256(string hex)
    {
        ArgumentException.ThrowIfNullOrEmpty(hex);
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"'{hex}' is not a SHA-256 in hex.", nameof(hex));
        }

        return Convert.FromHexString(hex);
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    private static float SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
            for (int v = 0; v < va.Length; v++)
            {
                var d = va[v] - vb[v];
                sum += d * d;
            }

            i = va.Length * Vector<float>.Count;
        }

        float total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            float d = a[i] - b[i];
            total += d * d;
        }

        return total;
    }

    /// <summary>Reads the body; running out of bytes is a truncated file.</summary>
    private sealed class Reader(byte[] content, string source)
    {
        private int _at;

        public int Remaining => content.Length - _at;

        public void Skip(int count) => Take(count);

        public byte[] Bytes(int count) => Take(count).ToArray();

        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

        public string Name()
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
            if (length is 0 or > MaxNameBytes)
            {
                throw new FaceGalleryException($"Face gallery {source} is damaged: a person name of {length} bytes.");
            }

            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Take(length));
            }
            catch (DecoderFallbackException)
            {
                throw new FaceGalleryException($"Face gallery {source} is damaged: a person name that is not UTF-8.");
            }
        }

        public float[] Floats(int count)
        {
            ReadOnlySpan<byte> bytes = Take(count * 4);
            var values = new float[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
            }

            return values;
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > Remaining)
            {
                throw new FaceGalleryException($"Face gallery {source} is truncated: it ends at byte {content.Length + TrailerLength}, in the middle of its content.");
            }

            var span = content.AsSpan(_at, count);
            _at += count;
            return span;
        }
    }
}

using System.Text;

using KvsEdge.Common;
namespace KvsEdge.Recognition;

/// <summary>
/// Where each shard's last acted-on sequence number is kept, one small file per shard, written atomically
/// (temp file, fsync, rename) so a power cut leaves either the old or the new checkpoint, never a torn one.
/// </summary>
public sealed class ShardCheckpointStore
{
    /// <summary>Stored for a shard that was closed and read to its end: it is never read again.</summary>
    public const string ShardEnd = "SHARD_END";

    private readonly string _directory;

    public ShardCheckpointStore(string stateDirectory, string streamName)
    {
        _directory = Path.Combine(stateDirectory, "checkpoints", streamName);
    }

    public string Directory => _directory;

    /// <summary>The stored checkpoint (a sequence number or <see cref="ShardEnd"/>), or null if none.</summary>
    public string? Get(string shardId)
    {
        string path = PathFor(shardId);
        if (!File.Exists(path))
        {
            return null;
        }

        string value = File.ReadAllText(path, Encoding.ASCII).Trim();
        return value.Length == 0 ? null : value;
    }

    public void Save(string shardId, string checkpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpoint);
        System.IO.Directory.CreateDirectory(_directory);
        DurableFiles.ReplaceAtomically(PathFor(shardId), Encoding.ASCII.GetBytes(checkpoint));
    }

    /// <summary>Forgets a shard's checkpoint: it is read from its newest record again.</summary>
    public void Delete(string shardId) => File.Delete(PathFor(shardId));

    private string PathFor(string shardId)
    {
        // Shard ids are `shardId-000000000000`; refuse anything that could walk out of the directory.
        if (shardId.Length == 0 || shardId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            throw new ArgumentException($"Unexpected shard id '{shardId}'.", nameof(shardId));
        }

        return Path.Combine(_directory, shardId);
    }
}

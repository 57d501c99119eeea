using System.Text.Json;
using System.Text.Json.Nodes;
using KvsEdge.Aws;
using KvsEdge.Common;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Cloud;

/// <summary>
/// Where this device's faces were enrolled from: `faces add &lt;folder | s3://bucket/prefix&gt;` records it in
/// `enrollment-source.json` under the state directory (atomically), and the `sync-faces` job indexes from it again.
/// </summary>
public static class EnrollmentSource
{
    public const string FileName = "enrollment-source.json";

    public static string PathIn(string stateDirectory) => Path.Combine(stateDirectory, FileName);

    /// <summary>Records <paramref name="source"/> (a folder as its full path).</summary>
    /// <exception cref="IOException">The state directory cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The state directory cannot be written.</exception>
    public static void Record(string stateDirectory, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        string value = S3Location.TryParse(source, out _) ? source : Path.GetFullPath(source);
        Directory.CreateDirectory(stateDirectory);
        DurableFiles.ReplaceAtomically(PathIn(stateDirectory), System.Text.Encoding.UTF8.GetBytes(new JsonObject { ["source"] = value }.ToJsonString()));
    }

    /// <summary>The recorded source, or null when none was recorded (or the file is not readable as one).</summary>
    public static string? Read(string stateDirectory)
    {
        string path = PathIn(stateDirectory);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(File.ReadAllBytes(path))?["source"] is JsonValue v && v.TryGetValue(out string? s) && s.Length > 0 ? s : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The `sync-faces` job: the same indexing as `faces add`, from the recorded enrollment source.</summary>
public sealed class FaceSync(AwsClientFactory clients, AwsRetry retry, string collectionId, string idSeparators, string stateDirectory, ILogger? logger = null)
{
    /// <returns>True when every photo is indexed (or already was).</returns>
    /// <exception cref="InvalidOperationException">No source was recorded, or it is gone.</exception>
    public async Task<bool> SyncAsync(CancellationToken cancellationToken)
    {
        string source = EnrollmentSource.Read(stateDirectory)
            ?? throw new InvalidOperationException("no enrollment source is recorded on this device: run kvsedge faces add <folder | s3://bucket/prefix> once");
        using RekognitionClient rekognition = clients.CreateRekognition();
        var indexer = new FaceIndexer(rekognition, retry, collectionId, idSeparators, logger);
        S3PhotoBucket? s3 = null;
        try
        {
            IReadOnlyList<FacePhotoSource> photos;
            if (S3Location.TryParse(source, out S3Location? location))
            {
                // Kept open until indexing ends: each photo is read from S3 as it is indexed.
                s3 = clients.CreateS3();
                photos = await FacePhotoSource.FromS3Async(s3, retry, location!, cancellationToken).ConfigureAwait(false);
            }
            else if (Directory.Exists(source))
            {
                photos = FacePhotoSource.FromFolder(source);
            }
            else
            {
                throw new InvalidOperationException($"the enrollment source {source} is not a folder any more");
            }

            if (photos.Count == 0)
            {
                throw new InvalidOperationException($"no photos in {source}");
            }

            IReadOnlyList<FacePhotoResult> results = await indexer.AddAsync(photos, null, cancellationToken).ConfigureAwait(false);
            return results.All(r => r.Succeeded);
        }
        finally
        {
            s3?.Dispose();
        }
    }
}

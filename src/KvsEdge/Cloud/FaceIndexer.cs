using System.Globalization;
using System.Text.RegularExpressions;
using KvsEdge.Access;
using KvsEdge.Aws;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvsEdge.Cloud;

/// <summary>What became of one photo.</summary>
public enum FacePhotoOutcome
{
    Indexed,
    AlreadyIndexed,
    NoFace,
    SeveralFaces,
    PoorQuality,
    Unsupported,
    TooLarge,
    BadName,
    Failed,
}

/// <summary>One photo's result; <paramref name="ExternalImageId"/> is the file name without its extension.</summary>
public sealed record FacePhotoResult(string Source, string? ExternalImageId, FacePhotoOutcome Outcome, string? FaceId, string Detail)
{
    /// <summary>Indexed now or before: the person can be recognised from this photo.</summary>
    public bool Succeeded => Outcome is FacePhotoOutcome.Indexed or FacePhotoOutcome.AlreadyIndexed;
}

/// <summary>A photo to index: where it is (for the report), its file name, its size if known, and how to read it.</summary>
public sealed record FacePhotoSource(string Source, string FileName, long? Size, Func<CancellationToken, Task<byte[]>> ReadAsync)
{
    /// <summary>The files directly in <paramref name="folder"/> (not sub-folders), by name.</summary>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    public static IReadOnlyList<FacePhotoSource> FromFolder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The photo folder '{folder}' does not exist.");
        }

        return [.. new DirectoryInfo(folder).EnumerateFiles()
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => new FacePhotoSource(f.FullName, f.Name, f.Length, ct => File.ReadAllBytesAsync(f.FullName, ct)))];
    }

    /// <summary>The objects under an <c>s3://bucket/prefix</c> (folder markers skipped).</summary>
    public static async Task<IReadOnlyList<FacePhotoSource>> FromS3Async(S3PhotoBucket s3, AwsRetry retry, S3Location location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(retry);
        ArgumentNullException.ThrowIfNull(location);
        var objects = await retry.RunAsync(ct => s3.ListAsync(location.Bucket, location.Prefix, ct), cancellationToken).ConfigureAwait(false);
        return [.. objects
            .Where(o => !o.Key.EndsWith('/'))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .Select(o => new FacePhotoSource(
                $"s3://{location.Bucket}/{o.Key}",
                o.Key[(o.Key.LastIndexOf('/') + 1)..],
                o.Size,
                ct => retry.RunAsync(c => s3.ReadAsync(location.Bucket, o.Key, RekognitionImage.MaxBytes, c), ct)))];
    }
}

/// <summary>An <c>s3://bucket/prefix</c> argument.</summary>
public sealed record S3Location(string Bucket, string Prefix)
{
    public static bool TryParse(string value, out S3Location? location)
    {
        location = null;
        if (value is null || !value.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = value["s3://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        if (bucket.Length == 0)
        {
            return false;
        }

        location = new S3Location(bucket, slash < 0 ? string.Empty : rest[(slash + 1)..]);
        return true;
    }
}

/// <summary>
/// `faces add|list|remove`. Each photo is checked here before anything is sent (extension, JPEG/PNG magic bytes,
/// the 5 MB limit, a file name that can be an ExternalImageId), then indexed with MaxFaces 1. A photo showing several
/// people is refused and its face removed again: which of them is "alice" would be a guess, and a door must not guess.
/// </summary>
public sealed partial class FaceIndexer(
    RekognitionClient rekognition,
    AwsRetry retry,
    string collectionId,
    string? idSeparators = null,
    ILogger? logger = null)
{
    public static readonly IReadOnlyList<string> Extensions = [".jpg", ".jpeg", ".png"];

    private static readonly byte[] JpegMagic = [0xFF, 0xD8, 0xFF];
    private static readonly byte[] PngMagic = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly string _separators = idSeparators ?? "_-";

    /// <summary>Indexes each photo in order; a failing photo never stops the others.</summary>
    public async Task<IReadOnlyList<FacePhotoResult>> AddAsync(
        IReadOnlyList<FacePhotoSource> photos,
        Action<FacePhotoResult>? onResult,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(photos);
        // ExternalImageId → a face id: a second run (or alice.jpg beside alice.png) indexes nobody twice.
        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var face in await ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (face.ExternalImageId is not null)
            {
                known.TryAdd(face.ExternalImageId, face.FaceId);
            }
        }

        var results = new List<FacePhotoResult>(photos.Count);
        foreach (var photo in photos)
        {
            var result = await AddOneAsync(photo, known, cancellationToken).ConfigureAwait(false);
            if (result is { Outcome: FacePhotoOutcome.Indexed, ExternalImageId: { } id, FaceId: { } faceId })
            {
                known.TryAdd(id, faceId);
            }

            Log.FacePhoto(_logger, result.Source, result.Outcome, result.Detail);
            results.Add(result);
            onResult?.Invoke(result);
        }

        return results;
    }

    public Task<IReadOnlyList<Face>> ListAsync(CancellationToken cancellationToken) =>
        retry.RunAsync(ct => rekognition.ListAllFacesAsync(collectionId, ct), cancellationToken);

    /// <summary>
    /// Removes every face of <paramref name="name"/>: ExternalImageId <c>name</c> and the extra photos
    /// (<c>name_2</c>, <c>name-front</c>, by the Access:IdSeparators rule the policy uses).
    /// </summary>
    /// <returns>The ExternalImageIds of the removed faces (empty when there were none).</returns>
    public async Task<IReadOnlyList<string>> RemoveAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var mapper = new ExternalIdMapper([name], [], _separators);
        var faces = (await ListAsync(cancellationToken).ConfigureAwait(false))
            .Where(f => f.ExternalImageId is not null && mapper.Map(f.ExternalImageId) is not null)
            .ToList();
        foreach (var chunk in faces.Chunk(RekognitionClient.MaxFaceIdsPerDelete))
        {
            await retry.RunAsync(ct => rekognition.DeleteFacesAsync(collectionId, [.. chunk.Select(f => f.FaceId)], ct), cancellationToken)
                .ConfigureAwait(false);
        }

        Log.FacesRemoved(_logger, faces.Count, name, collectionId);
        return [.. faces.Select(f => f.ExternalImageId!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>What can be said from the name and size alone; null when the photo is worth reading.</summary>
    public static FacePhotoResult? CheckBeforeReading(string source, string fileName, long? size)
    {
        var extension = Path.GetExtension(fileName);
        if (!Extensions.Contains(extension, StringComparer.OrdinalIgnoreCase))
        {
            return new(source, null, FacePhotoOutcome.Unsupported, null, $"not a photo: only {string.Join(", ", Extensions)} files are indexed");
        }

        var id = Path.GetFileNameWithoutExtension(fileName);
        if (id.Length is 0 or > 255 || !ExternalImageIdPattern().IsMatch(id))
        {
            return new(source, null, FacePhotoOutcome.BadName, null,
                $"'{id}' cannot be an ExternalImageId: rename the file to letters, digits, '_', '.', '-' or ':' (at most 255)");
        }

        return size > RekognitionImage.MaxBytes ? TooLarge(source, id, size.Value) : null;
    }

    /// <summary>The content check: at most 5 MB and JPEG or PNG by its first bytes (the extension may lie).</summary>
    public static FacePhotoResult? CheckContent(string source, string externalImageId, ReadOnlySpan<byte> content)
    {
        if (content.Length > RekognitionImage.MaxBytes)
        {
            return TooLarge(source, externalImageId, content.Length);
        }

        return content.StartsWith(JpegMagic) || content.StartsWith(PngMagic)
            ? null
            : new(source, externalImageId, FacePhotoOutcome.Unsupported, null, "the content is not a JPEG or PNG image");
    }

    private async Task<FacePhotoResult> AddOneAsync(FacePhotoSource photo, Dictionary<string, string> known, CancellationToken cancellationToken)
    {
        if (CheckBeforeReading(photo.Source, photo.FileName, photo.Size) is { } early)
        {
            return early;
        }

        var id = Path.GetFileNameWithoutExtension(photo.FileName);
        if (known.TryGetValue(id, out var knownFaceId))
        {
            return new(photo.Source, id, FacePhotoOutcome.AlreadyIndexed, knownFaceId,
                $"'{id}' is in the collection already (kvsedge faces remove {id} first to replace it)");
        }

        byte[] content;
        try
        {
            content = await photo.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            return new(photo.Source, id, FacePhotoOutcome.TooLarge, null, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or AwsServiceException)
        {
            return new(photo.Source, id, FacePhotoOutcome.Failed, null, $"cannot read it: {ex.Message}");
        }

        if (CheckContent(photo.Source, id, content) is { } bad)
        {
            return bad;
        }

        IndexFacesResult indexed;
        try
        {
            indexed = await retry.RunAsync(
                ct => rekognition.IndexFacesAsync(
                    collectionId, RekognitionImage.FromBytes(content), new IndexFacesOptions { ExternalImageId = id, MaxFaces = 1 }, ct),
                cancellationToken).ConfigureAwait(false);
        }
        catch (AwsInvalidArgumentException ex) when (RekognitionClient.IsNoFaceInImage(ex))
        {
            return new(photo.Source, id, FacePhotoOutcome.NoFace, null, "no face found in the photo");
        }
        catch (AwsInvalidArgumentException ex) when (ex.ErrorCode is "ImageTooLargeException")
        {
            return new(photo.Source, id, FacePhotoOutcome.TooLarge, null, ex.Message);
        }
        catch (AwsInvalidArgumentException ex) when (ex.ErrorCode is "InvalidImageFormatException")
        {
            return new(photo.Source, id, FacePhotoOutcome.Unsupported, null, "Rekognition cannot read this image: " + ex.Message);
        }

        return await ClassifyAsync(photo.Source, id, indexed, cancellationToken).ConfigureAwait(false);
    }

    private async Task<FacePhotoResult> ClassifyAsync(string source, string id, IndexFacesResult indexed, CancellationToken cancellationToken)
    {
        var extra = indexed.UnindexedFaces.Count(u => u.Reasons.Contains("EXCEEDS_MAX_FACES"));
        if (extra > 0)
        {
            // MaxFaces 1 kept the largest face; take it out again so no one else's face answers to this name.
            var ids = indexed.FaceRecords.Select(r => r.Face.FaceId).ToList();
            if (ids.Count > 0)
            {
                await retry.RunAsync(ct => rekognition.DeleteFacesAsync(collectionId, ids, ct), cancellationToken).ConfigureAwait(false);
            }

            var count = indexed.FaceRecords.Count + extra;
            return new(source, id, FacePhotoOutcome.SeveralFaces, null,
                string.Create(CultureInfo.InvariantCulture, $"{count} faces in the photo: use one showing only this person (nothing indexed)"));
        }

        if (indexed.FaceRecords.Count > 0)
        {
            return new(source, id, FacePhotoOutcome.Indexed, indexed.FaceRecords[0].Face.FaceId, "indexed");
        }

        var reasons = indexed.UnindexedFaces.SelectMany(u => u.Reasons).Distinct(StringComparer.Ordinal).ToList();
        return reasons.Count == 0
            ? new(source, id, FacePhotoOutcome.NoFace, null, "no face found in the photo")
            : new(source, id, FacePhotoOutcome.PoorQuality, null, "face not usable: " + string.Join(", ", reasons.Select(Describe)));
    }

    /// <summary>IndexFaces UnindexedFaces reasons, in words a person can act on.</summary>
    public static string Describe(string reason) => reason switch
    {
        "SMALL_BOUNDING_BOX" => "too small (move closer or crop)",
        "LOW_SHARPNESS" => "blurred",
        "LOW_BRIGHTNESS" => "too dark",
        "EXTREME_EXPOSURE" => "over- or under-exposed",
        "EXTREME_POSE" => "face turned too far from the camera",
        "LOW_CONFIDENCE" => "low detection confidence",
        "LOW_FACE_QUALITY" => "low face quality",
        "EXCEEDS_MAX_FACES" => "more faces than MaxFaces",
        _ => reason,
    };

    private static FacePhotoResult TooLarge(string source, string id, long size) =>
        new(source, id, FacePhotoOutcome.TooLarge, null,
            string.Create(CultureInfo.InvariantCulture, $"{size / 1048576.0:0.0} MB is over Rekognition's 5 MB limit: scale it down"));

    [GeneratedRegex(@"^[a-zA-Z0-9_.\-:]+$")]
    private static partial Regex ExternalImageIdPattern();
}

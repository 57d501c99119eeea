using KvsEdge.Cloud;
using KvsEdge.Fleet;
using KvsEdge.Offline;
using KvsEdge.Vision.Embedding;

namespace KvsEdge.Cli;

/// <summary>
/// `faces add` and `faces sync` on the local side: each photo's descriptor (<see cref="LocalFaceEnroller"/>) goes into the
/// gallery under its person (the file name stem, as the cloud side names faces). Adding keeps what the gallery holds and
/// skips a photo whose descriptor is there already, so a second run adds nothing twice; syncing starts from an empty gallery.
/// </summary>
internal sealed class LocalEnrolment(LocalFaceEnroller enroller, IEnrolmentPhotoDecoder decoder, Func<string, string> personOf)
{
    /// <summary>
    /// Descriptors closer than this are the same photo embedded again (the same build gives identical values; x64 and
    /// arm64 differ by 4e-5), far below the 0.27 that the closest two photos of one person were apart in the probe.
    /// </summary>
    public const float SamePhotoDistance = 1e-3f;

    /// <summary>Adds each photo's face to <paramref name="gallery"/>; a failing photo never stops the others.</summary>
    public async Task<(FaceGallery Gallery, IReadOnlyList<LocalPhotoResult> Results)> AddAsync(
        FaceGallery gallery,
        IReadOnlyList<FacePhotoSource> photos,
        Action<LocalPhotoResult>? onResult,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gallery);
        ArgumentNullException.ThrowIfNull(photos);
        if (gallery.DescriptorLength != FaceEmbedder.DescriptorLength)
        {
            throw new ArgumentException($"The gallery holds descriptors of {gallery.DescriptorLength} values, the embedder makes {FaceEmbedder.DescriptorLength}.", nameof(gallery));
        }

        var changed = new Dictionary<string, List<float[]>>(StringComparer.Ordinal);
        var results = new List<LocalPhotoResult>(photos.Count);
        foreach (FacePhotoSource photo in photos)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LocalPhotoResult result = await AddOneAsync(gallery, changed, photo, cancellationToken).ConfigureAwait(false);
            results.Add(result);
            onResult?.Invoke(result);
        }

        FaceGallery updated = changed.Count == 0
            ? gallery
            : gallery.WithPeople([.. changed.Select(c => (c.Key, (IReadOnlyList<float[]>)c.Value))]);
        return (updated, results);
    }

    private async Task<LocalPhotoResult> AddOneAsync(
        FaceGallery gallery, Dictionary<string, List<float[]>> changed, FacePhotoSource photo, CancellationToken cancellationToken)
    {
        // The cloud side's checks (extension, a name that can be an ExternalImageId, the size): both sides refuse alike.
        if (FaceIndexer.CheckBeforeReading(photo.Source, photo.FileName, photo.Size) is { } early)
        {
            return new(photo.Source, null, FromCloud(early.Outcome), early.Detail);
        }

        string person = personOf(Path.GetFileNameWithoutExtension(photo.FileName));
        byte[] content;
        try
        {
            content = await photo.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            return new(photo.Source, person, LocalPhotoOutcome.TooLarge, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or KvsEdge.Aws.AwsServiceException)
        {
            return new(photo.Source, person, LocalPhotoOutcome.Failed, $"cannot read it: {ex.Message}");
        }

        if (FaceIndexer.CheckContent(photo.Source, person, content) is { } bad)
        {
            return new(photo.Source, person, FromCloud(bad.Outcome), bad.Detail);
        }

        LocalFaceResult face;
        try
        {
            face = enroller.Describe(decoder.Decode(content));
        }
        catch (PhotoDecodeException ex)
        {
            return new(photo.Source, person, LocalPhotoOutcome.Unsupported, $"cannot decode it: {ex.Message}");
        }

        if (face.Descriptor is not { } descriptor)
        {
            return new(photo.Source, person, face.Outcome, face.Detail);
        }

        if (!changed.TryGetValue(person, out List<float[]>? descriptors))
        {
            descriptors = [.. gallery.DescriptorsOf(person)];
        }

        if (descriptors.Any(d => FaceEmbedder.Distance(d, descriptor) < SamePhotoDistance))
        {
            return new(photo.Source, person, LocalPhotoOutcome.AlreadyInGallery, $"this photo of {person} is in the local gallery already");
        }

        descriptors.Add(descriptor);
        changed[person] = descriptors;
        return new(photo.Source, person, LocalPhotoOutcome.Added, face.Detail);
    }

    private static LocalPhotoOutcome FromCloud(FacePhotoOutcome outcome) => outcome switch
    {
        FacePhotoOutcome.BadName => LocalPhotoOutcome.BadName,
        FacePhotoOutcome.TooLarge => LocalPhotoOutcome.TooLarge,
        _ => LocalPhotoOutcome.Unsupported,
    };
}

/// <summary>The gallery file under the state directory, as the CLI reads and writes it.</summary>
internal static class LocalGalleryFile
{
    public static string PathIn(string stateDirectory) => Path.Combine(stateDirectory, FaceGallery.FileName);

    /// <summary>The gallery at <paramref name="path"/>, or null when there is none yet.</summary>
    /// <exception cref="FaceGalleryException">The file exists but cannot be used (the message says why).</exception>
    public static FaceGallery? LoadIfPresent(string path, string modelSha256) =>
        File.Exists(path) ? FaceGallery.Load(path, modelSha256) : null;

    /// <summary>
    /// The gallery at <paramref name="path"/> checked against the model named in its own header (for listing and removing,
    /// which must work without the model); null when there is none.
    /// </summary>
    /// <exception cref="FaceGalleryException">The file cannot be used (the message says why).</exception>
    public static FaceGallery? LoadAsWritten(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FaceGalleryException($"Face gallery {path} cannot be read: {e.Message}");
        }

        return FaceGallery.Parse(content, path, FaceGallery.ModelSha256Of(content) ?? new string('0', 64));
    }

    /// <summary>
    /// Writes the gallery: mode 0600 from creation, fsynced, renamed into place; when run as root, owned by the service
    /// user (when it exists) so the daemon can read it and nobody else can.
    /// </summary>
    /// <returns>The owner given, or null when the file stays with the current user.</returns>
    public static string? Save(string path, FaceGallery gallery)
    {
        ArgumentNullException.ThrowIfNull(gallery);
        return SecretFiles.Write(path, gallery.Serialize());
    }
}


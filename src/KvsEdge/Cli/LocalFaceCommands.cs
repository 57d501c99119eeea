using System.Globalization;
using KvsEdge.Cloud;
using KvsEdge.Offline;
using KvsEdge.Vision.BlazeFace;
using KvsEdge.Vision.Detection;
using KvsEdge.Vision.Embedding;
using Spectre.Console;

namespace KvsEdge.Cli;

/// <summary>
/// The local side of `faces add|list|remove|sync` (issue 16): the on-device gallery of face descriptors under the state
/// directory. The cloud side is in <see cref="CloudCommands"/>; each body here prints its own table and summary.
/// </summary>
internal static class LocalFaceCommands
{
    /// <summary>
    /// Adds each photo's face to the local gallery (or, with <paramref name="rebuild"/>, makes a new gallery of exactly
    /// these photos). Without the models the local side is skipped with a note, an error when <paramref name="required"/>.
    /// </summary>
    /// <returns>The exit code of the local side and whether any photo is in the gallery now.</returns>
    public static async Task<(int ExitCode, bool AnyEnrolled)> AddAsync(
        CloudContext context, string source, IReadOnlyList<FacePhotoSource> photos, bool rebuild, bool required, CancellationToken cancellationToken)
    {
        if (context.LocalFaces is not { } settings)
        {
            if (required)
            {
                await Console.Error.WriteLineAsync("error: the local gallery is not configured in this context.").ConfigureAwait(false);
                return (ExitCodes.Failure, false);
            }

            return (ExitCodes.Ok, false);
        }

        if (MissingModel(settings) is { } missing)
        {
            if (required)
            {
                await Console.Error.WriteLineAsync($"error: {missing}.").ConfigureAwait(false);
                return (ExitCodes.Failure, false);
            }

            // Not an error: the cloud side did its work, and the device may never use local recognition.
            context.Console.WriteLine($"Local gallery skipped: {missing}, then run kvsedge faces sync {source} to enrol these photos on the device too.");
            return (ExitCodes.Ok, false);
        }

        FaceEmbedder embedder;
        IFaceDetector detector;
        try
        {
            embedder = FaceEmbedder.Load(settings.EmbedderModelPath, Math.Clamp(Environment.ProcessorCount, 1, 2));
        }
        catch (FaceEmbedderModelException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return (ExitCodes.Failure, false);
        }

        using (embedder)
        {
            if (embedder.SourceSha256 is not { } model)
            {
                await Console.Error.WriteLineAsync(
                    $"error: the face embedder model {settings.EmbedderModelPath} does not name the weights it was built from (metadata {FaceEmbedder.SourceSha256Key}): rebuild it with {FaceEmbedderModel.BuildScript}.").ConfigureAwait(false);
                return (ExitCodes.Failure, false);
            }

            try
            {
                detector = BlazeFaceDetector.Load(settings.DetectorModelPath);
            }
            catch (VisionModelException ex)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return (ExitCodes.Failure, false);
            }

            using (detector)
            {
                return await EnrolAsync(context, source, photos, rebuild, settings, embedder, model, detector, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<(int ExitCode, bool AnyEnrolled)> EnrolAsync(
        CloudContext context,
        string source,
        IReadOnlyList<FacePhotoSource> photos,
        bool rebuild,
        LocalFaceSettings settings,
        FaceEmbedder embedder,
        string model,
        IFaceDetector detector,
        CancellationToken cancellationToken)
    {
        string path = LocalGalleryFile.PathIn(context.StateDirectory);
        FaceGallery gallery;
        try
        {
            gallery = (rebuild ? null : LocalGalleryFile.LoadIfPresent(path, model)) ?? FaceGallery.Empty(model);
        }
        catch (FaceGalleryException ex)
        {
            // Never silently replaced: it may hold people whose photos are not in this source.
            await Console.Error.WriteLineAsync($"error: {ex.Message} kvsedge faces sync <folder | s3://bucket/prefix> rebuilds it from all the enrolment photos.").ConfigureAwait(false);
            return (ExitCodes.Failure, false);
        }

        var enrolment = new LocalEnrolment(new LocalFaceEnroller(detector, embedder, settings.Rules), new GstreamerEnrolmentPhotoDecoder(), context.PersonOf);
        FaceGallery updated = gallery;
        IReadOnlyList<LocalPhotoResult> results = [];
        await context.Console.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("Computing local face descriptors", maxValue: photos.Count);
            (updated, results) = await enrolment.AddAsync(gallery, photos, _ => task.Increment(1), cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);

        var table = new Table().AddColumns("File", "Person", "Local result", "Detail");
        foreach (var result in results)
        {
            string word = CloudCommands.Word(result.Outcome);
            table.AddRow(
                new Text(result.Source),
                new Text(result.Person ?? "-"),
                new Markup(result.Succeeded ? $"[green]{word}[/]" : $"[red]{word}[/]"),
                new Text(result.Detail));
        }

        context.Console.Write(table);
        string? owner = null;
        if (rebuild || !ReferenceEquals(updated, gallery))
        {
            owner = LocalGalleryFile.Save(path, updated);
        }

        int refused = results.Count(r => !r.Succeeded);
        context.Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Local gallery {path}{(owner is null ? string.Empty : $" (owner {owner})")}: {results.Count(r => r.Outcome == LocalPhotoOutcome.Added)} added, {results.Count(r => r.Outcome == LocalPhotoOutcome.AlreadyInGallery)} already there, {refused} refused, of {results.Count} file(s); {updated.People.Count} people, {updated.DescriptorCount} face descriptor(s)."));
        return (refused == 0 ? ExitCodes.Ok : ExitCodes.SomeNotDone, results.Any(r => r.Succeeded));
    }

    /// <summary>
    /// Prints the local gallery's summary and returns it (null when there is none or it cannot be read, which is printed).
    /// Read against the model its own header names, so listing works without the model.
    /// </summary>
    public static FaceGallery? List(CloudContext context)
    {
        if (context.LocalFaces is null)
        {
            return null;
        }

        string path = LocalGalleryFile.PathIn(context.StateDirectory);
        FaceGallery? gallery;
        try
        {
            gallery = LocalGalleryFile.LoadAsWritten(path);
        }
        catch (FaceGalleryException ex)
        {
            context.Console.WriteLine($"Local gallery unusable: {ex.Message} kvsedge faces sync <folder | s3://bucket/prefix> rebuilds it.");
            return null;
        }

        if (gallery is null)
        {
            context.Console.WriteLine($"No local gallery at {path} (kvsedge faces add or faces sync makes one).");
            return null;
        }

        context.Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Local gallery {path}: {gallery.People.Count} people, {gallery.DescriptorCount} face descriptor(s), model {gallery.ModelSha256[..12]}…."));
        return gallery;
    }

    /// <summary>Removes <paramref name="name"/> from the local gallery (works without the model).</summary>
    /// <returns>The people removed with their descriptor counts (empty when none), or null when the gallery cannot be used.</returns>
    public static async Task<IReadOnlyList<(string Person, int Descriptors)>?> RemoveAsync(CloudContext context, string name)
    {
        if (context.LocalFaces is null)
        {
            return [];
        }

        string path = LocalGalleryFile.PathIn(context.StateDirectory);
        FaceGallery? gallery;
        try
        {
            gallery = LocalGalleryFile.LoadAsWritten(path);
        }
        catch (FaceGalleryException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message} kvsedge faces sync <folder | s3://bucket/prefix> rebuilds it without the removed photos.").ConfigureAwait(false);
            return null;
        }

        if (gallery is null)
        {
            return [];
        }

        string person = context.PersonOf(name);
        var removed = gallery.People
            .Where(p => string.Equals(p, person, StringComparison.OrdinalIgnoreCase) || string.Equals(p, name, StringComparison.OrdinalIgnoreCase))
            .Select(p => (p, gallery.DescriptorsOf(p).Count))
            .ToList();
        if (removed.Count == 0)
        {
            return [];
        }

        FaceGallery updated = gallery;
        foreach (var (p, _) in removed)
        {
            updated = updated.WithoutPerson(p);
        }

        LocalGalleryFile.Save(path, updated);
        return removed;
    }

    private static string? MissingModel(LocalFaceSettings settings)
    {
        if (!File.Exists(settings.EmbedderModelPath))
        {
            return $"no face embedder model at {settings.EmbedderModelPath}; install the kvsedge-face-embedder package or build it with {FaceEmbedderModel.BuildScript}";
        }

        return File.Exists(settings.DetectorModelPath)
            ? null
            : $"no face detector model at {settings.DetectorModelPath}; fetch it with scripts/fetch-models.sh (or set Vision:ModelPath)";
    }
}

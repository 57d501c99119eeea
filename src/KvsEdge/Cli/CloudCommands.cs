using System.CommandLine;
using System.Globalization;
using KvsEdge.Aws;
using KvsEdge.Cloud;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace KvsEdge.Cli;

/// <summary>
/// `cloud up|status|down`, `faces add|list|remove|sync` (with the local gallery's side in <see cref="LocalFaceCommands"/>), `processor start|stop|status` and `clip`: thin wiring over
/// <see cref="CloudSetup"/>, <see cref="FaceIndexer"/>, <see cref="StreamProcessorControl"/> and <see cref="ClipDownloader"/>,
/// rendered with Spectre.Console. Each body takes a <see cref="CloudContext"/>, so tests can run it in-process.
/// </summary>
public static class CloudCommands
{
    public static void AddTo(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);

        var cloud = new Command("cloud", "Create, inspect and remove the AWS resources of this door (names from the Cloud section).");
        var iam = new Option<bool>("--iam") { Description = "Image-API mode: also create the device's least-privilege IAM managed policy (Cloud:DevicePolicyName)." };
        var iotUp = new FleetCommands.IotOptions();
        cloud.Subcommands.Add(Verb(
            "up",
            "Create what is missing. Cloud:Mode=image-api: the face collection (and with --iam the device policy); stream-processor: also the video stream, data stream, IAM role and stream processor. With --iot: the AWS IoT thing, policy and certificate only. A second run changes nothing.",
            (c, p, ct) => p.GetValue(iotUp.Iot)
                ? FleetCommands.IotUpAsync(c, iotUp.Identity(c, p), ct)
                : UpAsync(c, p.GetValue(iam), ct),
            [iam, .. iotUp.All]));
        cloud.Subcommands.Add(Verb("status", "Show every resource, the collection's FaceCount and the stream processor's state.", StatusAsync));
        var yes = new Option<bool>("--yes", "-y") { Description = "Delete without asking." };
        var iotDown = new FleetCommands.IotOptions();
        cloud.Subcommands.Add(Verb(
            "down",
            "Delete what `cloud up` created (asks first unless --yes); with --iot, what `cloud up --iot` created.",
            (c, p, ct) => p.GetValue(iotDown.Iot)
                ? FleetCommands.IotDownAsync(c, iotDown.Identity(c, p), p.GetValue(yes), ct)
                : DownAsync(c, p.GetValue(yes), ct),
            [yes, .. iotDown.All]));
        root.Subcommands.Add(cloud);
        FleetCommands.AddTo(root, Verb);

        var faces = new Command("faces", "Manage the face collection and the on-device (local) face gallery.");
        var source = new Argument<string>("source") { Description = "A folder, or s3://bucket/prefix, of name.jpg / name.jpeg / name.png photos (alice.jpg, alice_2.jpg)." };
        var addLocalOnly = LocalOnlyOption();
        faces.Subcommands.Add(Verb(
            "add",
            "Index each photo under its file name (MaxFaces 1) and, when the face embedder model is built, add its face to the local gallery; report per file.",
            (c, p, ct) => FacesAddAsync(c, p.GetValue(source)!, p.GetValue(addLocalOnly), ct),
            source,
            addLocalOnly));
        var listLocalOnly = LocalOnlyOption();
        faces.Subcommands.Add(Verb("list", "List the faces in the collection and the people in the local gallery.", (c, p, ct) => FacesListAsync(c, p.GetValue(listLocalOnly), ct), listLocalOnly));
        var name = new Argument<string>("name") { Description = "The person: removes name, name_2, name-front, …" };
        var removeLocalOnly = LocalOnlyOption();
        faces.Subcommands.Add(Verb(
            "remove",
            "Remove every face of one person from the collection and the local gallery.",
            (c, p, ct) => FacesRemoveAsync(c, p.GetValue(name)!, p.GetValue(removeLocalOnly), ct),
            name,
            removeLocalOnly));
        var syncSource = new Argument<string>("source") { Description = "The folder, or s3://bucket/prefix, the door's people were enrolled from." };
        faces.Subcommands.Add(Verb(
            "sync",
            "Rebuild this device's local gallery from the photos (no Rekognition call): exactly the faces of these photos.",
            (c, p, ct) => FacesSyncAsync(c, p.GetValue(syncSource)!, ct),
            syncSource));
        root.Subcommands.Add(faces);

        var processor = new Command("processor", "Start, stop or inspect the Rekognition stream processor.");
        processor.Subcommands.Add(Verb("start", "Start the stream processor (no-op when running).", (c, ct) => ProcessorAsync(c, ProcessorAction.Start, ct)));
        processor.Subcommands.Add(Verb("stop", "Stop the stream processor (no-op when stopped).", (c, ct) => ProcessorAsync(c, ProcessorAction.Stop, ct)));
        processor.Subcommands.Add(Verb("status", "Show the stream processor's state.", (c, ct) => ProcessorAsync(c, ProcessorAction.Status, ct)));
        root.Subcommands.Add(processor);

        var last = new Option<string?>("--last") { Description = "The last stretch of video: 90s, 5m, 1h30m." };
        var from = new Option<string?>("--from") { Description = "Start, ISO 8601 (2026-11-30T18:00:00Z; no offset means UTC)." };
        var to = new Option<string?>("--to") { Description = "End, ISO 8601; default now." };
        var output = new Option<string>("--output", "-o") { Description = "The MP4 file; a long range is split into name-001.mp4, name-002.mp4, …", DefaultValueFactory = _ => "clip.mp4" };
        var window = new Option<string?>("--max-window") { Description = "Longest stretch per file (default 5m), under GetClip's 100 MB / 200 fragments." };
        root.Subcommands.Add(Verb(
            "clip",
            "Download video from the Kinesis video stream as MP4 (GetDataEndpoint, then GetClip).",
            (c, p, ct) => ClipAsync(c, new ClipArguments(p.GetValue(last), p.GetValue(from), p.GetValue(to), p.GetValue(output)!, p.GetValue(window)), ct),
            last, from, to, output, window));
    }

    private static Option<bool> LocalOnlyOption() =>
        new("--local-only") { Description = "The local gallery only: no AWS call (enrol a door that has no cloud, or before it has one)." };

    private static Command Verb(string name, string description, Func<CloudContext, CancellationToken, Task<int>> body) =>
        Verb(name, description, (c, _, ct) => body(c, ct));

    internal static Command Verb(
        string name,
        string description,
        Func<CloudContext, ParseResult, CancellationToken, Task<int>> body,
        params Symbol[] symbols)
    {
        Option<FileInfo?> config = KvsEdgeCommands.ConfigOption();
        var command = new Command(name, description) { config };
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Option option:
                    command.Options.Add(option);
                    break;
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
            }
        }

        command.SetAction((parse, ct) => CloudVerb.RunAsync(parse.GetValue(config)?.FullName, (c, token) => body(c, parse, token), ct));
        return command;
    }

    internal static Task<int> UpAsync(CloudContext context, CancellationToken cancellationToken) => UpAsync(context, iam: false, cancellationToken);

    internal static async Task<int> UpAsync(CloudContext context, bool iam, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Console.WriteLine(ModeLine(context));
        if (context.Mode == CloudModes.ImageApi)
        {
            return await UpImageApiAsync(context, iam, cancellationToken).ConfigureAwait(false);
        }

        if (iam)
        {
            await Console.Error.WriteLineAsync(
                "error: --iam creates the image-API device policy; in stream-processor mode `cloud up` always creates the processor's IAM role. "
                + "Drop --iam, or set Cloud:Mode=image-api.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using var clients = new SetupClients(context);
        var setup = clients.Setup;
        if (setup.ThresholdIsRaised)
        {
            context.Console.MarkupLineInterpolated(
                $"[yellow]warning:[/] Cloud:FaceMatchThreshold {context.Cloud.FaceMatchThreshold.ToString(CultureInfo.InvariantCulture)} is under {CloudSetup.ServiceMinimumThreshold.ToString(CultureInfo.InvariantCulture)}; Rekognition raises it to {CloudSetup.ServiceMinimumThreshold.ToString(CultureInfo.InvariantCulture)}.");
        }

        IReadOnlyList<CloudStep> steps = await RunStepsAsync(context, "Checking the video stream…", report => setup.UpAsync(report, cancellationToken))
            .ConfigureAwait(false);

        context.Console.Write(StepTable(steps));
        var created = steps.Count(s => s.Outcome == CloudOutcome.Created);
        context.Console.WriteLine(created == 0
            ? "Nothing to change: every resource exists with the configured settings."
            : string.Create(CultureInfo.InvariantCulture, $"Created or completed {created} resource(s)."));
        context.Console.WriteLine("Next: kvsedge faces add <folder | s3://bucket/prefix>, then kvsedge processor start.");
        return ExitCodes.Ok;
    }

    /// <summary>Image-API mode: only the collection (and the device policy with --iam), then the policy the device needs.</summary>
    private static async Task<int> UpImageApiAsync(CloudContext context, bool iam, CancellationToken cancellationToken)
    {
        using var clients = new SetupClients(context, createDevicePolicy: iam);
        IReadOnlyList<CloudStep> steps = await RunStepsAsync(context, "Checking the face collection…", report => clients.Setup.UpAsync(report, cancellationToken))
            .ConfigureAwait(false);

        context.Console.Write(StepTable(steps));
        var created = steps.Count(s => s.Outcome == CloudOutcome.Created);
        context.Console.WriteLine(created == 0
            ? "Nothing to change: every resource exists with the configured settings."
            : string.Create(CultureInfo.InvariantCulture, $"Created or completed {created} resource(s)."));

        var collection = steps.Single(s => s.Resource == CloudSetup.Collection);
        var policy = steps.SingleOrDefault(s => s.Resource == CloudSetup.DevicePolicyResource);
        context.Console.WriteLine();
        context.Console.WriteLine($"Device IAM policy (least privilege: {Aws.Iam.DevicePolicy.SearchAction} on this collection only):");
        context.Console.WriteLine(Aws.Iam.DevicePolicy.ForCollection(collection.Arn!));
        context.Console.WriteLine(policy is null
            ? $"Give it to the device's IAM user or role, or run kvsedge cloud up --iam to create it as the managed policy '{context.Cloud.DevicePolicyName}'."
            : $"Attach it to the device's IAM user or role, e.g.: aws iam attach-user-policy --user-name <device-user> --policy-arn {policy.Arn}");
        context.Console.WriteLine("Next: kvsedge faces add <folder | s3://bucket/prefix>, then kvsedge run with Recognition:Source=image-api.");
        return ExitCodes.Ok;
    }

    internal static async Task<int> StatusAsync(CloudContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Console.WriteLine(ModeLine(context));
        using var clients = new SetupClients(context);
        var steps = await clients.Setup.StatusAsync(cancellationToken).ConfigureAwait(false);
        context.Console.Write(StepTable(steps));
        // The device policy is optional (the device's credentials may be granted another way).
        var missing = steps.Count(s => s.Outcome == CloudOutcome.Missing && s.Resource != CloudSetup.DevicePolicyResource);
        context.Console.WriteLine(missing == 0
            ? "All resources exist."
            : string.Create(CultureInfo.InvariantCulture, $"{missing} resource(s) missing: kvsedge cloud up creates them."));
        return ExitCodes.Ok;
    }

    internal static async Task<int> DownAsync(CloudContext context, bool yes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cloud = context.Cloud;
        var what = context.Mode == CloudModes.ImageApi
            ? $"device policy '{cloud.DevicePolicyName}' (if `cloud up --iam` made it; detached from whoever uses it) and collection '{cloud.CollectionId}' (with every indexed face)"
            : $"stream processor '{cloud.ProcessorName}', IAM role '{cloud.RoleName}', data stream '{cloud.DataStreamName}', "
                + $"collection '{cloud.CollectionId}' (with every indexed face) and video stream '{cloud.VideoStreamName}' (with its video)";
        if (!yes)
        {
            if (!context.Console.Profile.Capabilities.Interactive)
            {
                await Console.Error.WriteLineAsync($"error: cloud down deletes the {what}. Run it in a terminal to confirm, or pass --yes.")
                    .ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!await context.Console.ConfirmAsync($"Delete the {Markup.Escape(what)}?", defaultValue: false, cancellationToken).ConfigureAwait(false))
            {
                context.Console.WriteLine("Nothing deleted.");
                return ExitCodes.Ok;
            }
        }

        using var clients = new SetupClients(context);
        IReadOnlyList<CloudStep> steps = await RunStepsAsync(context, "Deleting…", report => clients.Setup.DownAsync(report, cancellationToken))
            .ConfigureAwait(false);
        context.Console.Write(StepTable(steps));
        context.Console.WriteLine(steps.All(s => s.Outcome == CloudOutcome.AlreadyGone)
            ? "Nothing to delete: every resource was already gone."
            : "Deleted.");
        return ExitCodes.Ok;
    }

    internal static Task<int> FacesAddAsync(CloudContext context, string source, CancellationToken cancellationToken) =>
        FacesAddAsync(context, source, localOnly: false, cancellationToken);

    internal static async Task<int> FacesAddAsync(CloudContext context, string source, bool localOnly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(source);
        return await WithPhotosAsync(context, source, async photos =>
        {
            int cloud = ExitCodes.Ok;
            bool cloudAny = false;
            if (!localOnly)
            {
                cloud = await WithCollectionAsync(
                    context,
                    async ct =>
                    {
                        (int code, cloudAny) = await IndexFacesAsync(context, photos, ct).ConfigureAwait(false);
                        return code;
                    },
                    cancellationToken).ConfigureAwait(false);
                if (cloud is not (ExitCodes.Ok or ExitCodes.SomeNotDone))
                {
                    return cloud;
                }
            }

            var (local, localAny) = await LocalFaceCommands.AddAsync(context, source, photos, rebuild: false, required: localOnly, cancellationToken)
                .ConfigureAwait(false);
            if (cloudAny || localAny)
            {
                RecordEnrollmentSource(context, source);
            }

            return Worst(cloud, local);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>`faces sync`: the local gallery made again from <paramref name="source"/> alone (no cloud call).</summary>
    internal static async Task<int> FacesSyncAsync(CloudContext context, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(source);
        return await WithPhotosAsync(
            context,
            source,
            async photos => (await LocalFaceCommands.AddAsync(context, source, photos, rebuild: true, required: true, cancellationToken).ConfigureAwait(false)).ExitCode,
            cancellationToken).ConfigureAwait(false);
    }

    internal static Task<int> FacesListAsync(CloudContext context, CancellationToken cancellationToken) =>
        FacesListAsync(context, localOnly: false, cancellationToken);

    internal static Task<int> FacesListAsync(CloudContext context, bool localOnly, CancellationToken cancellationToken) =>
        localOnly ? Task.FromResult(ListLocal(context, null)) : WithCollectionAsync(context, ct => ListFacesAsync(context, ct), cancellationToken);

    internal static Task<int> FacesRemoveAsync(CloudContext context, string name, CancellationToken cancellationToken) =>
        FacesRemoveAsync(context, name, localOnly: false, cancellationToken);

    internal static Task<int> FacesRemoveAsync(CloudContext context, string name, bool localOnly, CancellationToken cancellationToken) =>
        localOnly ? RemoveFacesAsync(context, name, localOnly, cancellationToken) : WithCollectionAsync(context, ct => RemoveFacesAsync(context, name, localOnly, ct), cancellationToken);

    // A failure outranks a partial result, which outranks success.
    private static int Worst(int a, int b) =>
        a is not (ExitCodes.Ok or ExitCodes.SomeNotDone) ? a
        : b is not (ExitCodes.Ok or ExitCodes.SomeNotDone) ? b
        : Math.Max(a, b);

    /// <summary>A missing collection is a step not yet done, not a failure to explain with a service error.</summary>
    private static async Task<int> WithCollectionAsync(CloudContext context, Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            return await body(cancellationToken).ConfigureAwait(false);
        }
        catch (AwsResourceNotFoundException ex) when (ex.Message.Contains(context.Cloud.CollectionId, StringComparison.Ordinal))
        {
            await Console.Error.WriteLineAsync(
                $"error: the collection '{context.Cloud.CollectionId}' (Cloud:CollectionId) does not exist: kvsedge cloud up creates it.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    /// <summary>Lists the photos of a folder or S3 prefix (the S3 client stays open while <paramref name="body"/> reads them).</summary>
    private static async Task<int> WithPhotosAsync(CloudContext context, string source, Func<IReadOnlyList<FacePhotoSource>, Task<int>> body, CancellationToken cancellationToken)
    {
        IReadOnlyList<FacePhotoSource> photos;
        S3PhotoBucket? s3 = null;
        try
        {
            if (S3Location.TryParse(source, out var location))
            {
                s3 = context.Clients.CreateS3();
                photos = await FacePhotoSource.FromS3Async(s3, context.Retry, location!, cancellationToken).ConfigureAwait(false);
            }
            else if (Directory.Exists(source))
            {
                photos = FacePhotoSource.FromFolder(source);
            }
            else
            {
                await Console.Error.WriteLineAsync($"error: '{source}' is neither a folder nor s3://bucket/prefix.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (photos.Count == 0)
            {
                await Console.Error.WriteLineAsync($"error: no files in {source}.").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            return await body(photos).ConfigureAwait(false);
        }
        finally
        {
            s3?.Dispose();
        }
    }

    private static async Task<(int ExitCode, bool AnyIndexed)> IndexFacesAsync(CloudContext context, IReadOnlyList<FacePhotoSource> photos, CancellationToken cancellationToken)
    {
        using var rekognition = context.Clients.CreateRekognition();
        var indexer = new FaceIndexer(rekognition, context.Retry, context.Cloud.CollectionId, context.IdSeparators, context.LoggerFactory.CreateLogger<FaceIndexer>());
        IReadOnlyList<FacePhotoResult> results = [];
        await context.Console.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("Indexing faces", maxValue: photos.Count);
            results = await indexer.AddAsync(photos, _ => task.Increment(1), cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);

        var table = new Table().AddColumns("File", "ExternalImageId", "Result", "Detail");
        foreach (var result in results)
        {
            table.AddRow(
                new Text(result.Source),
                new Text(result.ExternalImageId ?? "-"),
                new Markup(result.Succeeded ? $"[green]{Word(result.Outcome)}[/]" : $"[red]{Word(result.Outcome)}[/]"),
                new Text(result.FaceId is null ? result.Detail : $"{result.Detail} (FaceId {result.FaceId})"));
        }

        context.Console.Write(table);
        var failed = results.Count(r => !r.Succeeded);
        context.Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{results.Count(r => r.Outcome == FacePhotoOutcome.Indexed)} indexed, {results.Count(r => r.Outcome == FacePhotoOutcome.AlreadyIndexed)} already indexed, {failed} not indexed, of {results.Count} file(s)."));
        return (failed == 0 ? ExitCodes.Ok : ExitCodes.SomeNotDone, results.Any(r => r.Succeeded));
    }

    // The `sync-faces` IoT job indexes from here again; a state directory this user cannot write is only a warning.
    private static void RecordEnrollmentSource(CloudContext context, string source)
    {
        try
        {
            EnrollmentSource.Record(context.StateDirectory, source);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: the source was not recorded in {EnrollmentSource.PathIn(context.StateDirectory)} ({ex.Message}); the sync-faces job will not find it.");
        }
    }

    private static async Task<int> ListFacesAsync(CloudContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var rekognition = context.Clients.CreateRekognition();
        var faces = await new FaceIndexer(rekognition, context.Retry, context.Cloud.CollectionId, context.IdSeparators)
            .ListAsync(cancellationToken).ConfigureAwait(false);
        var table = new Table().AddColumns("ExternalImageId", "FaceId", "Confidence");
        foreach (var face in faces.OrderBy(f => f.ExternalImageId, StringComparer.Ordinal))
        {
            table.AddRow(face.ExternalImageId ?? "-", face.FaceId, face.Confidence?.ToString("0.##", CultureInfo.InvariantCulture) ?? "-");
        }

        context.Console.Write(table);
        context.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{faces.Count} face(s) in collection {context.Cloud.CollectionId}."));
        return ListLocal(context, [.. faces.Select(f => f.ExternalImageId).OfType<string>()]);
    }

    /// <summary>
    /// The local gallery's summary, then one row per person: their cloud photos and their local descriptors
    /// (<paramref name="cloudIds"/> null: the collection was not asked, `--local-only`).
    /// </summary>
    private static int ListLocal(CloudContext context, IReadOnlyList<string>? cloudIds)
    {
        var gallery = LocalFaceCommands.List(context);
        if (context.LocalFaces is null)
        {
            return ExitCodes.Ok;
        }

        var cloud = (cloudIds ?? []).GroupBy(context.PersonOf, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Order(StringComparer.Ordinal).ToList(), StringComparer.OrdinalIgnoreCase);
        var people = cloud.Keys.Concat(gallery?.People ?? []).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToList();
        var table = new Table().AddColumns("Person", cloudIds is null ? "Cloud faces (not listed: --local-only)" : "Cloud faces (ExternalImageId)", "Local descriptors");
        foreach (var person in people)
        {
            int local = gallery?.People.Where(p => string.Equals(p, person, StringComparison.OrdinalIgnoreCase)).Sum(p => gallery.DescriptorsOf(p).Count) ?? 0;
            table.AddRow(
                new Text(person),
                new Text(cloudIds is null ? "?" : cloud.TryGetValue(person, out var ids) ? string.Join(", ", ids) : "-"),
                new Text(local == 0 ? "-" : local.ToString(CultureInfo.InvariantCulture)));
        }

        context.Console.Write(table);
        return ExitCodes.Ok;
    }

    private static async Task<int> RemoveFacesAsync(CloudContext context, string name, bool localOnly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        IReadOnlyList<string> removed = [];
        if (!localOnly)
        {
            using var rekognition = context.Clients.CreateRekognition();
            removed = await new FaceIndexer(rekognition, context.Retry, context.Cloud.CollectionId, context.IdSeparators, context.LoggerFactory.CreateLogger<FaceIndexer>())
                .RemoveAsync(name, cancellationToken).ConfigureAwait(false);
            if (removed.Count > 0)
            {
                context.Console.WriteLine($"Removed the faces of {name}: {string.Join(", ", removed)}.");
            }
        }

        var local = await LocalFaceCommands.RemoveAsync(context, name).ConfigureAwait(false);
        foreach (var (person, descriptors) in local ?? [])
        {
            context.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Removed {person} from the local gallery ({descriptors} face descriptor(s))."));
        }

        if (local is null)
        {
            return ExitCodes.Failure;
        }

        if (removed.Count == 0 && local.Count == 0)
        {
            var where = localOnly ? "the local gallery" : context.LocalFaces is null ? $"collection {context.Cloud.CollectionId}" : $"collection {context.Cloud.CollectionId} or the local gallery";
            await Console.Error.WriteLineAsync($"error: no face of '{name}' is in {where} (kvsedge faces list shows them).")
                .ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        return ExitCodes.Ok;
    }

    internal enum ProcessorAction
    {
        Start,
        Stop,
        Status,
    }

    internal static async Task<int> ProcessorAsync(CloudContext context, ProcessorAction action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var rekognition = context.Clients.CreateRekognition();
        var name = context.Cloud.ProcessorName;
        var control = new StreamProcessorControl(rekognition, context.Retry, context.Time, name, context.LoggerFactory.CreateLogger<StreamProcessorControl>());
        StreamProcessorDescription state;
        string summary;
        try
        {
            switch (action)
            {
                case ProcessorAction.Start:
                    (state, var started) = await control.StartAsync(cancellationToken).ConfigureAwait(false);
                    summary = started ? $"Started {name}." : $"{name} is {state.Status} already: nothing to do.";
                    break;
                case ProcessorAction.Stop:
                    (state, var stopped) = await control.StopAsync(cancellationToken).ConfigureAwait(false);
                    summary = stopped ? $"Stopped {name}." : $"{name} is {state.Status} already: nothing to do.";
                    break;
                default:
                    state = await control.StatusAsync(cancellationToken).ConfigureAwait(false);
                    summary = string.Empty;
                    break;
            }
        }
        catch (AwsResourceNotFoundException)
        {
            await Console.Error.WriteLineAsync($"error: stream processor '{name}' does not exist: kvsedge cloud up creates it.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var table = new Table().AddColumns("Stream processor", "Status", "Input", "Output", "Collection", "Threshold", "Message");
        table.AddRow(
            new Text(name),
            new Markup(state.IsRunning ? "[green]RUNNING[/]" : Markup.Escape(state.Status ?? "?")),
            new Text(state.Input?.KinesisVideoStream?.Arn ?? "-"),
            new Text(state.Output?.KinesisDataStream?.Arn ?? "-"),
            new Text(state.Settings?.FaceSearch?.CollectionId ?? "-"),
            new Text(state.Settings?.FaceSearch?.FaceMatchThreshold?.ToString("0.##", CultureInfo.InvariantCulture) ?? "-"),
            new Text(state.StatusMessage ?? string.Empty));
        context.Console.Write(table);
        if (summary.Length > 0)
        {
            context.Console.WriteLine(summary);
        }

        return ExitCodes.Ok;
    }

    internal sealed record ClipArguments(string? Last, string? From, string? To, string Output, string? MaxWindow);

    internal static async Task<int> ClipAsync(CloudContext context, ClipArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(arguments);
        var (from, to) = ClipRange.Resolve(arguments.Last, arguments.From, arguments.To, context.Time.GetUtcNow());
        var maxWindow = arguments.MaxWindow is null ? ClipWindowPlanner.DefaultMaxWindow : ClipRange.ParseDuration(arguments.MaxWindow, "--max-window");
        IReadOnlyList<ClipWindow> windows;
        try
        {
            windows = ClipWindowPlanner.Plan(from, to, maxWindow);
        }
        catch (ArgumentException ex)
        {
            throw new ClipRangeException(ex.Message, ex);
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(arguments.Output))!;
        if (!Directory.Exists(directory))
        {
            await Console.Error.WriteLineAsync($"error: the folder of --output ({directory}) does not exist.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using var video = context.Clients.CreateKinesisVideo();
        var downloader = new ClipDownloader(video, context.Retry, context.LoggerFactory.CreateLogger<ClipDownloader>());
        var names = ClipDownloader.FileNames(arguments.Output, windows.Count);
        IReadOnlyList<ClipFile> files = [];
        await context.Console.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new SpinnerColumn())
            .StartAsync(async progress =>
            {
                // GetClip does not say how big a clip will be: show the bytes so far, not a percentage.
                var tasks = names.Select(n => progress.AddTask(Markup.Escape(Path.GetFileName(n)), autoStart: false)).ToList();
                tasks.ForEach(t => t.IsIndeterminate = true);
                files = await downloader.DownloadAsync(
                    context.Cloud.VideoStreamName,
                    windows,
                    arguments.Output,
                    (i, bytes) =>
                    {
                        tasks[i].StartTask();
                        tasks[i].Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(names[i])}: {bytes:N0} bytes"));
                    },
                    (i, file) =>
                    {
                        tasks[i].Description = Markup.Escape(file.Written
                            ? string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(file.Path)}: {file.Bytes:N0} bytes, done")
                            : $"{Path.GetFileName(file.Path)}: no video");
                        tasks[i].Value = tasks[i].MaxValue;
                        tasks[i].StopTask();
                    },
                    cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);

        var table = new Table().AddColumns("File", "From", "To", "Bytes");
        foreach (var file in files)
        {
            table.AddRow(
                new Text(file.Written ? file.Path : "(no video)"),
                new Text(file.Start.ToString("u", CultureInfo.InvariantCulture)),
                new Text(file.End.ToString("u", CultureInfo.InvariantCulture)),
                new Text(file.Written ? file.Bytes.ToString("N0", CultureInfo.InvariantCulture) : file.Reason ?? string.Empty));
        }

        context.Console.Write(table);
        var written = files.Count(f => f.Written);
        if (written == 0)
        {
            await Console.Error.WriteLineAsync(
                $"error: no video in {from:u} to {to:u} on stream {context.Cloud.VideoStreamName}: was the camera streaming then?").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        return ExitCodes.Ok;
    }

    private static string ModeLine(CloudContext context) => string.IsNullOrWhiteSpace(context.Cloud.Mode)
        ? $"Cloud:Mode {context.Mode} (from Recognition:Source; set Cloud:Mode to choose)"
        : $"Cloud:Mode {context.Mode}";

    /// <summary>Runs cloud steps behind a status line that names each resource as it is reached.</summary>
    private static async Task<IReadOnlyList<CloudStep>> RunStepsAsync(
        CloudContext context, string message, Func<Action<CloudStep>, Task<IReadOnlyList<CloudStep>>> run)
    {
        IReadOnlyList<CloudStep> steps = [];
        await context.Console.Status().StartAsync(message, async status =>
        {
            steps = await run(step => status.Status($"{step.Resource}: {Word(step.Outcome)}")).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return steps;
    }

    internal static Table StepTable(IEnumerable<CloudStep> steps)
    {
        var table = new Table().AddColumns("Resource", "Name", "Result", "State", "ARN", "Detail");
        foreach (var step in steps)
        {
            table.AddRow(
                new Text(step.Resource),
                new Text(step.Name),
                Outcome(step.Outcome),
                new Text(step.State ?? "-"),
                new Text(step.Arn ?? "-"),
                new Text(step.Detail ?? string.Empty));
        }

        return table;
    }

    private static IRenderable Outcome(CloudOutcome outcome) => outcome switch
    {
        CloudOutcome.Created or CloudOutcome.Deleted => new Markup($"[green]{Word(outcome)}[/]"),
        CloudOutcome.Missing or CloudOutcome.Unknown => new Markup($"[yellow]{Word(outcome)}[/]"),
        _ => new Text(Word(outcome)),
    };

    /// <summary>"AlreadyGone" → "already gone": what the tables print and the tests read.</summary>
    internal static string Word<T>(T value)
        where T : struct, Enum
    {
        var name = value.ToString();
        var builder = new System.Text.StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && builder.Length > 0)
            {
                builder.Append(' ');
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }

    /// <summary>The four clients `cloud up|status|down` need, disposed together.</summary>
    private sealed class SetupClients : IDisposable
    {
        private readonly KinesisVideoClient _video = null!;
        private readonly KinesisClient _kinesis = null!;
        private readonly RekognitionClient _rekognition = null!;
        private readonly KvsEdge.Aws.Iam.IamClient _iam = null!;

        public SetupClients(CloudContext context, bool createDevicePolicy = false)
        {
            try
            {
                _video = context.Clients.CreateKinesisVideo();
                _kinesis = context.Clients.CreateKinesis();
                _rekognition = context.Clients.CreateRekognition();
                _iam = context.Clients.CreateIam();
            }
            catch
            {
                // No region or credentials: the first constructor throws; release any built before it.
                Dispose();
                throw;
            }

            Setup = new CloudSetup(context.Cloud, _video, _kinesis, _rekognition, _iam, context.Retry, context.Time, context.LoggerFactory.CreateLogger<CloudSetup>())
            {
                Mode = context.Mode,
                CreateDevicePolicy = createDevicePolicy,
            };
        }

        public CloudSetup Setup { get; }

        public void Dispose()
        {
            _video?.Dispose();
            _kinesis?.Dispose();
            _rekognition?.Dispose();
            _iam?.Dispose();
        }
    }
}

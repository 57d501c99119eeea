using Amazon.Runtime;
using KvsEdge.Access;
using KvsEdge.Cli;
using KvsEdge.Cloud;
using KvsEdge.Common;
using KvsEdge.Offline;
using KvsEdge.TestSupport;
using KvsEdge.Tests.Aws;
using Microsoft.Extensions.Configuration;

namespace KvsEdge.Tests.Cloud;

/// <summary>
/// How `faces add|list|remove` treat the local gallery next to the collection, against the Rekognition wire listener
/// with in-memory state. No model is needed here: the gallery is written directly, or the model is absent on purpose.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class LocalFacesVerbTests : IAsyncLifetime
{
    private const string Region = "eu-west-1";
    private const string CollectionId = "front-door-faces";
    private const string Model = "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30";

    private readonly string _folder = Directory.CreateTempSubdirectory("kvsedge-faces-").FullName;
    private readonly string _state = Directory.CreateTempSubdirectory("kvsedge-faces-state-").FullName;
    private RekognitionWireListener _listener = null!;
    private RekognitionWireState _rekognition = null!;
    private CloudVerbHarness _verb = null!;

    private string GalleryPath => Path.Combine(_state, FaceGallery.FileName);

    private string NoModel => Path.Combine(_state, "no-such-model", "dlib_face_recognition_resnet_model_v1.onnx");

    public async Task InitializeAsync()
    {
        _listener = new RekognitionWireListener(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey, Region);
        _rekognition = new RekognitionWireState(_listener);
        var aws = new AwsOptions { Region = Region, Endpoints = new AwsEndpointOptions { Rekognition = _listener.Url } };
        _verb = new CloudVerbHarness(aws, new BasicAWSCredentials(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey), new CloudOptions { CollectionId = CollectionId });
        _verb.Context = _verb.Context with
        {
            StateDirectory = _state,
            LocalFaces = new LocalFaceSettings(NoModel, Path.Combine(_state, "no-detector.onnx"), new LocalEnrolmentRules()),
        };
        using var rekognition = _verb.Context.Clients.CreateRekognition();
        await rekognition.CreateCollectionAsync(CollectionId, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _listener.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
        Directory.Delete(_state, recursive: true);
    }

    private void Write(string name) => File.WriteAllBytes(Path.Combine(_folder, name), RekognitionWireState.Photo(faces: 1));

    private static float[] Descriptor(float value) => Enumerable.Repeat(value, 128).ToArray();

    [Fact]
    public async Task Without_the_embedder_model_add_indexes_in_the_cloud_and_says_the_local_side_was_skipped_and_how_to_get_the_model()
    {
        Write("alice.jpg");

        var (code, output, _) = await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, ct));

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("1 indexed, 0 already indexed, 0 not indexed, of 1 file(s).", output, StringComparison.Ordinal);
        Assert.Contains($"Local gallery skipped: no face embedder model at {NoModel}; install the kvsedge-face-embedder package or build it with scripts/build-face-embedder.sh, then run kvsedge faces sync {_folder}", output, StringComparison.Ordinal);
        Assert.False(File.Exists(GalleryPath));
        Assert.Equal(["alice"], _rekognition.ExternalImageIds(CollectionId));
    }

    [Fact]
    public async Task Local_only_without_the_model_is_an_error_and_calls_no_AWS_service()
    {
        Write("alice.jpg");
        int before = _listener.Requests.Count;

        var (code, _, _) = await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, localOnly: true, ct));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal(before, _listener.Requests.Count);
        Assert.False(File.Exists(GalleryPath));
    }

    [Fact]
    public async Task Sync_without_the_model_is_an_error_and_leaves_the_gallery_as_it_was()
    {
        Write("alice.jpg");
        FaceGallery.Empty(Model).WithPerson("alice", [Descriptor(0.1f)]).Save(GalleryPath);
        byte[] before = File.ReadAllBytes(GalleryPath);

        var (code, _, _) = await _verb.RunAsync((c, ct) => CloudCommands.FacesSyncAsync(c, _folder, ct));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal(before, File.ReadAllBytes(GalleryPath));
        Assert.DoesNotContain(_listener.Requests, r => r.Operation == "IndexFaces");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Remove_takes_the_person_out_of_the_collection_and_the_local_gallery_and_nobody_else()
    {
        foreach (var name in (string[])["alice.jpg", "alice_2.jpg", "bob.jpg"])
        {
            Write(name);
        }

        Assert.Equal(ExitCodes.Ok, (await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, ct))).ExitCode);
        FaceGallery.Empty(Model).WithPerson("alice", [Descriptor(0.1f), Descriptor(0.2f)]).WithPerson("bob", [Descriptor(0.3f)]).Save(GalleryPath);

        var (code, output, _) = await _verb.RunAsync((c, ct) => CloudCommands.FacesRemoveAsync(c, "alice", ct));

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("Removed the faces of alice: alice, alice_2.", output, StringComparison.Ordinal);
        Assert.Contains("Removed alice from the local gallery (2 face descriptor(s)).", output, StringComparison.Ordinal);
        Assert.Equal(["bob"], _rekognition.ExternalImageIds(CollectionId));
        FaceGallery gallery = FaceGallery.Load(GalleryPath, Model);
        Assert.Equal(["bob"], gallery.People);
        Assert.Equal(FaceGallery.FilePermissions, File.GetUnixFileMode(GalleryPath));

        Assert.Equal(ExitCodes.Failure, (await _verb.RunAsync((c, ct) => CloudCommands.FacesRemoveAsync(c, "alice", ct))).ExitCode);
    }

    [Fact]
    public async Task Remove_of_a_person_only_in_the_local_gallery_succeeds()
    {
        FaceGallery.Empty(Model).WithPerson("carol", [Descriptor(0.1f)]).Save(GalleryPath);

        var (code, output, _) = await _verb.RunAsync((c, ct) => CloudCommands.FacesRemoveAsync(c, "carol", ct));

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("Removed carol from the local gallery (1 face descriptor(s)).", output, StringComparison.Ordinal);
        Assert.Empty(FaceGallery.Load(GalleryPath, Model).People);
    }

    [Fact]
    public async Task Remove_refuses_a_damaged_gallery_rather_than_rewrite_it()
    {
        byte[] damaged = FaceGallery.Empty(Model).WithPerson("alice", [Descriptor(0.1f)]).Serialize();
        damaged[^1] ^= 1;
        File.WriteAllBytes(GalleryPath, damaged);

        var (code, _, _) = await _verb.RunAsync((c, ct) => CloudCommands.FacesRemoveAsync(c, "alice", localOnly: true, ct));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal(damaged, File.ReadAllBytes(GalleryPath));
    }

    [Fact]
    public async Task List_shows_the_cloud_and_the_local_side_per_person()
    {
        foreach (var name in (string[])["alice.jpg", "alice_2.jpg", "carol.jpg"])
        {
            Write(name);
        }

        Assert.Equal(ExitCodes.Ok, (await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, ct))).ExitCode);
        FaceGallery.Empty(Model).WithPerson("alice", [Descriptor(0.1f), Descriptor(0.2f)]).WithPerson("bob", [Descriptor(0.3f)]).Save(GalleryPath);

        var (code, output, _) = await _verb.RunAsync(CloudCommands.FacesListAsync);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("3 face(s) in collection front-door-faces.", output, StringComparison.Ordinal);
        Assert.Contains("2 people, 3 face descriptor(s), model 55533b28a958", output, StringComparison.Ordinal);
        Assert.Equal(["alice, alice_2", "2"], PersonRow(output, "alice"));
        Assert.Equal(["-", "1"], PersonRow(output, "bob"));
        Assert.Equal(["carol", "-"], PersonRow(output, "carol"));
    }

    [Fact]
    public async Task List_without_a_gallery_says_so_and_lists_the_cloud()
    {
        Write("alice.jpg");
        Assert.Equal(ExitCodes.Ok, (await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, ct))).ExitCode);

        var (code, output, _) = await _verb.RunAsync(CloudCommands.FacesListAsync);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains($"No local gallery at {GalleryPath}", output, StringComparison.Ordinal);
        Assert.Equal(["alice", "-"], PersonRow(output, "alice"));
    }

    [Theory]
    [InlineData("alice_2", "Alice")]
    [InlineData("alice-front", "Alice")]
    [InlineData("mary-jane_2", "mary-jane")] // allow-listed: the longest configured prefix, as the policy maps it
    [InlineData("tom-front", "tom")]          // not allow-listed: up to the first separator
    [InlineData("front-door-cam", "Bob")]     // an alias
    [InlineData("ALICE_3", "Alice")]          // the allow-list's spelling
    public void A_file_name_stem_enrols_the_person_the_access_policy_would_map_it_to(string stem, string person)
    {
        var access = new AccessOptions();
        access.People["Alice"] = new PersonOptions();
        access.People["mary-jane"] = new PersonOptions();
        access.People["Bob"] = new PersonOptions();
        access.Aliases["front-door-cam"] = "Bob";

        Assert.Equal(person, EnrolmentNames.PersonOf(access)(stem));
    }

    [Fact]
    public void The_local_side_reads_the_appliances_model_paths_and_vision_settings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Recognition:Local:ModelPath"] = "/opt/models/embedder.onnx",
            ["Vision:ModelPath"] = "/opt/models/blazeface.onnx",
            ["Vision:MinFaceSize"] = "120",
            ["Vision:MinScore"] = "0.9",
        }).Build();

        var settings = LocalFaceSettings.From(configuration);

        Assert.Equal("/opt/models/embedder.onnx", settings.EmbedderModelPath);
        Assert.Equal("/opt/models/blazeface.onnx", settings.DetectorModelPath);
        Assert.Equal(120, settings.Rules.MinFaceSize);
        Assert.Equal(0.9f, settings.Rules.MinScore);
        Assert.Equal(0.5f, settings.Rules.CountScore);
    }

    // The cells after the person's name in the per-person table.
    private static string[] PersonRow(string output, string person)
    {
        // The per-person table is the last one printed (the collection's table comes first).
        string row = output.Split('\n').Last(l => l.Split(['│', '|']).Select(c => c.Trim()).ElementAtOrDefault(1) == person);
        return [.. row.Split(['│', '|']).Skip(2).Take(2).Select(c => c.Trim())];
    }
}

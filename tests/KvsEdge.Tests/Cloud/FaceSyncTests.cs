using Amazon.Runtime;
using KvsEdge.Cli;
using KvsEdge.Cloud;
using KvsEdge.Common;
using KvsEdge.TestSupport;
using KvsEdge.Tests.Aws;

namespace KvsEdge.Tests.Cloud;

/// <summary>`faces add` records its source; the `sync-faces` job (<see cref="FaceSync"/>) indexes from it again, against the Rekognition wire listener.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class FaceSyncTests : IAsyncLifetime
{
    private const string Region = "eu-west-1";
    private const string CollectionId = "front-door-faces";

    private readonly string _folder = Directory.CreateTempSubdirectory("kvsedge-faces-").FullName;
    private readonly string _state = Directory.CreateTempSubdirectory("kvsedge-faces-state-").FullName;
    private RekognitionWireListener _listener = null!;
    private RekognitionWireState _rekognition = null!;
    private CloudVerbHarness _verb = null!;

    public async Task InitializeAsync()
    {
        _listener = new RekognitionWireListener(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey, Region);
        _rekognition = new RekognitionWireState(_listener);
        var aws = new AwsOptions { Region = Region, Endpoints = new AwsEndpointOptions { Rekognition = _listener.Url } };
        _verb = new CloudVerbHarness(
            aws, new BasicAWSCredentials(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey), new CloudOptions { CollectionId = CollectionId });
        _verb.Context = _verb.Context with { StateDirectory = _state };
        using var rekognition = _verb.Context.Clients.CreateRekognition();
        await rekognition.CreateCollectionAsync(CollectionId, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _listener.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
        Directory.Delete(_state, recursive: true);
    }

    private FaceSync Sync() => new(_verb.Context.Clients, AwsRetry.Default, CollectionId, "_-", _state);

    [Fact]
    public async Task Faces_add_records_the_folder_and_sync_faces_indexes_what_was_added_there_since()
    {
        File.WriteAllBytes(Path.Combine(_folder, "alice.jpg"), RekognitionWireState.Photo(faces: 1));
        var (code, _, _) = await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, ct));
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(_folder, EnrollmentSource.Read(_state));

        File.WriteAllBytes(Path.Combine(_folder, "bob.jpg"), RekognitionWireState.Photo(faces: 1));
        Assert.True(await Sync().SyncAsync(CancellationToken.None));

        Assert.Equal(["alice", "bob"], _rekognition.ExternalImageIds(CollectionId).Order(StringComparer.Ordinal));
        // alice was already indexed: only bob is sent.
        Assert.Equal(2, _listener.Requests.Count(r => r.Operation == "IndexFaces"));
    }

    [Fact]
    public async Task Sync_faces_reports_a_photo_that_is_not_indexed_and_a_missing_source()
    {
        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => Sync().SyncAsync(CancellationToken.None));
        Assert.Contains("no enrollment source is recorded", missing.Message, StringComparison.Ordinal);

        File.WriteAllBytes(Path.Combine(_folder, "empty-wall.jpg"), RekognitionWireState.Photo(faces: 0));
        EnrollmentSource.Record(_state, _folder);
        Assert.False(await Sync().SyncAsync(CancellationToken.None));
    }
}

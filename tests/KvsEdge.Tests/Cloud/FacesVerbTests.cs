using Amazon.Runtime;
using KvsEdge.Cli;
using KvsEdge.Cloud;
using KvsEdge.Common;
using KvsEdge.TestSupport;
using KvsEdge.Tests.Aws;

namespace KvsEdge.Tests.Cloud;

/// <summary>`faces add|list|remove` in-process against the Rekognition wire listener with in-memory state.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class FacesVerbTests : IAsyncLifetime
{
    private const string Region = "eu-west-1";
    private const string CollectionId = "front-door-faces";

    private readonly string _folder = Directory.CreateTempSubdirectory("kvsedge-faces-").FullName;
    private RekognitionWireListener _listener = null!;
    private RekognitionWireState _state = null!;
    private CloudVerbHarness _verb = null!;

    public async Task InitializeAsync()
    {
        _listener = new RekognitionWireListener(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey, Region);
        _state = new RekognitionWireState(_listener);
        var aws = new AwsOptions { Region = Region, Endpoints = new AwsEndpointOptions { Rekognition = _listener.Url } };
        _verb = new CloudVerbHarness(
            aws, new BasicAWSCredentials(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey), new CloudOptions { CollectionId = CollectionId });
        using var rekognition = _verb.Context.Clients.CreateRekognition();
        await rekognition.CreateCollectionAsync(CollectionId, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _listener.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private void Write(string name, byte[] content) => File.WriteAllBytes(Path.Combine(_folder, name), content);

    [Fact]
    public async Task A_mixed_folder_gives_each_file_its_result_and_exit_code_3()
    {
        Write("alice.jpg", RekognitionWireState.Photo(faces: 1));
        Write("alice_2.png", RekognitionWireState.Photo(faces: 1, png: true));
        Write("empty-wall.jpg", RekognitionWireState.Photo(faces: 0));
        Write("party.jpg", RekognitionWireState.Photo(faces: 3));
        Write("far-away.jpg", RekognitionWireState.Photo(unindexedReason: "SMALL_BOUNDING_BOX"));
        Write("shaky.jpeg", RekognitionWireState.Photo(unindexedReason: "LOW_SHARPNESS"));
        Write("huge.jpg", RekognitionWireState.Photo(padTo: 5 * 1024 * 1024 + 1));
        Write("notes.txt", "alice is the neighbour"u8.ToArray());
        Write("renamed.jpg", "GIF89a not really a jpeg"u8.ToArray());
        Write("bob smith.jpg", RekognitionWireState.Photo(faces: 1));

        var (code, output, _) = await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, ct));

        Assert.Equal(ExitCodes.SomeNotDone, code);
        Assert.Empty(_listener.Failures);
        Assert.Contains("2 indexed, 0 already indexed, 8 not indexed, of 10 file(s).", output, StringComparison.Ordinal);
        AssertRow(output, "alice.jpg", "indexed");
        AssertRow(output, "alice_2.png", "indexed");
        AssertRow(output, "empty-wall.jpg", "no face");
        AssertRow(output, "party.jpg", "several faces", "3 faces in the photo");
        AssertRow(output, "far-away.jpg", "poor quality", "too small");
        AssertRow(output, "shaky.jpeg", "poor quality", "blurred");
        AssertRow(output, "huge.jpg", "too large", "over Rekognition's 5 MB limit");
        AssertRow(output, "notes.txt", "unsupported", "only .jpg, .jpeg, .png");
        AssertRow(output, "renamed.jpg", "unsupported", "not a JPEG or PNG");
        AssertRow(output, "bob smith.jpg", "bad name", "rename the file");

        // Only the good photos are left in the collection: party.jpg's largest face was indexed, then taken out again.
        Assert.Equal(["alice", "alice_2"], _state.ExternalImageIds(CollectionId).Order(StringComparer.Ordinal));

        // Nothing is sent for what the local checks refuse.
        var indexed = _listener.Requests.Where(r => r.Operation == "IndexFaces").ToList();
        Assert.Equal(6, indexed.Count);
        Assert.All(indexed, r => Assert.Equal(1, (int)r.Body!["MaxFaces"]!));
        Assert.Equal(
            ["alice", "alice_2", "empty-wall", "far-away", "party", "shaky"],
            indexed.Select(r => (string)r.Body!["ExternalImageId"]!).Order(StringComparer.Ordinal));
        Assert.Single(_listener.Requests, r => r.Operation == "DeleteFaces");
    }

    [Fact]
    public async Task Adding_the_same_folder_again_indexes_nothing_twice_and_exits_0()
    {
        Write("alice.jpg", RekognitionWireState.Photo());
        Write("bob.png", RekognitionWireState.Photo(png: true));
        Assert.Equal(ExitCodes.Ok, (await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, ct))).ExitCode);

        var (code, output, _) = await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, ct));

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("0 indexed, 2 already indexed, 0 not indexed, of 2 file(s).", output, StringComparison.Ordinal);
        Assert.Equal(2, _listener.Requests.Count(r => r.Operation == "IndexFaces"));
        Assert.Equal(["alice", "bob"], _state.ExternalImageIds(CollectionId).Order(StringComparer.Ordinal));
        Assert.Empty(_listener.Failures);
    }

    [Fact]
    public async Task Remove_takes_every_photo_of_the_person_and_nobody_else()
    {
        foreach (var name in (string[])["alice.jpg", "alice_2.jpg", "alice-front.jpg", "alicia.jpg", "bob.jpg"])
        {
            Write(name, RekognitionWireState.Photo());
        }

        Assert.Equal(ExitCodes.Ok, (await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, ct))).ExitCode);

        var (code, output, _) = await _verb.RunAsync((c, ct) => CloudCommands.FacesRemoveAsync(c, "alice", ct));

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("Removed the faces of alice: alice, alice-front, alice_2.", output, StringComparison.Ordinal);
        Assert.Equal(["alicia", "bob"], _state.ExternalImageIds(CollectionId).Order(StringComparer.Ordinal));

        var list = await _verb.RunAsync(CloudCommands.FacesListAsync);
        Assert.Equal(ExitCodes.Ok, list.ExitCode);
        Assert.Contains("2 face(s) in collection front-door-faces.", list.Output, StringComparison.Ordinal);
        Assert.Contains("alicia", list.Output, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Failure, (await _verb.RunAsync((c, ct) => CloudCommands.FacesRemoveAsync(c, "alice", ct))).ExitCode);
        Assert.Empty(_listener.Failures);
    }

    [Fact]
    public async Task A_throttled_IndexFaces_is_retried_after_a_backoff_and_the_photo_indexed()
    {
        Write("alice.jpg", RekognitionWireState.Photo());
        var time = new SignallingTimeProvider();
        _verb.Context = _verb.Context with { Retry = new AwsRetry(time, random: () => 0.5) };
        _listener.Enqueue("IndexFaces", RekognitionWireResponses.Throttling());

        var adding = _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, ct));
        var backoff = await time.NextTimerAsync(TimeSpan.FromSeconds(10));
        Assert.False(adding.IsCompleted);
        time.Advance(backoff);
        var (code, output, _) = await adding;

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("1 indexed", output, StringComparison.Ordinal);
        Assert.Equal(2, _listener.Requests.Count(r => r.Operation == "IndexFaces"));
        Assert.Equal(["alice"], _state.ExternalImageIds(CollectionId));
    }

    [Fact]
    public async Task Access_denied_names_the_action_the_credentials_lack()
    {
        Write("alice.jpg", RekognitionWireState.Photo());
        _listener.Enqueue("ListFaces", RekognitionWireResponses.Error(
            "AccessDeniedException", "User: arn:aws:iam::123456789012:user/pi is not authorized to perform: rekognition:ListFaces"));

        var (code, _, error) = await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, ct));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("access denied", error, StringComparison.Ordinal);
        Assert.Contains("rekognition:ListFaces", error, StringComparison.Ordinal);
        Assert.DoesNotContain(_listener.Requests, r => r.Operation == "IndexFaces");
    }

    [Fact]
    public async Task A_missing_collection_is_reported_not_crashed_on()
    {
        Write("alice.jpg", RekognitionWireState.Photo());
        _verb.Context = _verb.Context with { Cloud = new CloudOptions { CollectionId = "no-such-collection" } };

        var (code, _, _) = await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, _folder, ct));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.DoesNotContain(_listener.Requests, r => r.Operation == "IndexFaces");
    }

    [Fact]
    public async Task A_source_that_is_neither_folder_nor_s3_is_a_usage_error()
    {
        var (code, _, _) = await _verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, Path.Combine(_folder, "missing"), ct));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal(["CreateCollection"], _listener.Requests.Select(r => r.Operation));
    }

    private static void AssertRow(string output, string file, string result, string? detail = null)
    {
        var line = Assert.Single(output.Split('\n'), l => l.Contains(file + " ", StringComparison.Ordinal));
        Assert.Contains(" " + result + " ", line, StringComparison.Ordinal);
        if (detail is not null)
        {
            Assert.Contains(detail, line, StringComparison.Ordinal);
        }
    }
}

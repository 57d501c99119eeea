using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Camera;
using KvsEdge.Recognition;
using KvsEdge.Snapshots;
using KvsEdge.Tests.Aws.Rekognition;
using KvsEdge.Tests.Consumer;
using KvsEdge.TestSupport;
using KvsEdge.Triggers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Recognition;

/// <summary>Frames made up by the test: fixed bytes, captured a chosen time before "now" on the test's clock.</summary>
internal sealed class SyntheticFrames(TimeProvider time) : IJpegFrameSource
{
    /// <summary>A few bytes with JPEG's start and end markers (the listener checks only base64 and size).</summary>
    public static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0xFF, 0xD9];

    /// <summary>How old each frame is when it is handed out.</summary>
    public TimeSpan Age { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>False: the tap has no frame (camera not running).</summary>
    public bool Available { get; set; } = true;

    public int Pulled { get; private set; }

    /// <summary>The bytes every frame carries.</summary>
    public byte[] Data { get; set; } = Jpeg;

    public List<JpegFrame> Given { get; } = [];

    public Task<JpegFrame?> TryGetFrameAsync(JpegFrame? after, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!Available)
        {
            return Task.FromResult<JpegFrame?>(null);
        }

        Pulled++;
        var frame = new JpegFrame(Data, 640, 480, time.GetUtcNow() - Age);
        Given.Add(frame);
        return Task.FromResult<JpegFrame?>(frame);
    }
}

/// <summary>
/// The image-API source wired to real parts: a RekognitionClient (real SigV4 signer, real sockets) against the wire
/// listener, the real executor, policy (alice allowed at 90 %), grant ledger and status reporter, and a test clock.
/// </summary>
internal sealed class ImageApiHarness : IAsyncDisposable
{
    public const string Collection = "front-door";

    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-imageapi-").FullName;

    public ImageApiHarness(
        Action<ImageApiSourceOptions>? configure = null, Action<AccessOptions>? access = null, ILocalFaces? localFaces = null,
        Func<ImageApiHarness, LocalRecognition>? local = null)
    {
        Options = new ImageApiSourceOptions
        {
            CollectionId = Collection,
            FaceMatchThreshold = 85,
            MaxFaces = 4,
            MaxFrames = 3,
            Window = TimeSpan.FromSeconds(3),
            MaxCallsPerMinute = 20,
            MaxCallsPerDay = 100,
        };
        configure?.Invoke(Options);
        AccessOptions policy = TestPolicies.AliceAllowed();
        access?.Invoke(policy);
        Frames = new SyntheticFrames(Time);
        Snapshots = new SnapshotWriter(new SnapshotOptions(), _directory, Time, NullLogger<SnapshotWriter>.Instance);
        Executor = new DecisionExecutor(
            new AccessPolicy(policy), Door, Status, new GrantLedger(_directory), Time, NullLogger<DecisionExecutor>.Instance, snapshots: Snapshots);
        Reporter = new RecognitionStatusReporter(Status, Time);
        Budget = new ImageApiBudget(Options.MaxCallsPerMinute, Options.MaxCallsPerDay, Time, _directory);
        Triggers = new TriggerChannel(Time);
        Source = new ImageApiFaceMatchSource(
            Microsoft.Extensions.Options.Options.Create(new RecognitionOptions { Source = RecognitionSources.ImageApi, ImageApi = Options }),
            Rekognition.Client, Frames, Triggers, Executor, Reporter, Budget, Time, NullLogger<ImageApiFaceMatchSource>.Instance, localFaces, local?.Invoke(this));
    }

    public SignallingTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));

    public RekognitionHarness Rekognition { get; } = new();

    public RekognitionWireListener Listener => Rekognition.Listener;

    public ImageApiSourceOptions Options { get; }

    public SyntheticFrames Frames { get; }

    public RecordingDoor Door { get; } = new();

    public RecordingStatus Status { get; } = new();

    public DecisionExecutor Executor { get; }

    /// <summary>The decision snapshots (its loop runs only when a test starts it).</summary>
    public SnapshotWriter Snapshots { get; }

    public RecognitionStatusReporter Reporter { get; }

    public ImageApiBudget Budget { get; }

    public TriggerChannel Triggers { get; }

    public ImageApiFaceMatchSource Source { get; }

    public string StateDirectory => _directory;

    /// <summary>Answers one trigger the way the running service would.</summary>
    public Task<ImageApiSearchEnded> TriggerAsync(string kind = TriggerKinds.Gpio, TriggerEvidence? evidence = null)
    {
        Trigger trigger = Triggers.Fire(kind, null, null, evidence);
        Assert.True(Triggers.Reader.TryRead(out _));
        return Source.HandleTriggerAsync(trigger, 0, CancellationToken.None);
    }

    public IReadOnlyList<RekognitionWireRequest> Searches => Listener.Requests.Where(r => r.Operation == "SearchFacesByImage").ToList();

    public void EnqueueMatch(string externalImageId, double similarity) =>
        Listener.Enqueue("SearchFacesByImage", RekognitionWireResponses.SearchFacesByImage(
            [RekognitionWireResponses.FaceMatch(similarity, RekognitionWireResponses.Face(Guid.NewGuid().ToString(), externalImageId))]));

    public void EnqueueUnknownFace() => Listener.Enqueue("SearchFacesByImage", RekognitionWireResponses.SearchFacesByImage([]));

    public void EnqueueNoFace() => Listener.Enqueue("SearchFacesByImage", RekognitionWireResponses.NoFacesInImage());

    public async ValueTask DisposeAsync()
    {
        Source.Dispose();
        await Snapshots.StopAsync(CancellationToken.None);
        Snapshots.Dispose();
        Executor.Dispose();
        await Rekognition.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

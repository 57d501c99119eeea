using KvsEdge.Access;
using KvsEdge.Door;
using KvsEdge.Offline;
using KvsEdge.Recognition;
using KvsEdge.Status;
using KvsEdge.Triggers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Offline;

/// <summary>The gallery in the appliance: refused files turn local matching off (state reported), a new file turns it on.</summary>
public sealed class LocalRecognitionTests : IDisposable
{
    private const string Model = "55533b28aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string OtherModel = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("kvsedge-local-");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero));
    private readonly ChannelStatus _status = new();
    private readonly RecognitionStatusReporter _reporter;

    public LocalRecognitionTests()
    {
        _reporter = new RecognitionStatusReporter(_status, _time);
        _reporter.Report(RecognitionSources.ImageApi, "running");
    }

    private string GalleryPath => Path.Combine(_dir.FullName, FaceGallery.FileName);

    public void Dispose() => _dir.Delete(recursive: true);

    private LocalRecognition Local(int frames = 1) => new(
        new LocalRecognitionOptions { Enabled = true, MinAgreeingFrames = frames }, new FixedDescriber(), GalleryPath, 80, _reporter, _time, NullLogger<LocalRecognition>.Instance);

    /// <summary>The "chip" is the descriptor's first bytes: byte i is component i × 0.01 (only for these tests).</summary>
    internal sealed class FixedDescriber : IFaceDescriber
    {
        public string ModelSha256 => Model;

        public float[] Describe(ReadOnlySpan<byte> chipRgb)
        {
            var d = new float[128];
            for (int i = 0; i < 128; i++)
            {
                d[i] = chipRgb[i] * 0.01f;
            }

            return d;
        }
    }

    internal static FaceChip ChipNear(int axis, float offset = 0f)
    {
        var rgb = new byte[150 * 150 * 3];
        rgb[axis] = 100;
        rgb[127] = (byte)(offset * 100);
        return new FaceChip(rgb, 120);
    }

    private static void Write(string path, FaceGallery gallery) => gallery.Save(path);

    internal static FaceGallery Sample(string model = Model) =>
        FaceGallery.Empty(model).WithPerson("alice", [LocalFaceMatcherTests.Near(0)]).WithPerson("bob", [LocalFaceMatcherTests.Near(1)]);

    public static TheoryData<string, string> BadGalleries => new()
    {
        { "missing", "cannot be read" },
        { "truncated", "truncated" },
        { "corrupt", "damaged" },
        { "other-model", "was made with embedder model" },
    };

    [Theory]
    [MemberData(nameof(BadGalleries))]
    public void A_gallery_that_cannot_be_used_turns_local_matching_off_and_says_why_on_the_recognition_state(string fault, string expected)
    {
        byte[] good = Sample().Serialize();
        switch (fault)
        {
            case "truncated":
                File.WriteAllBytes(GalleryPath, good[..(good.Length / 2)]);
                break;
            case "corrupt":
                good[100] ^= 0x40;
                File.WriteAllBytes(GalleryPath, good);
                break;
            case "other-model":
                Write(GalleryPath, Sample(OtherModel));
                break;
        }

        using LocalRecognition local = Local();
        local.Reload();
        LocalMatch match = local.Evaluate("t#0", _time.GetUtcNow(), ChipNear(0));

        Assert.Null(local.Gallery);
        Assert.Contains(expected, local.Error, StringComparison.Ordinal);
        Assert.Equal(LocalMatchOutcome.Unavailable, match.Outcome);
        Assert.Null(match.Person);
        LocalRecognitionState state = _reporter.Current!.Local!;
        Assert.Equal(LocalRecognitionState.Failed, state.State);
        Assert.Contains(expected, state.Error, StringComparison.Ordinal);
        Assert.Equal(0, state.People);
        // The payload carries it.
        Assert.Contains("\"local\":{\"state\":\"error\"", StatusPayloads.Recognition(_reporter.Current!), StringComparison.Ordinal);
    }

    [Fact]
    public void A_usable_gallery_matches_and_reports_the_nearest_person_and_distance()
    {
        Write(GalleryPath, Sample());
        using LocalRecognition local = Local();
        local.Reload();

        LocalMatch match = local.Evaluate("t#0", _time.GetUtcNow(), ChipNear(0, 0.2f));

        Assert.Equal((LocalMatchOutcome.Match, "alice"), (match.Outcome, match.Person));
        LocalRecognitionState state = _reporter.Current!.Local!;
        Assert.Equal((LocalRecognitionState.Ready, 2, "alice", "match"), (state.State, state.People, state.LastPerson, state.LastOutcome));
        Assert.Equal(0.2, state.LastDistance!.Value, 3);
    }

    [Fact]
    public void A_reloaded_configuration_changes_the_thresholds_without_a_restart_and_a_bad_one_keeps_those_in_force()
    {
        // Issue 16: "the allow-list, thresholds and gallery reload without a restart". The thresholds were read at start only.
        Write(GalleryPath, Sample());
        using LocalRecognition local = Local();
        local.Reload();
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        IConfigurationRoot configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings).Build();
        IReadOnlyList<string> Reload(string key, string value)
        {
            configuration[key] = value;
            (LocalRecognitionOptions reloaded, string? error) = KvsEdge.Hosting.LocalRecognitionServiceCollectionExtensions.BindLocal(configuration);
            return local.ReloadThresholds(reloaded, error);
        }

        Assert.Equal(LocalMatchOutcome.Match, local.Evaluate("t#0", _time.GetUtcNow(), ChipNear(0, 0.2f)).Outcome);

        Assert.Empty(Reload("Recognition:Local:Thresholds:alice", "0.1")); // stricter for alice
        _time.Advance(TimeSpan.FromSeconds(1));
        LocalMatch strict = local.Evaluate("t#1", _time.GetUtcNow(), ChipNear(0, 0.2f));
        Assert.Equal((LocalMatchOutcome.NoMatch, 0.1f), (strict.Outcome, strict.Threshold));

        // Looser than 0.6 is refused, naming the key; alice's 0.1 stays in force.
        Assert.Contains(Reload("Recognition:Local:Thresholds:alice", "0.9"), f => f.Contains("Recognition:Local:Thresholds:alice", StringComparison.Ordinal));
        Assert.Contains(Reload("Recognition:Local:Threshold", "lots"), f => f.Contains("Recognition:Local:Threshold", StringComparison.Ordinal));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((LocalMatchOutcome.NoMatch, 0.1f), (local.Evaluate("t#2", _time.GetUtcNow(), ChipNear(0, 0.2f)) is var kept ? (kept.Outcome, kept.Threshold) : default));
    }

    [Fact]
    public void A_face_that_could_not_be_aligned_counts_for_nothing()
    {
        Write(GalleryPath, Sample());
        using LocalRecognition local = Local();
        local.Reload();

        Assert.Equal(LocalMatchOutcome.Unusable, local.Evaluate("t#0", _time.GetUtcNow(), chip: null).Outcome);
    }

    [Fact]
    public async Task Writing_a_gallery_while_running_turns_local_matching_on_without_a_restart()
    {
        using LocalRecognition local = Local();
        local.Start(); // no file yet: off
        Assert.Equal(LocalRecognitionState.Failed, _reporter.Current!.Local!.State);

        Task<RecognitionStatus> ready = _status.NextAsync(s => s.Local is { State: LocalRecognitionState.Ready });
        Write(GalleryPath, Sample()); // atomic replace, as `faces add` writes it

        Assert.Equal(2, (await ready.WaitAsync(TimeSpan.FromSeconds(20))).Local!.People);
        Assert.Equal("alice", local.Evaluate("t#0", _time.GetUtcNow(), ChipNear(0)).Person);

        // And a damaged replacement turns it off again (it never keeps matching against a file it refused).
        Task<RecognitionStatus> off = _status.NextAsync(s => s.Local is { State: LocalRecognitionState.Failed });
        File.WriteAllBytes(GalleryPath, [1, 2, 3]);
        await off.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(LocalMatchOutcome.Unavailable, local.Evaluate("t#1", _time.GetUtcNow(), ChipNear(0)).Outcome);
    }

    /// <summary>Signals the first published recognition state that satisfies a condition.</summary>
    private sealed class ChannelStatus : IStatusPublisher
    {
        private readonly Lock _gate = new();
        private readonly List<(Func<RecognitionStatus, bool> When, TaskCompletionSource<RecognitionStatus> Done)> _waiting = [];

        public Task<RecognitionStatus> NextAsync(Func<RecognitionStatus, bool> when)
        {
            var done = new TaskCompletionSource<RecognitionStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _waiting.Add((when, done));
            }

            return done.Task;
        }

        public void PublishRecognition(RecognitionStatus status)
        {
            lock (_gate)
            {
                foreach (var w in _waiting.Where(w => w.When(status)).ToArray())
                {
                    w.Done.TrySetResult(status);
                    _waiting.Remove(w);
                }
            }
        }

        public void PublishDoor(DoorState state)
        {
        }

        public void PublishEvent(Decision decision)
        {
        }

        public void PublishDoorEvent(DoorEvent doorEvent)
        {
        }

        public void PublishState(string subtopic, string payload)
        {
        }
    }
}

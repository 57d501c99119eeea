using KvsEdge.Gstreamer;
using static KvsEdge.IntegrationTests.Gstreamer.GstTestSupport;

namespace KvsEdge.IntegrationTests.Gstreamer;

[Trait("Category", "Integration")]
[Collection(GstreamerTestGroup.Name)]
public sealed class PipelineTests
{
    [Fact]
    public void Initialize_is_idempotent_and_reports_version_1()
    {
        Gst.Initialize();
        Gst.Initialize();
        Assert.Equal(1u, Gst.Version.Major);
        Assert.True(Gst.Version.Minor >= 16);
    }

    [Fact]
    public void HasElement_reflects_the_registry()
    {
        Assert.True(Gst.HasElement("videotestsrc"));
        Assert.True(Gst.HasElement("appsink"));
        // kvssink is optional (absent on CI, installed on the appliance): whatever gst-inspect says.
        Assert.Equal(GstInspectFinds("kvssink"), Gst.HasElement("kvssink"));
        Assert.False(Gst.HasElement("no-such-element"));
    }

    [Fact]
    public async Task Missing_element_throws_naming_it_and_leaves_nothing_behind_while_a_valid_pipeline_runs()
    {
        Gst.Initialize();
        var baseline = Gst.LiveHandleCount;

        var ex = Assert.Throws<GstreamerException>(() =>
            Pipeline.Parse("videotestsrc num-buffers=5 ! no-such-element ! fakesink"));

        Assert.Contains("no-such-element", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["no-such-element"], ex.MissingElements);
        Assert.Equal(baseline, Gst.LiveHandleCount);

        using var pipeline = Pipeline.Parse("videotestsrc num-buffers=5 ! fakesink");
        await using var reader = pipeline.CreateBusReader();
        AssertEos(await RunToEndAsync(pipeline, reader));
    }

    [Fact]
    public void Kvssink_is_reported_missing_by_name_or_parses_when_installed()
    {
        if (GstInspectFinds("kvssink"))
        {
            // Parsing only creates the element; nothing connects to AWS before the pipeline plays.
            using var pipeline = Pipeline.Parse("videotestsrc ! kvssink stream-name=x");
            return;
        }

        var ex = Assert.Throws<GstreamerException>(() => Pipeline.Parse("videotestsrc ! kvssink stream-name=x"));
        Assert.Contains("kvssink", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["kvssink"], ex.MissingElements);
    }

    [Fact]
    public async Task H264_mp4_recording_runs_to_eos_and_reads_back_as_60_frames_of_320x240_h264()
    {
        var file = TempPath(".mp4");
        try
        {
            using (var pipeline = Pipeline.Parse(
                "videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 ! " +
                "x264enc bframes=0 key-int-max=30 tune=zerolatency ! h264parse ! mp4mux ! filesink name=sink location=" + file))
            {
                await using var reader = pipeline.CreateBusReader();
                var seen = await RunToEndAsync(pipeline, reader);
                AssertEos(seen);
                Assert.Contains(seen, m => m.Type == BusMessageType.StateChanged && m.SourceName == pipeline.Name &&
                    m.OldState == PipelineState.Paused && m.NewState == PipelineState.Playing);
                Assert.Equal(StateChangeResult.Success, pipeline.SetState(PipelineState.Null));
            }

            Assert.True(new FileInfo(file).Length > 1000);

            // Read it back through our own binding: the caps filter fails negotiation unless it is 320x240 H.264.
            using var check = Pipeline.Parse(
                $"filesrc location={file} ! qtdemux ! h264parse name=parse ! video/x-h264,width=320,height=240 ! fakesink");
            using var parse = check.GetElement("parse")!;
            using var counter = parse.AddBufferProbe("src");
            await using var checkReader = check.CreateBusReader();
            AssertEos(await RunToEndAsync(check, checkReader));
            Assert.Equal(60, counter.Buffers);
            Assert.True(counter.Bytes > 0);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Unwritable_filesink_location_is_reported_on_the_bus_with_source_and_text()
    {
        using var pipeline = Pipeline.Parse(
            "videotestsrc num-buffers=5 ! fakesink name=unused videotestsrc num-buffers=5 ! filesink name=rec location=/proc/no-such-dir/out.bin");
        await using var reader = pipeline.CreateBusReader();

        Assert.Equal(StateChangeResult.Failure, pipeline.SetState(PipelineState.Playing));
        var seen = await ReadUntilAsync(reader, m => m.Type == BusMessageType.Error);

        var error = seen[^1];
        Assert.Equal("rec", error.SourceName);
        Assert.Contains("/proc/no-such-dir/out.bin", error.Text, StringComparison.Ordinal);
        Assert.Equal("gst-resource-error-quark", error.ErrorDomain);
        Assert.False(string.IsNullOrEmpty(error.DebugInfo));
    }

    [Fact]
    public async Task GetState_reports_playing_after_async_change_and_eos_can_be_sent()
    {
        using var pipeline = Pipeline.Parse("videotestsrc is-live=true ! video/x-raw,width=64,height=48,framerate=30/1 ! fakesink");
        await using var reader = pipeline.CreateBusReader();
        Assert.NotEqual(StateChangeResult.Failure, pipeline.SetState(PipelineState.Playing));
        var state = pipeline.GetState(WaitLimit);
        Assert.Equal(StateChangeResult.Success, state.Result);
        Assert.Equal(PipelineState.Playing, state.Current);

        Assert.True(pipeline.SendEndOfStream());
        AssertEos(await ReadUntilAsync(reader, m => m.Type is BusMessageType.EndOfStream or BusMessageType.Error));
    }

    [Fact]
    public async Task Only_one_bus_reader_at_a_time()
    {
        using var pipeline = Pipeline.Parse("videotestsrc ! fakesink");
        var first = pipeline.CreateBusReader();
        Assert.Throws<InvalidOperationException>(() => pipeline.CreateBusReader());
        await first.DisposeAsync().AsTask().WaitAsync(WaitLimit);
        await pipeline.CreateBusReader().DisposeAsync().AsTask().WaitAsync(WaitLimit);
    }

    [Fact]
    public async Task A_single_element_description_is_wrapped_in_a_pipeline()
    {
        using var pipeline = Pipeline.Parse("videotestsrc name=only num-buffers=3");
        using var only = pipeline.GetElement("only");
        Assert.NotNull(only);
        Assert.Equal("videotestsrc", only.FactoryName);
        await using var reader = pipeline.CreateBusReader();
        Assert.NotEqual(StateChangeResult.Failure, pipeline.SetState(PipelineState.Paused));
        Assert.Equal(PipelineState.Paused, pipeline.GetState(WaitLimit).Current);
    }

    [Fact]
    public async Task Element_messages_carry_structure_name_and_fields()
    {
        using var pipeline = Pipeline.Parse("audiotestsrc num-buffers=20 ! level name=meter post-messages=true ! fakesink");
        await using var reader = pipeline.CreateBusReader();
        Assert.NotEqual(StateChangeResult.Failure, pipeline.SetState(PipelineState.Playing));

        var seen = await ReadUntilAsync(reader, m => m.Type == BusMessageType.Element);

        var level = seen[^1];
        Assert.Equal("meter", level.SourceName);
        Assert.Equal("level", level.StructureName);
        Assert.Contains("rms", level.Structure, StringComparison.Ordinal);
    }
}

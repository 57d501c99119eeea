using KvsEdge.Gstreamer;
using static KvsEdge.IntegrationTests.Gstreamer.GstTestSupport;

namespace KvsEdge.IntegrationTests.Gstreamer;

[Trait("Category", "Integration")]
[Collection(GstreamerTestGroup.Name)]
public sealed class ElementTests
{
    private const string Description =
        "audiotestsrc name=asrc ! volume name=vol ! fakesink " +
        "videotestsrc name=src ! x264enc name=enc ! filesink name=sink";

    [Fact]
    public void Typed_properties_read_back_what_was_set()
    {
        using var pipeline = Pipeline.Parse(Description);
        using var src = pipeline.GetElement("src")!;
        using var enc = pipeline.GetElement("enc")!;
        using var sink = pipeline.GetElement("sink")!;

        Assert.Equal("x264enc", enc.FactoryName);

        enc.Set("key-int-max", 30); // guint in 1.22: an in-range int is accepted
        Assert.Equal(30u, enc.GetUInt32("key-int-max"));
        Assert.Throws<GstreamerException>(() => enc.GetInt32("key-int-max"));

        src.Set("horizontal-speed", -3); // gint
        Assert.Equal(-3, src.GetInt32("horizontal-speed"));
        src.Set("num-buffers", 60);
        Assert.Equal(60, src.GetInt32("num-buffers"));

        enc.Set("bitrate", 1500u); // guint
        Assert.Equal(1500u, enc.GetUInt32("bitrate"));
        Assert.Equal(1500ul, enc.GetUInt64("bitrate"));

        enc.SetFromString("speed-preset", "ultrafast"); // enum by nick
        Assert.Equal("ultrafast", enc.GetEnumNick("speed-preset"));

        enc.Set("quantizer", 30u);
        Assert.Equal(30u, enc.GetUInt32("quantizer"));

        src.SetFromString("pattern", "ball");
        Assert.Equal("ball", src.GetEnumNick("pattern"));

        src.Set("foreground-color", 0xff00ff00u); // guint
        Assert.Equal(0xff00ff00u, src.GetUInt32("foreground-color"));

        src.Set("is-live", true); // gboolean
        Assert.True(src.GetBoolean("is-live"));

        src.Set("timestamp-offset", 123_456_789L); // gint64
        Assert.Equal(123_456_789L, src.GetInt64("timestamp-offset"));

        sink.Set("location", "/tmp/kvsedge-x.mp4"); // gchararray
        Assert.Equal("/tmp/kvsedge-x.mp4", sink.GetString("location"));

        sink.Set("max-bitrate", 5_000_000_000UL); // guint64 (basesink)
        Assert.Equal(5_000_000_000UL, sink.GetUInt64("max-bitrate"));
    }

    [Fact]
    public void Double_properties_round_trip()
    {
        using var pipeline = Pipeline.Parse(Description);
        using var vol = pipeline.GetElement("vol")!;
        using var audio = pipeline.GetElement("asrc")!;

        vol.Set("volume", 0.25);
        Assert.Equal(0.25, vol.GetDouble("volume"));
        audio.Set("freq", 1234.5);
        Assert.Equal(1234.5, audio.GetDouble("freq"));
        vol.Set("volume", 2); // an int into a gdouble property
        Assert.Equal(2.0, vol.GetDouble("volume"));
        Assert.Throws<GstreamerException>(() => vol.Set("volume", 100.0)); // above the pspec maximum of 10
    }

    [Fact]
    public void Unknown_property_mismatched_type_and_out_of_range_values_throw()
    {
        using var pipeline = Pipeline.Parse(Description);
        using var enc = pipeline.GetElement("enc")!;

        var unknown = Assert.Throws<GstreamerException>(() => enc.Set("no-such-prop", 1));
        Assert.Contains("enc", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("no-such-prop", unknown.Message, StringComparison.Ordinal);

        var mismatch = Assert.Throws<GstreamerException>(() => enc.Set("bitrate", "fast"));
        Assert.Contains("bitrate", mismatch.Message, StringComparison.Ordinal);
        Assert.Throws<GstreamerException>(() => enc.GetString("bitrate"));
        Assert.Throws<GstreamerException>(() => enc.Set("bitrate", -1)); // guint
        Assert.Throws<GstreamerException>(() => enc.Set("bitrate", 0u)); // below pspec minimum of 1
        Assert.Throws<GstreamerException>(() => enc.SetFromString("speed-preset", "warp-speed"));
        Assert.Null(pipeline.GetElement("nope"));
    }

    [Fact]
    public async Task Identity_handoff_signal_fires_once_per_buffer()
    {
        using var pipeline = Pipeline.Parse("videotestsrc num-buffers=25 ! identity name=id ! fakesink");
        using var identity = pipeline.GetElement("id")!;
        var fired = 0;
        using var subscription = identity.ConnectSignal("handoff", () => Interlocked.Increment(ref fired));
        await using var reader = pipeline.CreateBusReader();

        AssertEos(await RunToEndAsync(pipeline, reader));

        Assert.Equal(25, Volatile.Read(ref fired));
        Assert.Equal(25, subscription.Invocations);
        Assert.Equal(0, subscription.Faults);
    }

    [Fact]
    public async Task A_throwing_handler_is_contained_and_counted()
    {
        using var pipeline = Pipeline.Parse("videotestsrc num-buffers=3 ! identity name=id ! fakesink");
        using var identity = pipeline.GetElement("id")!;
        using var subscription = identity.ConnectSignal("handoff", () => throw new InvalidOperationException("boom"));
        await using var reader = pipeline.CreateBusReader();

        AssertEos(await RunToEndAsync(pipeline, reader));
        Assert.Equal(3, subscription.Faults);
    }

    [Fact]
    public async Task Appsink_new_sample_signal_fires_with_emit_signals()
    {
        using var pipeline = Pipeline.Parse("videotestsrc num-buffers=7 ! appsink name=tap emit-signals=true sync=false");
        using var tap = pipeline.GetAppSink("tap");
        var pulled = 0;
        // appsink holds EOS back until its queue is drained, so the handler pulls what it is told about.
        using var subscription = tap.Element.ConnectSignal("new-sample", () =>
        {
            using var sample = tap.TryPullSample(TimeSpan.Zero);
            if (sample is not null)
            {
                Interlocked.Increment(ref pulled);
            }
        });
        await using var reader = pipeline.CreateBusReader();

        AssertEos(await RunToEndAsync(pipeline, reader));
        Assert.Equal(7, subscription.Invocations);
        Assert.Equal(7, Volatile.Read(ref pulled));
    }

    [Fact]
    public void Stream_error_signal_is_rejected_on_elements_without_it()
    {
        using var pipeline = Pipeline.Parse("videotestsrc ! identity name=id ! fakesink");
        using var identity = pipeline.GetElement("id")!;
        var ex = Assert.Throws<GstreamerException>(() => identity.ConnectStreamError(_ => { }));
        Assert.Contains("stream-error", ex.Message, StringComparison.Ordinal);
        Assert.Throws<GstreamerException>(() => identity.ConnectSignal("no-such-signal", () => { }));
    }

    [Fact]
    public async Task Buffer_probe_counts_exactly_num_buffers_and_bytes()
    {
        using var pipeline = Pipeline.Parse("videotestsrc name=src num-buffers=45 ! video/x-raw,format=I420,width=320,height=240 ! fakesink");
        using var src = pipeline.GetElement("src")!;
        using var counter = pipeline.AddBufferProbe(src, "src");
        Assert.Null(counter.SinceLastBuffer);
        await using var reader = pipeline.CreateBusReader();

        AssertEos(await RunToEndAsync(pipeline, reader));

        Assert.Equal(45, counter.Buffers);
        Assert.Equal(45L * 320 * 240 * 3 / 2, counter.Bytes);
        Assert.NotNull(counter.SinceLastBuffer);
        Assert.Throws<GstreamerException>(() => src.AddBufferProbe("no-such-pad"));
    }

    [Fact]
    public async Task Appsink_returns_the_newest_jpeg_with_caps()
    {
        using var pipeline = Pipeline.Parse(
            "videotestsrc ! videoconvert ! videoscale ! video/x-raw,width=320,height=240 ! jpegenc ! appsink name=tap drop=true max-buffers=1");
        using var tap = pipeline.GetAppSink("tap");
        await using var reader = pipeline.CreateBusReader();
        Assert.NotEqual(StateChangeResult.Failure, pipeline.SetState(PipelineState.Playing));

        using var sample = tap.TryPullSample(WaitLimit);
        Assert.NotNull(sample);
        Assert.Equal("image/jpeg", sample.MediaType);
        Assert.Equal(320, sample.Width);
        Assert.Equal(240, sample.Height);
        Assert.NotNull(sample.Pts);
        var bytes = sample.ToArray();
        Assert.Equal(sample.Size, bytes.Length);
        Assert.Equal([0xFF, 0xD8], bytes[..2]);
        Assert.Equal([0xFF, 0xD9], bytes[^2..]);

        Assert.Throws<GstreamerException>(() => pipeline.GetAppSink("no-such"));
    }

    [Fact]
    public void GetAppSink_rejects_other_elements()
    {
        using var pipeline = Pipeline.Parse("videotestsrc ! fakesink name=sink");
        Assert.Throws<GstreamerException>(() => pipeline.GetAppSink("sink"));
    }
}

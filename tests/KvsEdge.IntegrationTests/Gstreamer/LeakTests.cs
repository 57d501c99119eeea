using KvsEdge.Gstreamer;
using Xunit.Abstractions;
using static KvsEdge.IntegrationTests.Gstreamer.GstTestSupport;

namespace KvsEdge.IntegrationTests.Gstreamer;

[Trait("Category", "Integration")]
[Collection(GstreamerTestGroup.Name)]
public sealed class LeakTests(ITestOutputHelper output)
{
    private const int Cycles = 100;

    // Fds GStreamer may open lazily and keep (e.g. a shared clock's timerfd/eventfd): a constant, not per cycle.
    private const int FdSlack = 8;

    [Fact]
    public async Task Hundred_start_stop_cycles_return_handles_callbacks_and_fds_to_baseline()
    {
        await CycleAsync(); // warm-up: plugin loading, thread pools and the system clock are one-off costs
        var handles = Gst.LiveHandleCount;
        var callbacks = Gst.LiveCallbackCount;
        var fds = OpenFileDescriptors();

        for (var i = 0; i < Cycles; i++)
        {
            await CycleAsync();
        }

        Assert.Equal(handles, Gst.LiveHandleCount);
        Assert.Equal(callbacks, Gst.LiveCallbackCount);
        var grown = OpenFileDescriptors() - fds;
        output.WriteLine($"handles {handles}->{Gst.LiveHandleCount}, callbacks {callbacks}->{Gst.LiveCallbackCount}, fds {fds}->{fds + grown}");
        Assert.True(grown <= FdSlack, $"open fds grew by {grown} over {Cycles} cycles");
    }

    private static async Task CycleAsync()
    {
        using var pipeline = Pipeline.Parse(
            "videotestsrc name=src num-buffers=3 ! video/x-raw,width=64,height=48 ! identity name=id ! jpegenc ! appsink name=tap");
        using var src = pipeline.GetElement("src")!;
        using var counter = src.AddBufferProbe("src");
        using var identity = pipeline.GetElement("id")!;
        using var handoff = identity.ConnectSignal("handoff", () => { });
        using var tap = pipeline.GetAppSink("tap");
        await using var reader = pipeline.CreateBusReader();
        Assert.NotEqual(StateChangeResult.Failure, pipeline.SetState(PipelineState.Playing));
        // Drain: appsink holds EOS back until its queue is empty; null means EOS reached the sink.
        var pulled = 0;
        while (tap.TryPullSample(WaitLimit) is { } sample)
        {
            sample.Dispose();
            pulled++;
        }

        Assert.Equal(3, pulled);

        AssertEos(await ReadUntilAsync(reader, m => m.Type is BusMessageType.EndOfStream or BusMessageType.Error));
        Assert.Equal(3, counter.Buffers);
    }

    private static int OpenFileDescriptors() => Directory.GetFileSystemEntries("/proc/self/fd").Length;
}

using KvsEdge.Gstreamer;

namespace KvsEdge.IntegrationTests.Gstreamer;

/// <summary>
/// All GStreamer tests share one collection run without parallelism: the leak test compares process-wide
/// handle and file-descriptor counts against a baseline.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GstreamerTestGroup
{
    public const string Name = "Gstreamer";
}

internal static class GstTestSupport
{
    /// <summary>
    /// Whether GStreamer's own tool finds <paramref name="element"/> (`gst-inspect-1.0 --exists`): an oracle independent of
    /// Gst.HasElement, so tests about optional plugins (kvssink) assert the right behaviour on machines with and without them.
    /// </summary>
    internal static bool GstInspectFinds(string element)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("gst-inspect-1.0", ["--exists", element])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    internal static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    /// <summary>Reads bus messages until one matches; returns everything seen. Bounded by <paramref name="timeout"/>, no sleeps.</summary>
    internal static async Task<List<BusMessage>> ReadUntilAsync(BusReader reader, Func<BusMessage, bool> stop, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? WaitLimit);
        var seen = new List<BusMessage>();
        try
        {
            await foreach (var message in reader.Messages.ReadAllAsync(cts.Token))
            {
                seen.Add(message);
                if (stop(message))
                {
                    return seen;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new TimeoutException("Expected bus message not seen. Seen: " + string.Join(" | ", seen));
    }

    internal static Task<List<BusMessage>> RunToEndAsync(Pipeline pipeline, BusReader reader)
    {
        Assert.NotEqual(StateChangeResult.Failure, pipeline.SetState(PipelineState.Playing));
        return ReadUntilAsync(reader, m => m.Type is BusMessageType.EndOfStream or BusMessageType.Error);
    }

    internal static void AssertEos(List<BusMessage> seen)
    {
        var last = seen[^1];
        Assert.True(last.Type == BusMessageType.EndOfStream, $"Expected EOS, got {last}");
    }

    internal static string TempPath(string extension) =>
        Path.Combine(Path.GetTempPath(), "kvsedge-gst-" + Guid.NewGuid().ToString("N")[..8] + extension);
}

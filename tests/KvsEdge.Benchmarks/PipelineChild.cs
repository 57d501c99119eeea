using System.Diagnostics;
using System.Globalization;
using KvsEdge.Gstreamer;

namespace KvsEdge.Benchmarks;

/// <summary>
/// `pipeline-child SECONDS DESCRIPTION`: the KvsEdge side of the pipeline bench, run as its own process so its CPU
/// time and peak RSS can be measured like gst-launch's. It does what the camera supervisor does: initialise,
/// parse, count buffers on counter's src pad, PLAYING, read the bus until EOS (an Error fails), NULL, dispose.
/// Prints one line: "frames=N startup_cpu_ms=M" (M = this process's CPU time when the command started, i.e. the
/// .NET runtime start-up and JIT up to here, reported separately by the bench for information).
/// Exit codes: 0 EOS, 1 error or timeout, 64 bad usage.
/// </summary>
internal static class PipelineChild
{
    public const string CounterName = "counter";

    public static async Task<int> RunAsync(string[] args)
    {
        double startupCpuMs = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
        if (args.Length != 2 || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out int seconds) || seconds < 1)
        {
            await Console.Error.WriteLineAsync("usage: KvsEdge.Benchmarks pipeline-child SECONDS DESCRIPTION");
            return 64;
        }

        try
        {
            Gst.Initialize();
            using Pipeline pipeline = Pipeline.Parse(args[1]);
            using Element counterElement = pipeline.GetElement(CounterName)
                ?? throw new GstreamerException($"the pipeline has no element named '{CounterName}'");
            using BufferCounter counter = pipeline.AddBufferProbe(counterElement, "src");
            BusMessage last;
            await using (BusReader reader = pipeline.CreateBusReader())
            {
                if (pipeline.SetState(PipelineState.Playing) == StateChangeResult.Failure)
                {
                    await Console.Error.WriteLineAsync("pipeline-child: could not set the pipeline to PLAYING");
                    return 1;
                }

                last = await ReadUntilEndAsync(reader, TimeSpan.FromSeconds(seconds));
            }

            pipeline.SetState(PipelineState.Null);
            if (last.Type == BusMessageType.Error)
            {
                await Console.Error.WriteLineAsync($"pipeline-child: ERROR from {last.SourceName}: {last.Text} ({last.DebugInfo})");
                return 1;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"frames={counter.Buffers} startup_cpu_ms={startupCpuMs:0}"));
            return 0;
        }
        catch (Exception ex) when (ex is GstreamerException or TimeoutException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync("pipeline-child: " + ex.Message);
            return 1;
        }
    }

    private static async Task<BusMessage> ReadUntilEndAsync(BusReader reader, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (BusMessage message in reader.Messages.ReadAllAsync(cts.Token))
            {
                if (message.Type is BusMessageType.EndOfStream or BusMessageType.Error)
                {
                    return message;
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"no EOS or error within {timeout.TotalSeconds:0} s"));
        }

        throw new InvalidOperationException("the bus reader stopped before EOS");
    }
}

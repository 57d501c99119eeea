using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using Amazon.Runtime;
using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Aws;
using KvsEdge.Camera;
using KvsEdge.Demo;
using KvsEdge.Door;
using KvsEdge.Gstreamer;
using KvsEdge.Recognition;
using KvsEdge.Status;
using KvsEdge.Triggers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static System.FormattableString;

namespace KvsEdge.Benchmarks;

internal sealed record ImageApiBenchOptions(int Triggers, int Width, int Height, int Seed)
{
    public static bool TryParse(ReadOnlySpan<string> args, [NotNullWhen(true)] out ImageApiBenchOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        error = null;
        int triggers = 200;
        int width = 1280;
        int height = 720;
        int seed = Random.Shared.Next();
        if (!BenchArguments.TryParse(args, (name, value) => name switch
            {
                "--triggers" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out triggers) && triggers >= 20,
                "--width" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out width) && width is >= 160 and <= 1920,
                "--height" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out height) && height is >= 120 and <= 1080,
                "--seed" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out seed),
                _ => false,
            }, out error))
        {
            return false;
        }

        options = new ImageApiBenchOptions(triggers, width, height, seed);
        return true;
    }
}

/// <summary>
/// Trigger edge → SearchFacesByImage request on the wire, in-process with the real parts: the camera supervisor on the
/// test pattern (x264enc running, JPEG tap 640x480 at 2 fps as configured by default), the frame tap, the image-API
/// source as a running service, the real RekognitionClient (SigV4) and the loopback stand-in (network excluded).
/// The edge is the trigger's timestamp; "on the wire" is when the stand-in accepted the request (headers read).
/// </summary>
internal static class ImageApiBench
{
    private static readonly (int Min, int Max) GapMs = (150, 450);
    private const int WarmUp = 10;

    public static async Task<int> RunAsync(ImageApiBenchOptions options, CancellationToken cancellationToken)
    {
        Gst.Initialize();
        TimeProvider time = TimeProvider.System;
        string state = Directory.CreateTempSubdirectory("kvsedge-imageapi-bench-").FullName;
        var status = new NullStatus();
        await using var standIn = new RekognitionStandIn([StandInAnswer.Unknown()]);
        using var tap = new FrameTap(time);
        var camera = new CameraOptions
        {
            Source = CameraOptions.TestSource,
            Width = options.Width,
            Height = options.Height,
            Framerate = 30,
            Sinks = [CameraOptions.NoSink],
        };
        using var supervisor = new PipelineSupervisor(Options.Create(camera), new CameraStatusPublisher(status), tap, time, NullLogger<PipelineSupervisor>.Instance);
        using var client = new RekognitionClient(new AwsClientOptions
        {
            Region = "eu-west-1",
            ServiceUrl = standIn.Url,
            Credentials = new BasicAWSCredentials("AKIDBENCH", "bench-secret"),
        });
        var access = new AccessOptions();
        access.People["alice"] = new PersonOptions();
        using var executor = new DecisionExecutor(new AccessPolicy(access), new NullDoor(), status, new GrantLedger(state), time, NullLogger<DecisionExecutor>.Instance);
        var triggers = new TriggerChannel(time);
        var recognition = new RecognitionOptions { Source = RecognitionSources.ImageApi, ImageApi = { CollectionId = "bench", MaxCallsPerMinute = 100_000, MaxCallsPerDay = 1_000_000 } };
        using var source = new ImageApiFaceMatchSource(
            Options.Create(recognition), client, tap, triggers, executor, new RecognitionStatusReporter(status, time),
            new ImageApiBudget(100_000, 1_000_000, time, stateDirectory: null), time, NullLogger<ImageApiFaceMatchSource>.Instance);

        Console.WriteLine(Invariant($"KvsEdge image-API bench: {options.Triggers} triggers, gaps {GapMs.Min}-{GapMs.Max} ms (seed {options.Seed}), camera test pattern {options.Width}x{options.Height}@30 → x264enc, tap {camera.FrameTap.Width}x{camera.FrameTap.Height}@{camera.FrameTap.Rate}"));
        await supervisor.StartAsync(cancellationToken);
        await source.StartAsync(cancellationToken);
        try
        {
            using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                limit.CancelAfter(TimeSpan.FromSeconds(30));
                while (await tap.TryGetFrameAsync(TimeSpan.FromSeconds(1), limit.Token) is null)
                {
                }
            }

            var random = new Random(options.Seed); // not security: reproducible gaps
            var latencies = new List<double>(options.Triggers);
            var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < WarmUp + options.Triggers; i++)
            {
                await Task.Delay(random.Next(GapMs.Min, GapMs.Max + 1), cancellationToken);
                var ended = new TaskCompletionSource<ImageApiSearchEnded>(TaskCreationOptions.RunContinuationsAsynchronously);
                void OnEnded(object? sender, ImageApiSearchEnded e) => ended.TrySetResult(e);
                source.SearchEnded += OnEnded;
                int callsBefore = standIn.Calls;
                Trigger trigger = triggers.Fire(TriggerKinds.Manual, "bench");
                ImageApiSearchEnded result = await ended.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                source.SearchEnded -= OnEnded;
                outcomes[result.Outcome] = outcomes.GetValueOrDefault(result.Outcome) + 1;
                if (i < WarmUp)
                {
                    continue;
                }

                if (standIn.Calls != callsBefore + 1)
                {
                    throw new BenchException($"trigger {i}: expected one SearchFacesByImage call, saw {standIn.Calls - callsBefore} ({result.Outcome})");
                }

                latencies.Add(Stopwatch.GetElapsedTime(trigger.Timestamp, standIn.LastRequestArrived).TotalMilliseconds);
            }

            Stats s = Stats.Of(latencies)!;
            Console.WriteLine();
            Console.WriteLine("== KvsEdge image API: trigger edge -> SearchFacesByImage request on the wire (ms) ==");
            Console.WriteLine(Invariant($"machine: {Environment.ProcessorCount} CPUs, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}"));
            Console.WriteLine(Invariant($"outcomes: {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}"))} (first {WarmUp} are warm-up, not measured)"));
            Console.WriteLine(Invariant($"{"",-10}{"count",7}{"p50",8}{"p90",8}{"p99",8}{"max",8}{"min",8}{"mean",8}"));
            Console.WriteLine(Invariant($"{"kvsedge",-10}{s.Count,7}{Stats.Ms(s.P50),8}{Stats.Ms(s.P90),8}{Stats.Ms(s.P99),8}{Stats.Ms(s.Max),8}{Stats.Ms(s.Min),8}{Stats.Ms(s.Mean),8}"));
            Console.WriteLine(s.P99 <= 100 ? "target p99 <= 100 ms: met" : Invariant($"target p99 <= 100 ms: MISSED ({Stats.Ms(s.P99)} ms)"));
            return 0;
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
            await supervisor.StopAsync(CancellationToken.None);
            Directory.Delete(state, recursive: true);
        }
    }

    private sealed class NullDoor : IDoor
    {
        public DoorState State => DoorState.Locked;

        public event EventHandler<DoorState>? StateChanged
        {
            add { }
            remove { }
        }

        public Task<bool> UnlockAsync(CancellationToken cancellationToken) => Task.FromResult(false);

        public void SignalDenied()
        {
        }
    }

    private sealed class NullStatus : IStatusPublisher
    {
        public void PublishDoor(DoorState state)
        {
        }

        public void PublishRecognition(RecognitionStatus status)
        {
        }

        public void PublishEvent(Decision decision)
        {
        }

        public void PublishDoorEvent(KvsEdge.Door.DoorEvent doorEvent)
        {
        }

        public void PublishState(string subtopic, string payload)
        {
        }
    }
}

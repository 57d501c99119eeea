using System.Globalization;
using Amazon.Runtime;
using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Aws;
using KvsEdge.Camera;
using KvsEdge.Common;
using KvsEdge.Demo;
using KvsEdge.Door;
using KvsEdge.Hosting;
using KvsEdge.Recognition;
using KvsEdge.Status;
using KvsEdge.Triggers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KvsEdge.Cli;

/// <summary>
/// `kvsedge demo`: the real appliance loop with a replayed record file, the simulated GPIO driver and, unless a
/// broker is configured, an embedded MQTT broker. Needs no camera, AWS account or GPIO chip.
/// </summary>
public static class DemoRunner
{
    public const int DefaultBrokerPort = 1883;

    /// <summary>Region the demo's dummy-credential Rekognition client signs for (the stand-in does not check it).</summary>
    public const string ImageApiDemoRegion = "eu-west-1";

    /// <param name="imageApi">
    /// Run the image-API path instead of the replay: the test pattern is the camera, a timer and any key press are the
    /// triggers, and a loopback Rekognition stand-in answers SearchFacesByImage from a script.
    /// </param>
    /// <param name="photo">With <paramref name="imageApi"/>: the camera plays this photo and the on-device face detector runs.</param>
    public static async Task<int> RunAsync(string? configFile, bool once, CancellationToken cancellationToken, bool imageApi = false, string? photo = null)
    {
        string? model = null;
        if (photo is not null)
        {
            if (!imageApi)
            {
                Console.Error.WriteLine("--photo needs --image-api: the face detector decides which frames are worth a SearchFacesByImage call.");
                return ExitCodes.Usage;
            }

            if (!File.Exists(photo))
            {
                Console.Error.WriteLine($"--photo: {photo} does not exist or cannot be read.");
                return ExitCodes.Failure;
            }

            model = VisionCommands.ResolveModel(null, configFile);
            if (!File.Exists(model))
            {
                Console.Error.WriteLine(
                    $"--photo needs the face detector model, not found at {model}: run scripts/fetch-models.sh in the repository "
                    + "(or install the package, which carries it), or set Vision:ModelPath.");
                return ExitCodes.Config;
            }
        }

        IConfigurationRoot user;
        try
        {
            user = KvsEdgeConfiguration.BuildUserConfiguration(configFile);
        }
        catch (Exception ex) when (ConfigurationErrors.TryReport(ex, Console.Error))
        {
            return ExitCodes.Config;
        }

        // A fresh state directory each run: the records are re-timed to now, and an old ledger would only confuse them.
        string stateDirectory = Path.Combine(Path.GetTempPath(), $"kvsedge-demo-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Device:Id"] = user["Device:Id"] ?? "demo",
            ["Device:StateDirectory"] = stateDirectory,
            ["Recognition:Source"] = RecognitionSources.Replay,
            ["Door:Driver"] = "simulated",
            // A simulated door contact (pin 5 as in hardware/), idle low = closed; DemoDoorVisitor opens and closes it.
            ["Door:Inputs:Contact:Pin"] = user["Door:Inputs:Contact:Pin"] ?? "5",
            ["Door:Inputs:Contact:Pull"] = user["Door:Inputs:Contact:Pull"] ?? "down",
            // The live view shows decisions and relay changes; the log adds only errors unless asked for more.
            ["Logging:LogLevel:Default"] = user["Logging:LogLevel:Default"] ?? "Error",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = user["Logging:LogLevel:Microsoft.Hosting.Lifetime"] ?? "Error",
        };
        if (once)
        {
            overrides["Recognition:Replay:Loop"] = "false";
        }

        // The image-API demo needs no AWS account: a loopback stand-in speaks SearchFacesByImage's wire format, and only
        // the client pointed at it gets dummy credentials (the process's own AWS settings are untouched).
        await using RekognitionStandIn? standIn = imageApi ? new RekognitionStandIn() : null;
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? configureServices = null;
        if (standIn is not null)
        {
            overrides["Recognition:Source"] = RecognitionSources.ImageApi;
            overrides["Recognition:ImageApi:CollectionId"] = user["Recognition:ImageApi:CollectionId"] ?? "kvsedge-demo";
            overrides["Triggers:Interval"] = user["Triggers:Interval"] ?? "00:00:04";
            overrides["Camera:FrameTap:Enabled"] = "true";
            overrides["Aws:Endpoints:Rekognition"] = standIn.Url.ToString();
            var client = new AwsClientOptions
            {
                Region = ImageApiDemoRegion,
                ServiceUrl = standIn.Url,
                Credentials = new BasicAWSCredentials("KVSEDGEDEMO", "demo-secret-not-a-real-key"),
            };
            configureServices = services => services.AddSingleton(_ => new RekognitionClient(client));
        }

        // The camera: a test pattern (or the --photo, looped as a live camera) into the local recording ring (no camera,
        // no kvssink), small enough for any board.
        overrides["Camera:Source"] = photo is null ? "test" : "file";
        if (photo is not null)
        {
            overrides["Camera:File"] = photo;
            overrides["Vision:Enabled"] = "true";
            overrides["Vision:ModelPath"] = model;
            // Each face the detector sees is a line in the live view.
            overrides["Logging:LogLevel:KvsEdge.Vision.VisionService"] = user["Logging:LogLevel:KvsEdge.Vision.VisionService"] ?? "Information";
        }

        overrides["Camera:Sinks:0"] = "record";
        overrides["Camera:Record:Directory"] = Path.Combine(stateDirectory, "recordings");
        overrides["Camera:Width"] = user["Camera:Width"] ?? "640";
        overrides["Camera:Height"] = user["Camera:Height"] ?? "360";
        overrides["Camera:Framerate"] = user["Camera:Framerate"] ?? "15";
        overrides["Camera:Record:SegmentDuration"] = user["Camera:Record:SegmentDuration"] ?? "00:00:10";
        overrides["Camera:Record:MaxSegments"] = user["Camera:Record:MaxSegments"] ?? "6";

        if (!user.GetSection("Access:People").GetChildren().Any())
        {
            // The bundled records show alice (allowed), mallory (known to the collection, not allowed) and strangers.
            overrides["Access:People:alice:MinSimilarity"] = "90";
        }

        // A broker named in the configuration (its host, or only its port on the default host) is used as is, as
        // `kvsedge run` would; otherwise the demo brings its own.
        EmbeddedBroker? broker = null;
        if (string.IsNullOrEmpty(user["Mqtt:Host"]) && string.IsNullOrEmpty(user["Mqtt:Port"]))
        {
            broker = await StartBrokerAsync(cancellationToken).ConfigureAwait(false);
            overrides["Mqtt:Host"] = broker.Host;
            overrides["Mqtt:Port"] = broker.Port.ToString(CultureInfo.InvariantCulture);
        }

        try
        {
            IHost? host = HostRunner.TryBuild(configFile, overrides, Console.Error, configureServices);
            if (host is null)
            {
                return ExitCodes.Config;
            }

            using (host)
            {
                var view = new DemoConsoleView(
                    host.Services.GetRequiredService<DecisionExecutor>(),
                    host.Services.GetRequiredService<IDoor>(),
                    host.Services.GetRequiredService<IOptions<DoorOptions>>().Value,
                    host.Services.GetRequiredService<PipelineSupervisor>());
                view.ShowDoorInputs(host.Services.GetRequiredService<DoorInputMonitor>());
                using var visitor = new DemoDoorVisitor(
                    host.Services.GetRequiredService<IDoor>(),
                    host.Services.GetRequiredService<GpioDriverHolder>().Simulated!,
                    host.Services.GetRequiredService<IOptions<DoorOptions>>().Value.Inputs.Contact,
                    host.Services.GetRequiredService<TimeProvider>());
                TaskCompletionSource scriptDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
                if (standIn is not null)
                {
                    var triggers = host.Services.GetRequiredService<TriggerChannel>();
                    view.RecognitionText = photo is null
                        ? $"image API: test pattern frames → SearchFacesByImage on a local stand-in ({standIn.Url}); triggers: a timer and any key. "
                            + "Add --photo FILE (a face photo) to see on-device face detection: it needs the model from scripts/fetch-models.sh or the package"
                        : $"image API: {Path.GetFileName(photo)} as the camera; the on-device face detector picks the frames, one face crop per call → SearchFacesByImage on a local stand-in ({standIn.Url}); triggers: faces, a timer and any key";
                    view.ShowImageApi(triggers, standIn);
                    host.Services.GetRequiredService<ImageApiFaceMatchSource>().SearchEnded += (_, _) =>
                    {
                        if (standIn.Calls >= RekognitionStandIn.DemoScript.Count)
                        {
                            scriptDone.TrySetResult();
                        }
                    };
                    StartKeyTrigger(triggers);
                }

                // The banner shows the broker the host actually connects to (the bound options, not the raw keys).
                MqttOptions mqtt = host.Services.GetRequiredService<IOptions<MqttOptions>>().Value;
                string prefix = mqtt.EffectiveTopicPrefix(host.Services.GetRequiredService<IOptions<DeviceOptions>>().Value);
                string brokerText = broker is not null ? $"embedded broker on {broker.Host}:{broker.Port}" : $"broker {mqtt.Host}:{mqtt.Port}";
                view.WriteHeader(brokerText, prefix, mqtt.Enabled ? mqtt.Host : null, mqtt.Port, overrides["Camera:Record:Directory"]!);

                await host.StartAsync(cancellationToken).ConfigureAwait(false);
                if (once)
                {
                    if (standIn is not null)
                    {
                        await scriptDone.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await host.Services.GetRequiredService<ReplayFaceMatchSource>().Completion.ConfigureAwait(false);
                    }

                    await view.WaitUntilLockedAsync().ConfigureAwait(false);
                    await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
                    view.WriteSummary();
                    return view.Count(DecisionKind.Granted) > 0 ? ExitCodes.Ok : ExitCodes.Failure;
                }

                await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
                view.WriteSummary();
            }
        }
        finally
        {
            if (broker is not null)
            {
                await broker.DisposeAsync().ConfigureAwait(false);
            }

            TryDelete(stateDirectory);
        }

        return ExitCodes.Ok;
    }

    /// <summary>Any key (but Ctrl+C) is a trigger, when the demo runs in a terminal.</summary>
    private static void StartKeyTrigger(TriggerChannel triggers)
    {
        if (Console.IsInputRedirected)
        {
            return;
        }

        // ReadKey blocks: a background thread that dies with the process.
        var thread = new Thread(() =>
        {
            while (true)
            {
                Console.ReadKey(intercept: true);
                triggers.Fire(TriggerKinds.Manual, "key press");
            }
        })
        { IsBackground = true, Name = "demo-key-trigger" };
        thread.Start();
    }

    /// <summary>The usual MQTT port if it is free (so `mosquitto_sub` works as is), else any free port.</summary>
    private static async Task<EmbeddedBroker> StartBrokerAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await EmbeddedBroker.StartAsync(DefaultBrokerPort, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException || ex.InnerException is System.Net.Sockets.SocketException)
        {
            return await EmbeddedBroker.StartAsync(0, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it lives under /tmp.
        }
    }
}

using KvsEdge.Common;
using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Camera;
using KvsEdge.Cloud;
using KvsEdge.Door;
using KvsEdge.Iot;
using KvsEdge.Recognition;
using KvsEdge.Snapshots;
using KvsEdge.Status;
using KvsEdge.Systemd;
using KvsEdge.Triggers;
using KvsEdge.Vision;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Hosting;

/// <summary>Composition root shared by `run` and `demo`.</summary>
public static class KvsEdgeHost
{
    /// <param name="configureServices">Runs after the appliance's registrations (the demo swaps in its local Rekognition client).</param>
    public static HostApplicationBuilder CreateBuilder(
        string? configFile, IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings
        {
            // Defaults would add every unprefixed environment variable and the working directory's files.
            DisableDefaults = true,
            ContentRootPath = AppContext.BaseDirectory,
        });
        var reloadErrors = new ConfigurationReloadErrors();
        builder.Configuration.AddKvsEdgeSources(configFile, overrides, reloadErrors);
        builder.Services.AddSingleton(reloadErrors);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        // Journal-friendly logs under systemd; notifications (READY, WATCHDOG, STOPPING) are our own SystemdNotifier.
        builder.Logging.AddJournalFormattingUnderSystemd();
        AddKvsEdge(builder.Services, builder.Configuration);
        configureServices?.Invoke(builder.Services);
        return builder;
    }

    public static void AddKvsEdge(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        AddOptions(services, configuration);

        // Registration order is start order. The door comes first: its StartAsync opens the relay line at its
        // inactive level before anything else runs. Options are validated (ValidateOnStart) before any of this.
        services.AddDoor();
        services.AddSingleton(FaultPoint.FromEnvironment());
        services.AddSingleton<IValidateOptions<DoorOptions>, FaultPointValidator>();

        // Right after the door started: what `door lock` drives if the configuration is unreadable after a crash.
        services.AddHostedService(sp => new LastKnownRelayRecorder(
            sp.GetRequiredService<IOptions<DoorOptions>>(),
            sp.GetRequiredService<IOptions<DeviceOptions>>().Value.StateDirectory,
            sp.GetRequiredService<ILogger<LastKnownRelayRecorder>>()));

        services.AddMqttStatus(configuration);
        // Discovery with the issue 14 extras (AddHomeAssistantDiscovery's TryAdd then keeps this registration).
        services.AddSingleton(sp =>
        {
            var discovery = ActivatorUtilities.CreateInstance<HomeAssistantDiscoveryPublisher>(sp);
            discovery.UseExtras(sp.GetRequiredService<DiscoveryExtras>());
            return discovery;
        });
        services.AddHomeAssistantDiscovery(configuration);

        services.AddSingleton(sp => new AccessPolicy(sp.GetRequiredService<IOptions<AccessOptions>>().Value));
        services.AddSingleton(sp => new GrantLedger(sp.GetRequiredService<IOptions<DeviceOptions>>().Value.StateDirectory));
        // Decision snapshots: written by their own loop, never on the decision's path; the latest goes to `<prefix>/snapshot`.
        services.AddSingleton(sp => new SnapshotWriter(
            sp.GetRequiredService<IOptions<SnapshotOptions>>().Value,
            sp.GetRequiredService<IOptions<DeviceOptions>>().Value.StateDirectory,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SnapshotWriter>>()));
        services.AddHostedService(sp => sp.GetRequiredService<SnapshotWriter>());
        services.AddSingleton(sp => new SnapshotPublisher(
            sp.GetRequiredService<SnapshotWriter>(), sp.GetRequiredService<MqttBrokerConnection>(), sp.GetRequiredService<MqttStatusPublisher>().TopicPrefix));
        services.AddSingleton<DecisionExecutor>(sp =>
        {
            sp.GetRequiredService<SnapshotPublisher>(); // listening before the first snapshot
            return ActivatorUtilities.CreateInstance<DecisionExecutor>(sp);
        });
        services.AddSingleton<FaceSearchRecordHandler>();
        services.AddSingleton<RecognitionStatusReporter>();
        services.AddHostedService<AccessStartup>();
        // After the ledger is restored: a changed `Access` section swaps the rules inside the one policy.
        services.AddSingleton<AccessRulesReloader>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessRulesReloader>());
        // AWS IoT Core (Iot:Enabled): the config shadow amends the Access rules above, the status shadow mirrors status.
        services.AddIotCore(configuration);
        // The `sync-faces` job indexes from where `faces add` last did, into the collection `faces add` fills.
        services.TryAddSingleton(sp => new FaceSyncJob(new FaceSync(
            sp.GetRequiredService<AwsClientFactory>(),
            AwsRetry.Default,
            configuration[$"{CloudOptions.SectionName}:{nameof(CloudOptions.CollectionId)}"] ?? new CloudOptions().CollectionId,
            sp.GetRequiredService<IOptions<AccessOptions>>().Value.IdSeparators,
            sp.GetRequiredService<IOptions<DeviceOptions>>().Value.StateDirectory,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<FaceSync>()).SyncAsync));

        // Home Assistant extras: presence per allowed person (follows access-rule reloads) and the board's diagnostics.
        services.AddSingleton(_ => new BoardSensors());
        services.AddSingleton(sp =>
        {
            BoardSensors board = sp.GetRequiredService<BoardSensors>();
            var extras = new DiscoveryExtras
            {
                Snapshot = sp.GetRequiredService<IOptions<SnapshotOptions>>().Value.Enabled,
                CpuTemperature = board.HasTemperature,
                Throttling = board.HasThrottling,
            };
            extras.SetPeople(sp.GetRequiredService<AccessPolicy>().People);
            return extras;
        });
        services.AddSingleton(sp => new PresencePublisher(
            sp.GetRequiredService<IStatusPublisher>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<DiscoveryExtras>(),
            sp.GetRequiredService<IOptions<MqttOptions>>().Value.Discovery.PresenceHold));
        services.AddHostedService<HomeAssistantExtrasStartup>();
        services.AddHostedService(sp => new BoardSensorsPublisher(
            sp.GetRequiredService<BoardSensors>(), sp.GetRequiredService<IStatusPublisher>(), sp.GetRequiredService<TimeProvider>()));

        // READY=1 waits for ApplicationStarted, i.e. for every hosted service (the door's relay first), wherever this is.
        services.AddSystemdNotify();

        // The loops the watchdog watches: recognition, MQTT, the camera supervisor and the door's relay.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoopProgress, RecognitionLoopProgress>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoopProgress, MqttLoopProgress>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoopProgress, CameraLoopProgress>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoopProgress, DoorLoopProgress>());

        // The camera runs beside the door path, never in front of it: its ExecuteAsync yields before any native call.
        services.AddSingleton<FrameTap>();
        services.AddSingleton<IJpegFrameSource>(sp => sp.GetRequiredService<FrameTap>());
        // Frame branches are registrations (this JPEG tap, Triggers' motion tap, ...), added to the pipeline in this order.
        if (configuration.GetValue($"{CameraOptions.SectionName}:FrameTap:Enabled", true))
        {
            services.AddSingleton(sp => new FrameBranchRegistration(
                FrameBranch.Jpeg(sp.GetRequiredService<IOptions<CameraOptions>>().Value.FrameTap), sp.GetRequiredService<FrameTap>()));
        }

        services.AddSingleton(sp => new PipelineSupervisor(
            sp.GetRequiredService<IOptions<CameraOptions>>().Value,
            new CameraStatusPublisher(sp.GetRequiredService<IStatusPublisher>()),
            sp.GetServices<FrameBranchRegistration>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<PipelineSupervisor>>(),
            sp.GetRequiredService<FaultPoint>().IsArmed(FaultPoint.CameraStall)
                ? PipelineSupervisor.StalledSourcePlan
                : (Func<CameraOptions, PipelineBuildRequest, PipelineDescription>?)null));
        services.AddHostedService(sp => sp.GetRequiredService<PipelineSupervisor>());

        // `kinesis`, `image-api`, `replay`, or several (`kinesis,image-api`): each runs beside the others through the
        // same executor, so one policy, one ledger and one door decide for all of them.
        IReadOnlyList<string> sources = RecognitionOptions.ParseSources(configuration[$"{RecognitionOptions.SectionName}:Source"]);
        if (sources.Contains(RecognitionSources.Replay))
        {
            services.AddSingleton<ReplayFaceMatchSource>();
            services.AddHostedService(sp => sp.GetRequiredService<ReplayFaceMatchSource>());
        }

        if (sources.Contains(RecognitionSources.Kinesis))
        {
            services.AddSingleton(sp => sp.GetRequiredService<AwsClientFactory>().CreateKinesis());
            services.AddHostedService<KinesisFaceMatchSource>();
        }

        if (sources.Contains(RecognitionSources.ImageApi))
        {
            AddImageApi(services, configuration);
        }

        // Last: its branches come after the others in the pipeline, and it starts after the source that reads its triggers.
        services.AddVision(configuration, VisionDetectors.Load, VisionDetectors.DefaultModelPaths());
    }

    private static void AddImageApi(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IValidateOptions<RecognitionOptions>, ImageApiPrerequisitesValidator>();
        services.TryAddSingleton(sp => sp.GetRequiredService<AwsClientFactory>().CreateRekognition());
        services.AddSingleton(sp =>
        {
            ImageApiSourceOptions o = sp.GetRequiredService<IOptions<RecognitionOptions>>().Value.ImageApi;
            return new ImageApiBudget(
                o.MaxCallsPerMinute, o.MaxCallsPerDay, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<DeviceOptions>>().Value.StateDirectory);
        });
        services.AddLocalRecognition(configuration);
        services.AddSingleton<ImageApiFaceMatchSource>();
        services.AddHostedService(sp => sp.GetRequiredService<ImageApiFaceMatchSource>());
        // Trigger sources start after the source that reads them.
        services.AddTriggers(configuration);
    }

    private static void AddOptions(IServiceCollection services, IConfiguration configuration)
    {
        services.AddConfigurationSchemaCheck(configuration);
        services.AddValidatedOptions<DeviceOptions, DeviceOptionsValidator>(configuration, DeviceOptions.SectionName, static (c, o, b) => c.Bind(o, b));
        services.AddValidatedOptions<AwsOptions>(configuration, AwsOptions.SectionName, static (c, o, b) => c.Bind(o, b));
        services.AddSingleton(sp => new AwsClientFactory(sp.GetRequiredService<IOptions<AwsOptions>>().Value));
        services.AddValidatedOptions<RecognitionOptions, RecognitionOptionsValidator>(configuration, RecognitionOptions.SectionName, static (c, o, b) => c.Bind(o, b))
            // The image API searches the collection `kvsedge cloud up` and `faces add` fill, unless told otherwise.
            .PostConfigure(o => o.ImageApi.CollectionId ??= configuration[$"{CloudOptions.SectionName}:{nameof(CloudOptions.CollectionId)}"] ?? new CloudOptions().CollectionId);
        services.AddSingleton<IValidateOptions<RecognitionOptions>, ReplayNeedsSimulatedDoorValidator>();
        services.AddValidatedOptions<AccessOptions, AccessOptionsValidator>(configuration, AccessOptions.SectionName, static (c, o, b) => c.Bind(o, b));
        services.AddValidatedOptions<SnapshotOptions, SnapshotOptionsValidator>(configuration, SnapshotOptions.SectionName, static (c, o, b) => c.Bind(o, b));
        services.AddValidatedOptions<CameraOptions, CameraOptionsValidator>(configuration, CameraOptions.SectionName, static (c, o, b) => c.Bind(o, b));

        // Whatever the source: a GPIO trigger may never share a line with the relay or an LED (AddTriggers adds the rest).
        services.AddValidatedOptions<TriggerOptions, TriggerDoorPinsValidator>(configuration, TriggerOptions.SectionName, static (c, o, b) => c.Bind(o, b));
    }
}

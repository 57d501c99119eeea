using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Cloud;
using KvsEdge.Camera;
using KvsEdge.Door;
using KvsEdge.Recognition;
using KvsEdge.Status;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Hosting;

/// <summary>Composition root shared by `run` and `demo`.</summary>
public static class KvsEdgeHost
{
    public static HostApplicationBuilder CreateBuilder(string? configFile, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings
        {
            // Defaults would add every unprefixed environment variable and the working directory's files.
            DisableDefaults = true,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddKvsEdgeSources(configFile, overrides);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        builder.Services.AddSystemd(); // READY=1/STOPPING=1 and journal-friendly logs when run by systemd
        AddKvsEdge(builder.Services, builder.Configuration);
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

        services.AddMqttStatus(configuration);

        services.AddSingleton(sp => new AccessPolicy(sp.GetRequiredService<IOptions<AccessOptions>>().Value));
        services.AddSingleton(sp => new GrantLedger(sp.GetRequiredService<IOptions<DeviceOptions>>().Value.StateDirectory));
        services.AddSingleton<DecisionExecutor>();
        services.AddSingleton<FaceSearchRecordHandler>();
        services.AddSingleton<RecognitionStatusReporter>();
        services.AddHostedService<AccessStartup>();

        // The camera runs beside the door path, never in front of it: its ExecuteAsync yields before any native call.
        services.AddSingleton<FrameTap>();
        services.AddSingleton<PipelineSupervisor>();
        services.AddHostedService(sp => sp.GetRequiredService<PipelineSupervisor>());

        string source = configuration[$"{RecognitionOptions.SectionName}:Source"] ?? RecognitionSources.Kinesis;
        if (string.Equals(source, RecognitionSources.Replay, StringComparison.Ordinal))
        {
            services.AddSingleton<ReplayFaceMatchSource>();
            services.AddHostedService(sp => sp.GetRequiredService<ReplayFaceMatchSource>());
        }
        else if (string.Equals(source, RecognitionSources.Kinesis, StringComparison.Ordinal))
        {
            services.AddSingleton(sp => sp.GetRequiredService<AwsClientFactory>().CreateKinesis());
            services.AddHostedService<KinesisFaceMatchSource>();
        }
    }

    private static void AddOptions(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DeviceOptions>().Bind(configuration.GetSection(DeviceOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeviceOptions>, DeviceOptionsValidator>();
        services.AddOptions<AwsOptions>().Bind(configuration.GetSection(AwsOptions.SectionName)).ValidateOnStart();
        services.AddSingleton(sp => new AwsClientFactory(sp.GetRequiredService<IOptions<AwsOptions>>().Value));
        services.AddOptions<RecognitionOptions>().Bind(configuration.GetSection(RecognitionOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RecognitionOptions>, RecognitionOptionsValidator>();
        services.AddOptions<AccessOptions>().Bind(configuration.GetSection(AccessOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AccessOptions>, AccessOptionsValidator>();
        services.AddOptions<CameraOptions>().Bind(configuration.GetSection(CameraOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CameraOptions>, CameraOptionsValidator>();
    }
}

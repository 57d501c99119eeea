using KvsEdge.Camera;
using KvsEdge.Common;
using KvsEdge.Status;
using KvsEdge.Systemd;
using KvsEdge.Triggers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Vision;

/// <summary>The vision loop's watchdog bound: one frame wait, one delay, one detection with its crops.</summary>
public sealed class VisionLoopProgress(VisionService service) : ILoopProgress
{
    public string Name => "vision";

    public bool IsActive => service.ExecuteTask is { IsCompleted: false };

    public long LastProgressTimestamp => service.LastProgressTimestamp;

    // A frame wait (1 s), the idle delay (1 s), a detection and a few crops (2 s each at most), then systemd's grace.
    public TimeSpan StallAfter { get; } = TimeSpan.FromSeconds(10) + SystemdNotifier.Grace;
}

public static class VisionServiceCollectionExtensions
{
    /// <summary>
    /// The `Vision` section (always validated, so a typo is refused even when off) and, when enabled, the detector
    /// (loaded at start through <paramref name="loader"/>), the two camera branches, the loop, its watchdog progress and
    /// the gate the image-API source asks. Nothing of ONNX Runtime is touched when off.
    /// </summary>
    /// <param name="defaultModelPaths">Where the model is looked for without `Vision:ModelPath`, in order.</param>
    public static IServiceCollection AddVision(this IServiceCollection services, IConfiguration configuration, FaceDetectorLoader loader, IReadOnlyList<string> defaultModelPaths)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<VisionOptions, VisionOptionsValidator>(configuration, VisionOptions.SectionName, static (c, o, b) => c.Bind(o, b));
        var vision = new VisionOptions();
        ValidatedOptions.Bind(configuration, VisionOptions.SectionName, vision, static (c, o, b) => c.Bind(o, b));
        if (!vision.Enabled)
        {
            return services;
        }

        services.AddSingleton<FaceDetectorHolder>();
        services.AddSingleton(new FaceTriggerRegistration()); // the image-API source needs no other trigger
        // After the value checks: the model is loaded only when they passed (and, being a start check, before the door opens).
        services.AddSingleton<IValidateOptions<VisionOptions>>(sp => new VisionModelValidator(loader, sp.GetRequiredService<FaceDetectorHolder>(), defaultModelPaths));
        services.TryAddSingleton<TriggerChannel>();
        services.AddSingleton(sp =>
        {
            FaceDetectorHolder holder = sp.GetRequiredService<FaceDetectorHolder>();
            _ = sp.GetRequiredService<IOptions<VisionOptions>>().Value; // validated (and the detector loaded) by now
            CameraOptions camera = sp.GetRequiredService<IOptions<CameraOptions>>().Value;
            VisionOptions o = sp.GetRequiredService<IOptions<VisionOptions>>().Value;
            int size = holder.Detector?.InputWidth ?? 128, height = holder.Detector?.InputHeight ?? 128;
            return new VisionFrameTaps(size, height, camera.Width, camera.Height, o.Rate, camera.Framerate, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<IVisionFrameSource>(sp => sp.GetRequiredService<VisionFrameTaps>());
        services.AddSingleton(sp => sp.GetRequiredService<VisionFrameTaps>().Detect);
        services.AddSingleton(sp => sp.GetRequiredService<VisionFrameTaps>().Full);
        services.TryAddSingleton<IFaceCropEncoder, GstreamerFaceCropEncoder>();
        // Aligned chips for the local matcher are made only when it runs (a second detection per face).
        bool chips = configuration.GetValue("Recognition:Local:Enabled", false);
        services.AddSingleton(sp =>
        {
            CameraOptions camera = sp.GetRequiredService<IOptions<CameraOptions>>().Value;
            return new VisionService(
                sp.GetRequiredService<IOptions<VisionOptions>>().Value, sp.GetRequiredService<FaceDetectorHolder>(), sp.GetRequiredService<IVisionFrameSource>(),
                sp.GetRequiredService<IFaceCropEncoder>(), sp.GetRequiredService<TriggerChannel>(), sp.GetRequiredService<IStatusPublisher>(),
                camera.Width, camera.Height, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<VisionService>>(), chips);
        });
        services.AddSingleton<ILocalFaces>(sp => sp.GetRequiredService<VisionService>());
        services.AddHostedService(sp => sp.GetRequiredService<VisionService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoopProgress, VisionLoopProgress>());
        return services;
    }
}

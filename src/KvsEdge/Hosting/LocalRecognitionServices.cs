using KvsEdge.Access;
using KvsEdge.Common;
using KvsEdge.Offline;
using KvsEdge.Recognition;
using KvsEdge.Vision;
using KvsEdge.Vision.Embedding;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Hosting;

/// <summary><see cref="FaceEmbedder"/> as a describer; one inference at a time (the embedder reuses its buffers).</summary>
public sealed class OnnxFaceDescriber(FaceEmbedder embedder) : IFaceDescriber, IDisposable
{
    private readonly Lock _gate = new();

    public string ModelSha256 { get; } = embedder.SourceSha256
        ?? throw new InvalidOperationException($"Face embedder model {embedder.ModelPath} does not record its source SHA-256.");

    public float[] Describe(ReadOnlySpan<byte> chipRgb)
    {
        lock (_gate)
        {
            return embedder.Embed(chipRgb);
        }
    }

    public void Dispose() => embedder.Dispose();
}

/// <summary>The embedder, loaded once at start by <see cref="LocalEmbedderValidator"/> (a missing model exits 78 before any GPIO line is opened).</summary>
public sealed class LocalEmbedderHolder : IDisposable
{
    public IFaceDescriber? Describer { get; internal set; }

    public void Dispose() => (Describer as IDisposable)?.Dispose();
}

/// <summary>
/// With `Recognition:Local:Enabled`: the detector must be on (its chips are what is matched) and the embedder model must
/// load and name the weights it was converted from. Each failure names the key.
/// </summary>
public sealed class LocalEmbedderValidator(LocalEmbedderHolder holder, bool visionEnabled, Func<string, IFaceDescriber> load) : IValidateOptions<RecognitionOptions>
{
    public const string PackagedModelPath = "/usr/share/kvsedge/models/dlib-face-resnet-v1/dlib_face_recognition_resnet_model_v1.onnx";

    /// <summary>The build cache of scripts/build-face-embedder.sh (KVSEDGE_MODEL_CACHE or ~/.cache/kvsedge/models).</summary>
    public static string CachePath() => Path.Combine(
        Environment.GetEnvironmentVariable("KVSEDGE_MODEL_CACHE") is { Length: > 0 } root
            ? root
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "kvsedge", "models"),
        "dlib-face-resnet-v1", "dlib_face_recognition_resnet_model_v1.onnx");

    public static IFaceDescriber LoadOnnx(string path) => new OnnxFaceDescriber(FaceEmbedder.Load(path));

    public ValidateOptionsResult Validate(string? name, RecognitionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        LocalRecognitionOptions local = options.Local;
        if (!local.Enabled || holder.Describer is not null)
        {
            return ValidateOptionsResult.Success;
        }

        const string Key = RecognitionOptions.SectionName + ":Local:ModelPath";
        if (!visionEnabled)
        {
            return ValidateOptionsResult.Fail("Recognition:Local:Enabled needs Vision:Enabled: local matching works on the face detector's crops.");
        }

        string? path = local.ModelPath;
        if (string.IsNullOrWhiteSpace(path))
        {
            string[] defaults = [PackagedModelPath, CachePath()];
            path = defaults.FirstOrDefault(File.Exists);
            if (path is null)
            {
                return ValidateOptionsResult.Fail(
                    $"Recognition:Local:Enabled is true but no face embedder model was found (looked in {string.Join(", ", defaults)}): install the kvsedge-face-embedder package, run scripts/build-face-embedder.sh or set {Key}.");
            }
        }
        else if (!File.Exists(path))
        {
            return ValidateOptionsResult.Fail($"{Key} '{path}' does not exist.");
        }

        try
        {
            holder.Describer = load(path);
            return ValidateOptionsResult.Success;
        }
        catch (Exception ex) when (ex is FaceEmbedderModelException or InvalidOperationException or DllNotFoundException or TypeInitializationException)
        {
            return ValidateOptionsResult.Fail($"{Key} '{path}' is not a usable face embedder model: {ex.Message}");
        }
    }
}

public static class LocalRecognitionServiceCollectionExtensions
{
    /// <summary>
    /// With `Recognition:Local:Enabled` (and the image-API source): the embedder (loaded at start), and the local
    /// recognition the image-API source asks, its gallery loaded when first resolved and reloaded on a file change and
    /// on every access-rules reload. Nothing is registered when off.
    /// </summary>
    public static IServiceCollection AddLocalRecognition(this IServiceCollection services, IConfiguration configuration, Func<string, IFaceDescriber>? load = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!configuration.GetValue($"{RecognitionOptions.SectionName}:Local:Enabled", false))
        {
            return services;
        }

        bool vision = configuration.GetValue($"{VisionOptions.SectionName}:Enabled", false);
        services.AddSingleton<LocalEmbedderHolder>();
        services.AddSingleton<IValidateOptions<RecognitionOptions>>(sp => new LocalEmbedderValidator(sp.GetRequiredService<LocalEmbedderHolder>(), vision, load ?? LocalEmbedderValidator.LoadOnnx));
        services.AddSingleton(sp =>
        {
            RecognitionOptions options = sp.GetRequiredService<IOptions<RecognitionOptions>>().Value; // validated: the embedder is loaded
            var local = new LocalRecognition(
                options.Local,
                sp.GetRequiredService<LocalEmbedderHolder>().Describer ?? throw new InvalidOperationException("The face embedder was not loaded (LocalEmbedderValidator runs at start)."),
                Path.Combine(sp.GetRequiredService<IOptions<DeviceOptions>>().Value.StateDirectory, FaceGallery.FileName),
                sp.GetRequiredService<IOptions<VisionOptions>>().Value.MinFaceSize,
                sp.GetRequiredService<RecognitionStatusReporter>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<LocalRecognition>>());
            // The reloadable rules path reloads the gallery too (`faces add` on another machine, then a rules push).
            // The per-person thresholds are rules too: read afresh from the live configuration (bound by hand: the
            // options factory would load the embedder again).
            IConfiguration live = sp.GetRequiredService<IConfiguration>();
            sp.GetRequiredService<AccessPolicy>().RulesSwapped += (_, _) =>
            {
                (LocalRecognitionOptions reloaded, string? bindError) = BindLocal(live);
                local.ReloadThresholds(reloaded, bindError);
                local.Reload();
            };
            local.Start();
            return local;
        });
        return services;
    }

    /// <summary>`Recognition:Local` as the configuration says now; a value that does not convert is a failure named by the key.</summary>
    internal static (LocalRecognitionOptions Options, string? Error) BindLocal(IConfiguration configuration)
    {
        var local = new LocalRecognitionOptions();
        try
        {
            configuration.GetSection(RecognitionOptions.SectionName + ":Local").Bind(local);
            return (local, null);
        }
        catch (InvalidOperationException ex)
        {
            return (local, ex.Message); // the binder names the key and the value
        }
    }
}

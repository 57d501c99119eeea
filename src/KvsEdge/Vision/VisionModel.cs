using KvsEdge.Vision.Detection;
using Microsoft.Extensions.Options;

namespace KvsEdge.Vision;

/// <summary>Opens a face detector from a model file (BlazeFace on ONNX Runtime in the appliance; tests give their own).</summary>
public delegate IFaceDetector FaceDetectorLoader(string modelPath);

/// <summary>
/// The detector, loaded once at start by <see cref="VisionModelValidator"/> (so a missing or broken model or ONNX
/// Runtime stops the start with exit 78 before any GPIO line is opened) and then used by the vision loop alone.
/// </summary>
public sealed class FaceDetectorHolder : IDisposable
{
    public IFaceDetector? Detector { get; internal set; }

    public string? ModelPath { get; internal set; }

    public void Dispose() => Detector?.Dispose();
}

/// <summary>Resolves `Vision:ModelPath` and loads the detector; every failure names the key and what is wrong.</summary>
public sealed class VisionModelValidator(FaceDetectorLoader loader, FaceDetectorHolder holder, IReadOnlyList<string> defaultPaths) : IValidateOptions<VisionOptions>
{
    public ValidateOptionsResult Validate(string? name, VisionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled || holder.Detector is not null)
        {
            return ValidateOptionsResult.Success;
        }

        const string key = VisionOptions.SectionName + ":ModelPath";
        string? path = options.ModelPath;
        if (string.IsNullOrWhiteSpace(path))
        {
            path = defaultPaths.FirstOrDefault(File.Exists);
            if (path is null)
            {
                return ValidateOptionsResult.Fail(
                    $"Vision:Enabled is true but no face detector model was found (looked in {string.Join(", ", defaultPaths)}): install the package's model, run scripts/fetch-models.sh, or set {key}.");
            }
        }
        else if (!File.Exists(path))
        {
            return ValidateOptionsResult.Fail($"{key} '{path}' does not exist.");
        }

        try
        {
            holder.Detector = loader(path);
            holder.ModelPath = path;
            return ValidateOptionsResult.Success;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            return ValidateOptionsResult.Fail($"Vision:Enabled is true but ONNX Runtime (libonnxruntime.so) could not be loaded: {Innermost(ex).Message}");
        }
        catch (Exception ex)
        {
            return ValidateOptionsResult.Fail($"{key} '{path}' is not a usable face detector model: {Innermost(ex).Message}");
        }
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner && ex is TypeInitializationException ? Innermost(inner) : ex;
}

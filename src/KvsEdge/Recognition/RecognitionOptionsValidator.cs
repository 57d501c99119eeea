using Microsoft.Extensions.Options;

namespace KvsEdge.Recognition;

/// <summary>
/// Checks what data annotations cannot express; every message names the configuration key. The source list is checked
/// here; each source's own options by the registration it declares (<see cref="RecognitionSourceCatalog"/>).
/// </summary>
public sealed class RecognitionOptionsValidator : IValidateOptions<RecognitionOptions>
{
    public ValidateOptionsResult Validate(string? name, RecognitionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        IReadOnlyList<string> sources = options.Sources;
        IReadOnlyList<RecognitionSourceRegistration> known = RecognitionSourceCatalog.All;
        if (sources.Count == 0 || sources.Any(s => RecognitionSourceCatalog.Find(s) is null))
        {
            string names = string.Join(", ", known.Take(known.Count - 1).Select(r => $"'{r.Name}'")) + $" or '{known[^1].Name}'";
            failures.Add($"Recognition:Source must be {names}, or several separated by commas (got '{options.Source}').");
        }

        foreach (RecognitionSourceRegistration source in known)
        {
            source.Validate(options, sources.Contains(source.Name), failures);
        }

        options.Local.Validate(failures, sources);
        if (options.Local.Enabled && options.Local.MinAgreeingFrames > options.ImageApi.MaxFrames)
        {
            // A search looks at MaxFrames frames at most: a local opinion needing more could never settle.
            failures.Add($"Recognition:Local:MinAgreeingFrames ({options.Local.MinAgreeingFrames}) must not exceed Recognition:ImageApi:MaxFrames ({options.ImageApi.MaxFrames}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

namespace KvsEdge.Recognition;

/// <summary>
/// What a recognition source brings besides its hosted service: the checks of its own options and the watchdog's
/// bound on how long its healthy loop can be quiet. Each source declares one beside its code; the `Recognition`
/// validator and the systemd watchdog ask the <see cref="RecognitionSourceCatalog"/> instead of switching on names.
/// </summary>
/// <param name="Name">The `Recognition:Source` value that selects it.</param>
/// <param name="Validate">
/// Adds one message per problem (naming the key) to the list. The flag says whether `Recognition:Source` selects it:
/// some limits are checked either way, so a bad value waits for nobody to switch the source on.
/// </param>
/// <param name="LongestQuiet">The longest wait of a healthy loop between two updates of the status reporter.</param>
public sealed record RecognitionSourceRegistration(
    string Name,
    Action<RecognitionOptions, bool, List<string>> Validate,
    Func<RecognitionOptions, TimeSpan> LongestQuiet);

/// <summary>Every source `Recognition:Source` may name. A new source adds its registration here, and nothing else central.</summary>
public static class RecognitionSourceCatalog
{
    /// <summary>In the order the configuration error lists them.</summary>
    public static IReadOnlyList<RecognitionSourceRegistration> All { get; } =
        [KinesisSource.Registration, ImageApiSource.Registration, ReplaySource.Registration];

    /// <summary>The registration named <paramref name="name"/> (as <see cref="RecognitionOptions.ParseSources"/> returns it), or null.</summary>
    public static RecognitionSourceRegistration? Find(string name) =>
        All.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.Ordinal));
}

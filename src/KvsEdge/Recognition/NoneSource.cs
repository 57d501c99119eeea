namespace KvsEdge.Recognition;

/// <summary>
/// `Recognition:Source=none`: a camera-only appliance. No source runs, so nothing decides and no face opens the door;
/// no recognition state is ever reported, which also keeps the watchdog from waiting for a loop that does not exist.
/// </summary>
public static class NoneSource
{
    public static RecognitionSourceRegistration Registration { get; } = new(RecognitionSources.None, Validate, LongestQuiet);

    // Never consulted for progress (no loop reports, so the recognition loop is never active); the least bound.
    private static TimeSpan LongestQuiet(RecognitionOptions options) => TimeSpan.Zero;

    private static void Validate(RecognitionOptions options, bool selected, List<string> failures)
    {
        if (selected && options.Sources.Count > 1)
        {
            failures.Add($"Recognition:Source 'none' cannot be combined with other sources (got '{options.Source}').");
        }
    }
}

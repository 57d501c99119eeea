namespace KvsEdge.Recognition;

/// <summary>The `replay` source's checks and watchdog bound (<see cref="ReplayFaceMatchSource"/>).</summary>
public static class ReplaySource
{
    public static RecognitionSourceRegistration Registration { get; } = new(RecognitionSources.Replay, Validate, LongestQuiet);

    // The pause between two rounds; the bundled file's own gaps are a few seconds.
    private static TimeSpan LongestQuiet(RecognitionOptions options) => options.Replay.LoopDelay + TimeSpan.FromMinutes(1);

    private static void Validate(RecognitionOptions options, bool selected, List<string> failures)
    {
        if (selected && options.Replay.File is { Length: > 0 } file && !File.Exists(file))
        {
            failures.Add($"Recognition:Replay:File '{file}' does not exist.");
        }

        if (options.Replay.LoopDelay < TimeSpan.Zero)
        {
            failures.Add("Recognition:Replay:LoopDelay must not be negative.");
        }
    }
}

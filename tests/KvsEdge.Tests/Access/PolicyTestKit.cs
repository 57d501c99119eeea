using KvsEdge.Access;
using KvsEdge.Recognition;

namespace KvsEdge.Tests.Access;

/// <summary>Builders for policy tests: options with alice and bob, and observations with unique record keys.</summary>
internal static class PolicyTestKit
{
    public const string Stream = "arn:aws:kinesisvideo:eu-central-1:123456789012:stream/door/1";

    /// <summary>Wednesday 2026-11-25 10:00 UTC.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Observations arrive this long after their frame time: far enough apart that a policy ageing records by
    /// arrival instead of frame time gets the stale and skew tests wrong.
    /// </summary>
    public static readonly TimeSpan ArrivalDelay = TimeSpan.FromSeconds(30);

    private static int s_fragment;

    public static AccessOptions Options(Action<AccessOptions>? configure = null)
    {
        var options = new AccessOptions();
        options.People["alice"] = new PersonOptions();
        options.People["bob"] = new PersonOptions { MinSimilarity = 99 };
        configure?.Invoke(options);
        return options;
    }

    public static AccessPolicy Policy(Action<AccessOptions>? configure = null) => new(Options(configure));

    public static FaceObservation Obs(DateTimeOffset frameTime, params (string Id, double Similarity)[] candidates) =>
        Face(NewRecordKey(frameTime), 0, frameTime, candidates);

    public static FaceObservation Face(string recordKey, int faceIndex, DateTimeOffset frameTime, params (string Id, double Similarity)[] candidates) =>
        new(
            RecognitionSources.Kinesis,
            recordKey,
            faceIndex,
            frameTime,
            frameTime + ArrivalDelay,
            Stream,
            "1",
            frameTime.ToUnixTimeMilliseconds() / 1000.0,
            candidates.Select((c, i) => new FaceCandidate(c.Id, "face-" + c.Id + "-" + i, c.Similarity)).ToArray());

    public static string NewRecordKey(DateTimeOffset frameTime) =>
        FormattableString.Invariant($"{Stream}|{Interlocked.Increment(ref s_fragment)}|{frameTime.ToUnixTimeMilliseconds() / 1000.0:R}|0");

    public static string Outcome(Decision decision) => decision.Kind + "/" + decision.Reason;
}

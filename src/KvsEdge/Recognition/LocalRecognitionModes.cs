using System.Globalization;
using KvsEdge.Access;
using KvsEdge.Status;

namespace KvsEdge.Recognition;

/// <summary>How the cloud call for one face went, as far as `Recognition:Local:Mode` cares.</summary>
public enum CloudAnswer
{
    /// <summary>Rekognition answered (a match list, possibly empty).</summary>
    Answered,

    /// <summary>No answer: connection refused, a timeout, throttling or a 5xx (a transient failure).</summary>
    Unreachable,

    /// <summary>The call budget (`MaxCallsPerMinute`/`MaxCallsPerDay`) is spent: no call was made.</summary>
    BudgetSpent,

    /// <summary>Rekognition found no face in the crop.</summary>
    NoFace,

    /// <summary>A permanent error (access denied, no such collection, a rejected image): not an outage.</summary>
    Failed,

    /// <summary>Mode `only`: the cloud is never asked.</summary>
    NotAsked,
}

/// <summary>
/// The decision rules of `fallback`, `second-opinion` and `only` as pure functions: which face observation (if any) goes
/// to the access policy, given the cloud's answer and the local matcher's opinion. Whatever they return is decided by
/// the same policy (allow-list, schedules, confirmation, cooldown, ledger) as every other observation.
/// </summary>
public static class LocalRecognitionModes
{
    /// <summary>Whether this mode calls Rekognition at all.</summary>
    public static bool AsksCloud(string mode) => mode != LocalRecognitionOptions.Only;

    /// <summary>
    /// Whether the local matcher decides this face alone: always in `only`; in `fallback` only while the cloud is
    /// unreachable or its budget is spent (a permanent error is a misconfiguration, not an outage, and keeps the door locked).
    /// </summary>
    public static bool LocalDecides(string mode, CloudAnswer cloud) => mode switch
    {
        LocalRecognitionOptions.Only => true,
        LocalRecognitionOptions.Fallback => cloud is CloudAnswer.Unreachable or CloudAnswer.BudgetSpent,
        _ => false,
    };

    /// <summary>Whether the local matcher's opinion is needed for this face (the embedding is skipped otherwise).</summary>
    public static bool NeedsLocal(string mode, CloudAnswer cloud, FaceObservation? cloudObservation) =>
        LocalDecides(mode, cloud)
        || (mode == LocalRecognitionOptions.SecondOpinion && cloud == CloudAnswer.Answered && cloudObservation is { Candidates.Count: > 0 });

    /// <summary>
    /// The observation for the policy, or null when nothing is to be decided from this face now (no answer, or a local
    /// opinion that is not settled yet: the search goes on with the next frame).
    /// </summary>
    /// <param name="cloudObservation">The cloud's observation when <paramref name="cloud"/> is <see cref="CloudAnswer.Answered"/>.</param>
    /// <param name="localObservation">Builds the observation of a settled local opinion (<see cref="ToObservation"/>).</param>
    public static FaceObservation? Resolve(
        string mode, CloudAnswer cloud, FaceObservation? cloudObservation, LocalMatch? local, Func<LocalMatch, FaceObservation> localObservation)
    {
        ArgumentNullException.ThrowIfNull(localObservation);
        if (LocalDecides(mode, cloud))
        {
            return local is { IsSettled: true } ? localObservation(local) : null;
        }

        if (cloud != CloudAnswer.Answered || cloudObservation is null)
        {
            return null;
        }

        if (mode == LocalRecognitionOptions.SecondOpinion && cloudObservation.Candidates.Count > 0)
        {
            // The policy grants only if the local opinion names the same allowed person (AccessPolicy.SecondOpinion).
            return cloudObservation with { Local = local, NeedsLocalAgreement = true };
        }

        return cloudObservation;
    }

    /// <summary>
    /// A settled local opinion as the observation every source shares: a match is one candidate (the gallery name, which
    /// the allow-list maps like a collection's external id); no match and ambiguity have none (an unknown face). The
    /// similarity of 100 only lets the candidate past Rekognition's similarity threshold: the local threshold (a
    /// distance, stricter) was applied by the matcher, and events carry the distance instead.
    /// </summary>
    public static FaceObservation ToObservation(LocalMatch local, int faceIndex, DateTimeOffset capturedAt, DateTimeOffset receivedAt, long sequence)
    {
        ArgumentNullException.ThrowIfNull(local);
        FaceCandidate[] candidates = local is { Outcome: LocalMatchOutcome.Match, Person: { } person } ? [new FaceCandidate(person, null, 100)] : [];
        string recordKey = string.Create(CultureInfo.InvariantCulture, $"local|{capturedAt.ToUnixTimeMilliseconds()}|{sequence}");
        return new FaceObservation(LocalRecognitionState.Source, recordKey, faceIndex, capturedAt, receivedAt, StreamArn: null, FragmentNumber: null, ProducerTimestamp: null, candidates)
        {
            Local = local,
        };
    }
}

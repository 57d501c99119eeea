namespace KvsEdge.Iot;

/// <summary>
/// The documented topics of the AWS IoT Jobs device MQTT API for one thing (`$aws/things/&lt;thing&gt;/jobs/…`). The device
/// subscribes to each exact topic it needs; never to `jobs/#`.
/// </summary>
public sealed class JobsTopics(string thingName)
{
    public string Prefix { get; } = $"$aws/things/{thingName}/jobs";

    public string NotifyNext => Prefix + "/notify-next";

    public string StartNext => Prefix + "/start-next";

    public string StartNextAccepted => StartNext + "/accepted";

    public string StartNextRejected => StartNext + "/rejected";

    public string Update(string jobId) => $"{Prefix}/{jobId}/update";

    public string UpdateAccepted(string jobId) => Update(jobId) + "/accepted";

    public string UpdateRejected(string jobId) => Update(jobId) + "/rejected";

    /// <summary>AWS job ids: 1–64 of letters, digits, `-` and `_` (so an id is always one topic level).</summary>
    public static bool IsValidJobId(string? jobId) =>
        !string.IsNullOrEmpty(jobId) && jobId.Length <= 64 && jobId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}

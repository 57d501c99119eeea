namespace KvsEdge.Iot;

/// <summary>
/// The documented topic names of one named shadow (`$aws/things/&lt;thing&gt;/shadow/name/&lt;shadow&gt;/…`). Devices
/// subscribe to each exact response topic they need; never to `shadow/#`.
/// </summary>
public sealed class ShadowTopics(string thingName, string shadowName)
{
    public string Prefix { get; } = $"$aws/things/{thingName}/shadow/name/{shadowName}";

    public string Get => Prefix + "/get";

    public string GetAccepted => Prefix + "/get/accepted";

    public string GetRejected => Prefix + "/get/rejected";

    public string Update => Prefix + "/update";

    public string UpdateAccepted => Prefix + "/update/accepted";

    public string UpdateRejected => Prefix + "/update/rejected";

    public string UpdateDelta => Prefix + "/update/delta";
}

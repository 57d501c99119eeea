using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KvsEdge.Access;
using KvsEdge.Common;
using KvsEdge.Door;
using KvsEdge.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;

namespace KvsEdge.Iot;

/// <summary>
/// The named shadow `status`: `reported` holds the door, camera, recognition (and vision, when present) state, the
/// software version and a summary of the last decision. Changes are coalesced and sent at most once per
/// `Iot:StatusInterval` (on the <see cref="TimeProvider"/>), and every connect sends the whole state again. Each
/// document is kept under the 8 KB shadow limit: the largest parts are cut to their `state` first.
/// </summary>
public sealed class StatusShadow : IHostedService, IDisposable
{
    public const string ShadowName = "status";

    /// <summary>Below the service's 8 KB (desired + reported; `status` has no desired) with room for the request envelope.</summary>
    public const int MaxReportedBytes = 7 * 1024;

    private const int MaxTextLength = 256;

    private static readonly string[] Parts = ["vision", "camera", "recognition", "last_decision"];

    private readonly MqttBrokerConnection _connection;
    private readonly ShadowTopics _topics;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly Lock _gate = new();
    private readonly JsonObject _state = new() { ["version"] = HomeAssistantDiscovery.CurrentVersion };
    private JsonObject? _lastSent;
    private bool _dirty;
    private bool _stopped;
    private long _lastSentTimestamp;
    private ITimer? _timer;
    private int _sent;

    public StatusShadow(MqttBrokerConnection connection, IOptions<IotOptions> iot, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(iot);
        _connection = connection;
        _topics = new ShadowTopics(iot.Value.ThingName!, ShadowName);
        _time = time;
        _interval = iot.Value.StatusInterval;
    }

    public ShadowTopics Topics => _topics;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _connection.Connected += OnConnected;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _connection.Connected -= OnConnected;
        lock (_gate)
        {
            _stopped = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    public void SetDoor(DoorState state) => Set("door", StatusPayloads.Door(state));

    public void SetRecognition(RecognitionStatus status) => Set("recognition", JsonNode.Parse(StatusPayloads.Recognition(status)));

    /// <summary>A retained status subtopic (`camera`, `vision`, …): JSON objects are kept as objects, anything else as text.</summary>
    public void SetState(string subtopic, string payload)
    {
        if (subtopic is not ("camera" or "vision"))
        {
            return;
        }

        JsonNode? value = null;
        if (!string.IsNullOrEmpty(payload))
        {
            try
            {
                value = JsonNode.Parse(payload);
            }
            catch (JsonException)
            {
                value = JsonValue.Create(payload);
            }
        }

        Set(subtopic, value);
    }

    public void SetDecision(Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        Set("last_decision", new JsonObject
        {
            ["type"] = decision.EventType,
            ["reason"] = decision.Reason,
            ["person"] = decision.Person,
            ["similarity"] = decision.Similarity,
            ["at"] = Timestamps.Iso(decision.DecidedAt),
        });
    }

    private void Set(string key, JsonNode? value)
    {
        lock (_gate)
        {
            if (JsonNode.DeepEquals(_state[key], value))
            {
                return;
            }

            _state[key] = value;
            _dirty = true;
            ScheduleLocked();
        }
    }

    private void OnConnected(object? sender, EventArgs e)
    {
        lock (_gate)
        {
            // What the shadow holds is unknown after a connect: clear `reported`, then send all of it.
            _lastSent = null;
            Send(new JsonObject { ["state"] = new JsonObject { ["reported"] = null } });
            _dirty = true;
            SendLocked();
        }
    }

    // Within the interval since the last send, a change waits for the timer; otherwise it goes now.
    private void ScheduleLocked()
    {
        if (_stopped)
        {
            return;
        }

        TimeSpan since = _lastSentTimestamp == 0 ? TimeSpan.MaxValue : _time.GetElapsedTime(_lastSentTimestamp);
        if (since >= _interval)
        {
            SendLocked();
        }
        else
        {
            _timer ??= _time.CreateTimer(_ => OnTimer(), null, _interval - since, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            if (_dirty && !_stopped)
            {
                SendLocked();
            }
        }
    }

    private void SendLocked()
    {
        JsonObject document = Fit(_state, MaxReportedBytes);
        JsonObject patch = ConfigShadow.ReplacementPatch(_lastSent, document);
        _lastSent = document;
        _dirty = false;
        _lastSentTimestamp = _time.GetTimestamp();
        patch["updated_at"] = Timestamps.Iso(_time.GetUtcNow());
        Send(new JsonObject { ["state"] = new JsonObject { ["reported"] = patch } });
    }

    /// <summary>Update requests sent so far (tests: rate limiting is observable without a broker).</summary>
    internal int Sent => Volatile.Read(ref _sent);

    /// <summary>The last `reported` document sent, as the shadow holds it after that update.</summary>
    internal JsonObject? LastSent
    {
        get
        {
            lock (_gate)
            {
                return _lastSent?.DeepClone().AsObject();
            }
        }
    }

    private void Send(JsonObject request)
    {
        Interlocked.Increment(ref _sent);
        _connection.Publish(_topics.Update, ShadowJson.Bytes(request), MqttQualityOfServiceLevel.AtLeastOnce, retain: false);
    }

    /// <summary>
    /// The state as it fits in <paramref name="maxBytes"/>: long texts are cut, then the largest parts (vision, camera,
    /// recognition, last decision, in that order) are reduced to their `state`, then left out.
    /// </summary>
    internal static JsonObject Fit(JsonObject state, int maxBytes)
    {
        JsonObject copy = state.DeepClone().AsObject();
        CutTexts(copy);
        foreach (string part in Parts)
        {
            if (Size(copy) <= maxBytes)
            {
                return copy;
            }

            if (copy[part] is JsonObject o)
            {
                copy[part] = new JsonObject { ["state"] = o["state"]?.DeepClone(), ["truncated"] = true };
            }
        }

        foreach (string part in Parts)
        {
            if (Size(copy) <= maxBytes)
            {
                break;
            }

            copy.Remove(part);
        }

        return copy;
    }

    private static int Size(JsonObject value) => Encoding.UTF8.GetByteCount(value.ToJsonString());

    private static void CutTexts(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (string key in o.Select(p => p.Key).ToList())
                {
                    if (o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: > MaxTextLength } text)
                    {
                        o[key] = text[..MaxTextLength] + "…";
                    }
                    else
                    {
                        CutTexts(o[key]);
                    }
                }

                break;
            case JsonArray a:
                foreach (JsonNode? item in a)
                {
                    CutTexts(item);
                }

                break;
            default:
                break;
        }
    }
}

/// <summary>Passes every status update on to the status broker and copies it into the `status` shadow.</summary>
public sealed class StatusShadowPublisher(IStatusPublisher inner, StatusShadow shadow) : IStatusPublisher
{
    public void PublishDoor(DoorState state)
    {
        inner.PublishDoor(state);
        shadow.SetDoor(state);
    }

    public void PublishRecognition(RecognitionStatus status)
    {
        inner.PublishRecognition(status);
        shadow.SetRecognition(status);
    }

    public void PublishEvent(Decision decision)
    {
        inner.PublishEvent(decision);
        shadow.SetDecision(decision);
    }

    // Door events (exit button, alarms) are audited on MQTT; the shadow carries the door's state, which PublishDoor
    // and the door/alarms state topic already copy.
    public void PublishDoorEvent(DoorEvent doorEvent) => inner.PublishDoorEvent(doorEvent);

    public void PublishState(string subtopic, string payload)
    {
        inner.PublishState(subtopic, payload);
        shadow.SetState(subtopic, payload);
    }
}

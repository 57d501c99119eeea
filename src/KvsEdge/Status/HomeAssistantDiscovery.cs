using System.Reflection;
using System.Text.Json.Nodes;

namespace KvsEdge.Status;

/// <summary>What the discovery payload describes.</summary>
/// <param name="DeviceId">`Device:Id`: names the discovery topic and prefixes every unique_id.</param>
/// <param name="TopicPrefix">The status topic prefix (`Mqtt:TopicPrefix`).</param>
/// <param name="CameraEnabled">Camera entities are left out when the camera is off.</param>
/// <param name="VisionEnabled">The on-device face detector's entities (`Vision:Enabled`), read from the `vision` state.</param>
public sealed record DiscoveryDevice(string DeviceId, string TopicPrefix, string Version, bool CameraEnabled, bool VisionEnabled = false)
{
    /// <summary>Door inputs (issue 14): a door contact is wired (position, held open, forced).</summary>
    public bool DoorContact { get; init; }

    /// <summary>Door inputs (issue 14): a tamper switch is wired.</summary>
    public bool Tamper { get; init; }
}

/// <summary>
/// Builds Home Assistant's MQTT device discovery payload (`&lt;prefix&gt;/device/&lt;id&gt;/config`): one retained message
/// with the device (`dev`), origin (`o`), shared availability and every entity under `cmps`, each with its platform
/// (`p`) and a unique_id. Pure: the same input gives the same bytes.
/// </summary>
/// <remarks>
/// The door is a `binary_sensor` with device class `lock`, not a `lock`: an MQTT lock must have a command topic, and
/// unlocking over MQTT is not offered, so a lock entity would show a button that does nothing.
/// </remarks>
public static class HomeAssistantDiscovery
{
    /// <summary>The `type` values of the events topic, which become the event entity's event_types.</summary>
    public static IReadOnlyList<string> EventTypes { get; } =
    [
        "access_granted", "access_denied", "unknown_face", "ignored",
        // Door inputs (issue 14): door events share the events topic.
        "exit_request", "door_held_open", "door_forced", "tamper",
    ];

    /// <summary>The running version as `--version` prints it (with its build metadata, e.g. `0.1.0+eb34898…`).</summary>
    public static string CurrentVersion { get; } = ReadVersion();

    /// <summary>Jinja for "the sensor's state before this message", or None while it has none.</summary>
    private const string PreviousState = "(this.state if this.state not in ('unknown', 'unavailable') else None)";

    public static string Payload(DiscoveryDevice device) => Build(device).ToJsonString();

    public static JsonObject Build(DiscoveryDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        string p = device.TopicPrefix;
        string door = p + "/door";
        string events = p + "/events";
        string recognition = p + "/recognition";
        string camera = p + "/camera";
        string idPrefix = "kvsedge_" + device.DeviceId + "_";

        var components = new JsonObject
        {
            ["door"] = Entity("binary_sensor", "Door", door, idPrefix + "door", new JsonObject
            {
                ["device_class"] = "lock", // on = unlocked, off = locked
                // `fault` (the relay not confirmed inactive) shows as unlocked: the strike may be held.
                ["value_template"] = "{{ 'unlocked' if value in ('unlocked', '" + StatusPayloads.DoorFault + "') else 'locked' }}",
                ["payload_on"] = "unlocked",
                ["payload_off"] = "locked",
            }),
            ["door_problem"] = Entity("binary_sensor", "Door relay problem", door, idPrefix + "door_problem", new JsonObject
            {
                ["device_class"] = "problem",
                ["value_template"] = "{{ 'ON' if value == '" + StatusPayloads.DoorFault + "' else 'OFF' }}",
                ["entity_category"] = "diagnostic",
            }),
            ["access"] = Entity("event", "Access", events, idPrefix + "access", new JsonObject
            {
                ["event_types"] = new JsonArray([.. EventTypes.Select(t => (JsonNode)JsonValue.Create(t))]),
                // The events payload names its type `type`; Home Assistant wants `event_type`. The rest become attributes.
                ["value_template"] = "{{ {'event_type': value_json.type, 'reason': value_json.reason, 'person': value_json.person, "
                    + "'similarity': value_json.similarity, 'decided_at': value_json.decided_at} | to_json }}",
            }),
            // An event that names nobody keeps the last person: the template renders the previous state explicitly,
            // since an empty rendering blanks the sensor on some Home Assistant releases. Before any state, 'None'
            // (Home Assistant's "no value") rather than the word 'unknown' as a value.
            ["last_person"] = Entity("sensor", "Last person", events, idPrefix + "last_person", new JsonObject
            {
                ["value_template"] = "{{ value_json.person if value_json.person else " + PreviousState + " }}",
                ["icon"] = "mdi:account",
            }),
            ["similarity"] = Entity("sensor", "Similarity", events, idPrefix + "similarity", new JsonObject
            {
                ["value_template"] = "{{ value_json.similarity if value_json.person and value_json.similarity is not none else " + PreviousState + " }}",
                ["unit_of_measurement"] = "%",
                ["state_class"] = "measurement",
                ["suggested_display_precision"] = 1,
            }),
            ["recognition_lag"] = Entity("sensor", "Recognition lag", recognition, idPrefix + "recognition_lag", new JsonObject
            {
                ["value_template"] = "{{ value_json.lag_ms }}",
                ["unit_of_measurement"] = "ms",
                ["device_class"] = "duration",
                ["state_class"] = "measurement",
                ["entity_category"] = "diagnostic",
            }),
            ["recognition_problem"] = Entity("binary_sensor", "Recognition problem", recognition, idPrefix + "recognition_problem", new JsonObject
            {
                ["device_class"] = "problem",
                // A ledger that cannot be written denies every grant: as much a problem as a stopped source.
                ["value_template"] = "{{ 'ON' if value_json.state in ('error', 'waiting') or value_json.ledger == 'unavailable' else 'OFF' }}",
                ["entity_category"] = "diagnostic",
            }),
        };

        if (device.CameraEnabled)
        {
            components["camera_fps"] = Entity("sensor", "Camera frame rate", camera, idPrefix + "camera_fps", new JsonObject
            {
                ["value_template"] = "{{ value_json.fps }}",
                ["unit_of_measurement"] = "fps",
                ["state_class"] = "measurement",
                ["entity_category"] = "diagnostic",
            });
            components["camera_restarts"] = Entity("sensor", "Camera restarts", camera, idPrefix + "camera_restarts", new JsonObject
            {
                ["value_template"] = "{{ value_json.restarts }}",
                ["state_class"] = "total_increasing",
                ["entity_category"] = "diagnostic",
            });
            components["camera_problem"] = Entity("binary_sensor", "Camera problem", camera, idPrefix + "camera_problem", new JsonObject
            {
                ["device_class"] = "problem",
                ["value_template"] = "{{ 'ON' if value_json.state == 'error' else 'OFF' }}",
                ["entity_category"] = "diagnostic",
            });
        }

        AddDoorInputs(device, components, idPrefix);

        if (device.VisionEnabled)
        {
            string vision = p + "/vision";
            components["face"] = Entity("binary_sensor", "Face at the door", vision, idPrefix + "face", new JsonObject
            {
                ["device_class"] = "occupancy",
                ["value_template"] = "{{ 'ON' if value_json.faces > 0 else 'OFF' }}",
            });
            components["face_count"] = Entity("sensor", "Faces", vision, idPrefix + "face_count", new JsonObject
            {
                ["value_template"] = "{{ value_json.faces }}",
                ["state_class"] = "measurement",
                ["icon"] = "mdi:face-recognition",
            });
        }

        return new JsonObject
        {
            ["dev"] = new JsonObject
            {
                ["ids"] = new JsonArray("kvsedge_" + device.DeviceId),
                ["name"] = device.DeviceId,
                ["mf"] = "KvsEdge",
                ["mdl"] = "KvsEdge door access appliance",
                ["sw"] = device.Version,
            },
            ["o"] = new JsonObject { ["name"] = "kvsedge", ["sw"] = device.Version },
            // Shared by every entity: the retained `availability` topic, which the broker sets to offline as our Last Will.
            ["availability_topic"] = p + "/availability",
            ["payload_available"] = StatusPayloads.Online,
            ["payload_not_available"] = StatusPayloads.Offline,
            ["qos"] = 1,
            ["cmps"] = components,
        };
    }

    /// <summary>Door inputs (issue 14): position and alarm binary sensors, only for the inputs that are wired.</summary>
    private static void AddDoorInputs(DiscoveryDevice device, JsonObject components, string idPrefix)
    {
        string p = device.TopicPrefix;
        string alarms = p + "/" + DoorInputPayloads.AlarmsSubtopic;
        if (device.DoorContact)
        {
            components["door_position"] = Entity("binary_sensor", "Door position", p + "/" + DoorInputPayloads.PositionSubtopic, idPrefix + "door_position", new JsonObject
            {
                ["device_class"] = "door", // on = open
                ["payload_on"] = DoorInputPayloads.Open,
                ["payload_off"] = DoorInputPayloads.Closed,
            });
            components["door_held_open"] = Entity("binary_sensor", "Door held open", alarms, idPrefix + "door_held_open", new JsonObject
            {
                ["device_class"] = "problem",
                ["value_template"] = "{{ 'ON' if value_json.held_open else 'OFF' }}",
            });
            components["door_forced"] = Entity("binary_sensor", "Door forced open", alarms, idPrefix + "door_forced", new JsonObject
            {
                ["device_class"] = "safety", // on = unsafe
                ["value_template"] = "{{ 'ON' if value_json.forced else 'OFF' }}",
            });
        }

        if (device.Tamper)
        {
            components["tamper"] = Entity("binary_sensor", "Tamper", alarms, idPrefix + "tamper", new JsonObject
            {
                ["device_class"] = "tamper", // on = tampering detected
                ["value_template"] = "{{ 'ON' if value_json.tamper else 'OFF' }}",
            });
        }
    }

    /// <summary>One component of the device message; <paramref name="options"/> are moved into it.</summary>
    internal static JsonObject Entity(string platform, string name, string stateTopic, string uniqueId, JsonObject options)
    {
        var entity = new JsonObject
        {
            ["p"] = platform,
            ["name"] = name,
            ["unique_id"] = uniqueId,
            ["state_topic"] = stateTopic,
        };
        foreach ((string key, JsonNode? value) in options.ToArray())
        {
            options.Remove(key);
            entity[key] = value;
        }

        return entity;
    }

    private static string ReadVersion()
    {
        string? informational = typeof(HomeAssistantDiscovery).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return informational ?? "0.0.0";
    }
}

using System.Text.Json.Nodes;

namespace KvsEdge.Status;

/// <summary>
/// The entities of <see cref="DiscoveryExtras"/> (decision snapshot, presence per person, board diagnostics), added to
/// the one device message <see cref="HomeAssistantDiscovery"/> builds, kept apart from the appliance's fixed entities.
/// </summary>
public static class HomeAssistantDiscoveryExtras
{
    /// <summary>Jinja for "the sensor's state before this message", or None while it has none (as HomeAssistantDiscovery).</summary>
    private const string PreviousState = "(this.state if this.state not in ('unknown', 'unavailable') else None)";

    /// <summary>The discovery of <paramref name="device"/> with the entities of <paramref name="extras"/>.</summary>
    public static JsonObject Build(DiscoveryDevice device, DiscoveryExtras? extras)
    {
        ArgumentNullException.ThrowIfNull(device);
        return With(HomeAssistantDiscovery.Build(device), extras, device.TopicPrefix, device.DeviceId);
    }

    /// <summary>Adds the entities of <paramref name="extras"/> to a built discovery payload (in place) and returns it.</summary>
    public static JsonObject With(JsonObject discovery, DiscoveryExtras? extras, string topicPrefix, string deviceId)
    {
        ArgumentNullException.ThrowIfNull(discovery);
        AddExtras(discovery["cmps"]!.AsObject(), extras, topicPrefix, "kvsedge_" + deviceId + "_");
        return discovery;
    }

    /// <summary>`&lt;prefix&gt;/presence/&lt;slug&gt;`: `ON` while the person is at the door, `OFF` after the hold time.</summary>
    public static string PresenceSubtopic(string slug) => "presence/" + slug;

    /// <summary>The retained JSON of the board's diagnostics (`cpu_temperature`, `throttled`, `throttled_now`).</summary>
    public const string SystemSubtopic = "system";

    /// <summary>The retained JPEG of the latest decision snapshot.</summary>
    public const string SnapshotSubtopic = "snapshot";

    private static void AddExtras(JsonObject components, DiscoveryExtras? extras, string p, string idPrefix)
    {
        if (extras is null)
        {
            return;
        }

        if (extras.Snapshot)
        {
            // MQTT image platform: raw JPEG bytes on image_topic; it has no state_topic.
            components["snapshot"] = new JsonObject
            {
                ["p"] = "image",
                ["name"] = "Last decision snapshot",
                ["unique_id"] = idPrefix + "snapshot",
                ["image_topic"] = p + "/" + SnapshotSubtopic,
                ["content_type"] = "image/jpeg",
            };
        }

        foreach ((string person, string slug) in DiscoveryExtras.Slugs(extras.People))
        {
            components["presence_" + slug] = HomeAssistantDiscovery.Entity("binary_sensor", person + " at the door", p + "/" + PresenceSubtopic(slug), idPrefix + "presence_" + slug, new JsonObject
            {
                ["device_class"] = "presence",
                ["payload_on"] = "ON",
                ["payload_off"] = "OFF",
                ["icon"] = "mdi:account-check",
            });
        }

        string system = p + "/" + SystemSubtopic;
        if (extras.CpuTemperature)
        {
            components["cpu_temperature"] = HomeAssistantDiscovery.Entity("sensor", "CPU temperature", system, idPrefix + "cpu_temperature", new JsonObject
            {
                ["value_template"] = "{{ value_json.cpu_temperature if value_json.cpu_temperature is not none else " + PreviousState + " }}",
                ["device_class"] = "temperature",
                ["unit_of_measurement"] = "°C",
                ["state_class"] = "measurement",
                ["suggested_display_precision"] = 1,
                ["entity_category"] = "diagnostic",
            });
        }

        if (extras.Throttling)
        {
            components["cpu_throttled"] = HomeAssistantDiscovery.Entity("binary_sensor", "CPU throttled", system, idPrefix + "cpu_throttled", new JsonObject
            {
                ["device_class"] = "problem",
                // Under-voltage, frequency capped, throttled or soft temperature limit, now (get_throttled bits 0-3).
                ["value_template"] = "{{ 'ON' if value_json.throttled_now else 'OFF' }}",
                ["json_attributes_topic"] = system,
                ["json_attributes_template"] = "{{ {'throttled': value_json.throttled} | to_json }}",
                ["entity_category"] = "diagnostic",
            });
        }
    }
}

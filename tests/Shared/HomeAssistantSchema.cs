using System.Text.Json;

namespace KvsEdge.TestSupport;

/// <summary>
/// The rules Home Assistant's MQTT documentation gives for a device discovery payload
/// (`&lt;prefix&gt;/device/&lt;object_id&gt;/config`), checked on the JSON as sent. Returns every broken rule.
/// </summary>
public static class HomeAssistantSchema
{
    private static readonly HashSet<string> StatePlatforms = ["sensor", "binary_sensor", "event", "lock"];

    /// <summary>Home Assistant's binary_sensor device classes.</summary>
    private static readonly HashSet<string> BinarySensorClasses =
    [
        "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door", "garage_door", "gas", "heat", "light",
        "lock", "moisture", "motion", "moving", "occupancy", "opening", "plug", "power", "presence", "problem", "running",
        "safety", "smoke", "sound", "tamper", "update", "vibration", "window",
    ];

    public static IReadOnlyList<string> DeviceDiscoveryProblems(JsonElement root)
    {
        var problems = new List<string>();
        // Shared context: device (`dev`) and origin (`o`) are mandatory and need identifiers and a name.
        if (!TryGet(root, "dev", "device", out JsonElement device))
        {
            problems.Add("missing dev/device");
        }
        else
        {
            if (!TryGet(device, "ids", "identifiers", out JsonElement ids) || ids.ValueKind is not (JsonValueKind.Array or JsonValueKind.String)
                || (ids.ValueKind == JsonValueKind.Array && ids.GetArrayLength() == 0))
            {
                problems.Add("dev needs ids/identifiers");
            }

            if (!device.TryGetProperty("name", out _))
            {
                problems.Add("dev needs a name");
            }

            if (TryGet(device, "sw", "sw_version", out JsonElement sw) && sw.GetString() is not { Length: > 0 })
            {
                problems.Add("dev sw/sw_version must be a non-empty string");
            }
        }

        if (!TryGet(root, "o", "origin", out JsonElement origin) || !origin.TryGetProperty("name", out _))
        {
            problems.Add("missing o/origin with a name");
        }

        // Availability: a topic with the payloads the status publisher uses.
        if (!TryGet(root, "availability_topic", "avty_t", out JsonElement availability) || availability.GetString() is not { Length: > 0 })
        {
            problems.Add("missing availability_topic");
        }

        if (!TryGet(root, "cmps", "components", out JsonElement components) || components.ValueKind != JsonValueKind.Object)
        {
            problems.Add("missing cmps/components");
            return problems;
        }

        var uniqueIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty component in components.EnumerateObject())
        {
            string name = component.Name;
            JsonElement config = component.Value;
            if (!TryGet(config, "p", "platform", out JsonElement platformElement) || platformElement.GetString() is not { } platform)
            {
                problems.Add($"{name}: missing p/platform");
                continue;
            }

            if (config.TryGetProperty("dev", out _) || config.TryGetProperty("device", out _) || config.TryGetProperty("o", out _))
            {
                problems.Add($"{name}: device and origin cannot be overridden per component");
            }

            if (!TryGet(config, "unique_id", "uniq_id", out JsonElement uniqueId) || uniqueId.GetString() is not { Length: > 0 } id)
            {
                problems.Add($"{name}: entity components need a unique_id");
            }
            else if (!uniqueIds.Add(id))
            {
                problems.Add($"{name}: unique_id '{id}' is not unique");
            }

            if (StatePlatforms.Contains(platform) && !TryGet(config, "state_topic", "stat_t", out _) && !TryGet(root, "state_topic", "stat_t", out _))
            {
                problems.Add($"{name}: {platform} needs a state_topic");
            }

            if (platform == "event" && (!config.TryGetProperty("event_types", out JsonElement types) || types.GetArrayLength() == 0))
            {
                problems.Add($"{name}: event needs event_types");
            }

            // A sensor state rendered as '' is read as "no state" or blanks the sensor, depending on the release:
            // a template that wants to keep the state renders this.state explicitly.
            if (platform == "sensor" && TryGet(config, "value_template", "val_tpl", out JsonElement template)
                && (template.GetString()!.Contains("''", StringComparison.Ordinal) || template.GetString()!.Contains("\"\"", StringComparison.Ordinal)))
            {
                problems.Add($"{name}: a sensor's value_template must not render an empty string; render this.state to keep the state");
            }

            // MQTT image (home-assistant.io/integrations/image.mqtt): exactly one of image_topic (raw image bytes) and
            // url_topic; content_type only with image_topic; image_encoding only `b64` when given; no state_topic.
            if (platform == "image")
            {
                bool image = config.TryGetProperty("image_topic", out JsonElement imageTopic);
                bool url = config.TryGetProperty("url_topic", out _);
                if (image == url)
                {
                    problems.Add($"{name}: image needs exactly one of image_topic and url_topic");
                }

                if (image && imageTopic.GetString() is not { Length: > 0 } t || (image && imageTopic.GetString()!.AsSpan().IndexOfAny('#', '+') >= 0))
                {
                    problems.Add($"{name}: image_topic must be a topic without wildcards");
                }

                if (config.TryGetProperty("content_type", out JsonElement contentType)
                    && (!image || contentType.GetString() is not { } type || !type.StartsWith("image/", StringComparison.Ordinal)))
                {
                    problems.Add($"{name}: content_type is an image/* type and only goes with image_topic");
                }

                if (config.TryGetProperty("image_encoding", out JsonElement encoding) && encoding.GetString() != "b64")
                {
                    problems.Add($"{name}: image_encoding can only be b64");
                }

                if (TryGet(config, "state_topic", "stat_t", out _))
                {
                    problems.Add($"{name}: image has no state_topic");
                }
            }

            if (platform == "binary_sensor" && config.TryGetProperty("device_class", out JsonElement binaryClass)
                && !BinarySensorClasses.Contains(binaryClass.GetString()!))
            {
                problems.Add($"{name}: '{binaryClass.GetString()}' is not a binary_sensor device class");
            }

            if (config.TryGetProperty("entity_category", out JsonElement category) && category.GetString() is not ("diagnostic" or "config"))
            {
                problems.Add($"{name}: entity_category is diagnostic or config");
            }

            if (platform == "lock" && !TryGet(config, "command_topic", "cmd_t", out _) && !TryGet(root, "command_topic", "cmd_t", out _))
            {
                problems.Add($"{name}: lock needs a command_topic");
            }
        }

        return problems;
    }

    private static bool TryGet(JsonElement element, string name, string alternative, out JsonElement value) =>
        element.TryGetProperty(name, out value) || element.TryGetProperty(alternative, out value);
}

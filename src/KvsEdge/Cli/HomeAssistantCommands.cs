using KvsEdge.Common;
using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using System.Net.Sockets;
using KvsEdge.Hosting;
using KvsEdge.Status;
using MQTTnet;
using MQTTnet.Exceptions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KvsEdge.Cli;

/// <summary>`kvsedge ha remove`: takes the device out of Home Assistant by clearing its retained discovery payload.</summary>
public static class HomeAssistantCommands
{
    public static Command Build()
    {
        Option<FileInfo?> config = KvsEdgeCommands.ConfigOption();
        var remove = new Command(
            "remove",
            "Remove this device from Home Assistant: publish the empty retained payload on its discovery topic, then exit.")
        {
            config,
        };
        remove.SetAction((parse, ct) => RemoveAsync(parse.GetValue(config)?.FullName, Console.Out, Console.Error, ct));
        var ha = new Command("ha", "Home Assistant MQTT discovery.");
        ha.Subcommands.Add(remove);
        return ha;
    }

    public static async Task<int> RemoveAsync(string? configFile, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        DeviceOptions device;
        MqttOptions mqtt;
        IConfigurationRoot configuration;
        try
        {
            configuration = new ConfigurationBuilder().AddKvsEdgeSources(configFile).Build();
            var failures = ConfigurationSchema.Check(configuration).Select(p => p.Message).ToList();
            device = ValidatedOptions.Load<DeviceOptions>(configuration, DeviceOptions.SectionName, static (c, o, b) => c.Bind(o, b), failures);
            mqtt = ValidatedOptions.Load<MqttOptions>(configuration, MqttOptions.SectionName, static (c, o, b) => c.Bind(o, b), failures);
            Validate(device, mqtt, failures);
        }
        catch (Exception ex) when (ConfigurationErrors.TryReport(ex, error))
        {
            return ExitCodes.Config;
        }

        string topic = mqtt.Discovery.ConfigTopic(device);
        string clientId = mqtt.EffectiveClientId(device) + "-ha-remove"; // never the service's own id: that would kick it off
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        try
        {
            MqttClientOptions options = MqttConnection.CreateOptionsBuilder(mqtt, clientId, NullLogger.Instance).Build();
            await MqttConnection.ConnectAsync(client, options, mqtt.ConnectTimeout, cancellationToken).ConfigureAwait(false);

            // An empty retained message both tells Home Assistant to remove the device and clears the broker's copy.
            MqttClientPublishResult result = await MqttConnection.PublishAsync(
                client, topic, string.Empty, retain: true, mqtt.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                error.WriteLine($"error: the MQTT broker {mqtt.Host}:{mqtt.Port} refused the removal on {topic} ({result.ReasonCode}).");
                return ExitCodes.Failure;
            }

            // The entities' retained state goes too: the last snapshot is a picture of a person, and presence names people.
            foreach (string state in RetainedExtras(configuration, mqtt.EffectiveTopicPrefix(device)))
            {
                await MqttConnection.PublishAsync(client, state, string.Empty, retain: true, mqtt.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(mqtt.ConnectTimeout);
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or SocketException or IOException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            string reason = ex is OperationCanceledException ? $"no answer within {mqtt.ConnectTimeout.TotalSeconds:0.#} s (Mqtt:ConnectTimeout)" : ex.Message;
            error.WriteLine($"error: cannot reach the MQTT broker {mqtt.Host}:{mqtt.Port}: {reason}. Nothing was removed; check Mqtt:Host, Mqtt:Port and the broker.");
            return ExitCodes.Failure;
        }

        output.WriteLine($"Removed Home Assistant device '{device.Id}': empty retained payload on {topic}.");
        if (mqtt.Discovery.Enabled)
        {
            output.WriteLine("A running kvsedge with Mqtt:Discovery:Enabled=true announces the device again on its next connect; set it to false to keep it removed.");
        }

        return ExitCodes.Ok;
    }

    /// <summary>The retained topics of the snapshot image, the board diagnostics and every configured person's presence.</summary>
    private static IEnumerable<string> RetainedExtras(IConfiguration configuration, string prefix)
    {
        yield return prefix + "/" + HomeAssistantDiscoveryExtras.SnapshotSubtopic;
        yield return prefix + "/" + HomeAssistantDiscoveryExtras.SystemSubtopic;
        // Names only, unvalidated: a broken Access section must not keep a device in Home Assistant.
        string[] people = configuration.GetSection("Access:People").GetChildren().Select(c => c.Key).ToArray();
        foreach (string slug in DiscoveryExtras.Slugs(people).Values)
        {
            yield return prefix + "/" + HomeAssistantDiscoveryExtras.PresenceSubtopic(slug);
        }
    }

    private static void Validate(DeviceOptions device, MqttOptions mqtt, List<string> failures)
    {
        // The generated validator, as at host start: reflection-based validation is not trim/AOT-safe.
        ValidateOptionsResult deviceResult = new DeviceOptionsValidator().Validate(null, device);
        if (deviceResult.Failed)
        {
            failures.AddRange(deviceResult.Failures);
        }

        if (!mqtt.Enabled)
        {
            failures.Add("Mqtt:Enabled is false: there is no broker to remove the Home Assistant device from.");
        }

        // Removal is what disabling discovery leaves to do: the prefix must be valid even when discovery is off.
        bool discoveryEnabled = mqtt.Discovery.Enabled;
        mqtt.Discovery.Enabled = true;
        ValidateOptionsResult result = new MqttOptionsValidator().Validate(null, mqtt);
        mqtt.Discovery.Enabled = discoveryEnabled;
        if (result.Failed)
        {
            failures.AddRange(result.Failures);
        }

        ValidatedOptions.ThrowIfAny(failures);
    }
}

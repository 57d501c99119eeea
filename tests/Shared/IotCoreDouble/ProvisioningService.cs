using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Protocol;

namespace KvsEdge.TestSupport.IotCoreDouble;

/// <summary>
/// Fleet provisioning by claim on the double's broker, from the AWS IoT developer guide's MQTT API:
/// `$aws/certificates/create/json` (CreateKeysAndCertificate) answers on `/accepted` with certificateId,
/// certificatePem, privateKey and certificateOwnershipToken (a certificate signed by the test CA);
/// `$aws/provisioning-templates/&lt;template&gt;/provision/json` (RegisterThing) takes the token and parameters and answers
/// with deviceConfiguration and thingName. Rejections carry statusCode, errorCode and errorMessage: an unknown template
/// (404 ResourceNotFoundException), an unknown or spent ownership token (400 InvalidCertificateOwnershipToken), a
/// parameter the template needs but did not get (400 InvalidParameters).
/// </summary>
public sealed class ProvisioningService : IAsyncDisposable
{
    public const string CreateTopic = "$aws/certificates/create/json";

    private readonly IMqttClient _client;
    private readonly IotTestCertificates _certificates;
    private readonly IReadOnlyDictionary<string, string> _templates;
    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);

    private ProvisioningService(IMqttClient client, IotTestCertificates certificates, IReadOnlyDictionary<string, string> templates)
    {
        _client = client;
        _certificates = certificates;
        _templates = templates;
    }

    /// <summary>Things registered so far: thing name → certificate id.</summary>
    public ConcurrentDictionary<string, string> Things { get; } = new(StringComparer.Ordinal);

    /// <param name="templates">Template name → thing-name prefix; the thing is named prefix + SerialNumber.</param>
    public static async Task<ProvisioningService> StartAsync(IotCoreBroker broker, IotTestCertificates certificates, IReadOnlyDictionary<string, string> templates)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var service = new ProvisioningService(client, certificates, templates);
        client.ApplicationMessageReceivedAsync += e => service.OnRequestAsync(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray());
        await ServiceClient.ConnectAsync(client, broker, certificates, "-provisioning");
        MqttClientSubscribeResult result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(CreateTopic).WithAtLeastOnceQoS())
            .WithTopicFilter(f => f.WithTopic("$aws/provisioning-templates/+/provision/json").WithAtLeastOnceQoS())
            .Build()).WaitAsync(TimeSpan.FromSeconds(10));
        if (result.Items.Any(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2))
        {
            throw new InvalidOperationException("The broker refused the provisioning service's subscriptions:\n" + broker.Output);
        }

        return service;
    }

    private async Task OnRequestAsync(string topic, byte[] payload)
    {
        JsonObject? request;
        try
        {
            request = JsonNode.Parse(payload) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            request = null;
        }

        if (topic == CreateTopic)
        {
            if (request is null)
            {
                await RejectAsync(topic, 400, "InvalidPayload", "The payload is not a JSON object.");
                return;
            }

            var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            IssuedCertificate issued = _certificates.Issue("provisioned-" + id[..12], "provisioned-" + id[..12], server: false);
            var token = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
            _tokens[token] = id;
            await AnswerAsync(topic + "/accepted", new JsonObject
            {
                ["certificateId"] = id,
                ["certificatePem"] = await File.ReadAllTextAsync(issued.CertificatePath),
                ["privateKey"] = await File.ReadAllTextAsync(issued.KeyPath),
                ["certificateOwnershipToken"] = token,
            });
            return;
        }

        // $aws/provisioning-templates/<template>/provision/json
        var template = topic.Split('/')[2];
        if (!_templates.TryGetValue(template, out var prefix))
        {
            await RejectAsync(topic, 404, "ResourceNotFoundException", $"Template {template} not found.");
            return;
        }

        if (request?["certificateOwnershipToken"] is not JsonValue t || !t.TryGetValue<string>(out var ownership) || !_tokens.TryRemove(ownership, out var certificateId))
        {
            await RejectAsync(topic, 400, "InvalidCertificateOwnershipToken", "The certificate ownership token is not valid.");
            return;
        }

        if (request["parameters"]?["SerialNumber"] is not JsonValue s || !s.TryGetValue<string>(out var serialNumber) || serialNumber.Length == 0)
        {
            await RejectAsync(topic, 400, "InvalidParameters", "The template needs the parameter SerialNumber.");
            return;
        }

        var thing = prefix + serialNumber;
        Things[thing] = certificateId;
        await AnswerAsync(topic + "/accepted", new JsonObject { ["deviceConfiguration"] = new JsonObject(), ["thingName"] = thing });
    }

    private Task RejectAsync(string topic, int status, string code, string message) =>
        AnswerAsync(topic + "/rejected", new JsonObject { ["statusCode"] = status, ["errorCode"] = code, ["errorMessage"] = message });

    private async Task AnswerAsync(string topic, JsonObject payload) =>
        await _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(Encoding.UTF8.GetBytes(payload.ToJsonString()))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}

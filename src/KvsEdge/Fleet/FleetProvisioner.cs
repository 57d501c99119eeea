using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using KvsEdge.Status;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace KvsEdge.Fleet;

/// <summary>What `iot provision` needs: the claim identity, where to connect, the template and its parameters.</summary>
public sealed record ProvisioningRequest(
    string Endpoint,
    int Port,
    string CaPath,
    string ClaimCertificatePath,
    string ClaimKeyPath,
    string TemplateName,
    IReadOnlyDictionary<string, string> Parameters);

/// <summary>The device identity the provisioning service gave back. The key is in memory only until it is stored.</summary>
public sealed record ProvisionedDevice(string ThingName, string CertificateId, string CertificatePem, string PrivateKeyPem)
{
    public override string ToString() => $"ProvisionedDevice {{ ThingName = {ThingName}, CertificateId = {CertificateId} }}";
}

/// <summary>The provisioning service said no (its errorCode and errorMessage), or did not answer in time.</summary>
public sealed class ProvisioningException(string message) : Exception(message);

/// <summary>
/// Fleet provisioning by claim over MQTT, as the AWS IoT developer guide documents it: connect with the claim
/// certificate, subscribe to the `/accepted` and `/rejected` answers first, publish `$aws/certificates/create/json`
/// (CreateKeysAndCertificate), then `$aws/provisioning-templates/&lt;template&gt;/provision/json` (RegisterThing) with the
/// certificateOwnershipToken and the template parameters. Returns the new certificate, its key and the thing name.
/// </summary>
public sealed class FleetProvisioner(TimeProvider time, ILogger<FleetProvisioner>? logger = null)
{
    public const string CreateTopic = "$aws/certificates/create/json";

    /// <summary>Each step's bound: AWS answers in well under a second; a silent service must not hang the command.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public static string ProvisionTopic(string template) => $"$aws/provisioning-templates/{template}/provision/json";

    public async Task<ProvisionedDevice> ProvisionAsync(ProvisioningRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var provisionTopic = ProvisionTopic(request.TemplateName);
        string[] answers = [CreateTopic + "/accepted", CreateTopic + "/rejected", provisionTopic + "/accepted", provisionTopic + "/rejected"];
        var pending = answers.ToDictionary(t => t, _ => new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously), StringComparer.Ordinal);

        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (pending.TryGetValue(e.ApplicationMessage.Topic, out var done))
            {
                var payload = Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray());
                done.TrySetResult(JsonNode.Parse(payload) as JsonObject ?? []);
            }

            return Task.CompletedTask;
        };

        var tls = new MqttTlsOptions { Enabled = true, CaFile = request.CaPath, ClientCertificateFile = request.ClaimCertificatePath, ClientKeyFile = request.ClaimKeyPath };
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(request.Endpoint, request.Port)
            .WithClientId("kvsedge-claim-" + Guid.NewGuid().ToString("N")[..12])
            .WithCleanSession()
            .WithTlsOptions(MqttTls.Build(tls, request.Endpoint, _logger))
            .Build();
        using var timeout = new CancellationTokenSource(StepTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        await client.ConnectAsync(options, linked.Token).ConfigureAwait(false);
        try
        {
            // Subscribe before publishing: an answer published before the subscription would be lost.
            var subscribe = new MqttClientSubscribeOptionsBuilder();
            foreach (var topic in answers)
            {
                subscribe.WithTopicFilter(f => f.WithTopic(topic).WithAtLeastOnceQoS());
            }

            var granted = await client.SubscribeAsync(subscribe.Build(), linked.Token).ConfigureAwait(false);
            if (granted.Items.Any(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2))
            {
                throw new ProvisioningException("the broker refused the provisioning subscriptions: is this the claim certificate, and does its policy allow them?");
            }

            var created = await AskAsync(client, CreateTopic, new JsonObject(), pending, linked.Token).ConfigureAwait(false);
            var token = Text(created, "certificateOwnershipToken", CreateTopic);
            var device = new ProvisionedDevice(
                ThingName: string.Empty,
                Text(created, "certificateId", CreateTopic),
                Text(created, "certificatePem", CreateTopic),
                Text(created, "privateKey", CreateTopic));

            var parameters = new JsonObject();
            foreach (var (key, value) in request.Parameters)
            {
                parameters[key] = value;
            }

            timeout.CancelAfter(StepTimeout);
            var registered = await AskAsync(
                client, provisionTopic, new JsonObject { ["certificateOwnershipToken"] = token, ["parameters"] = parameters }, pending, linked.Token).ConfigureAwait(false);
            var thing = Text(registered, "thingName", provisionTopic);
            Log.Provisioned(_logger, thing, device.CertificateId, request.TemplateName);
            return device with { ThingName = thing };
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ProvisioningException($"the provisioning service did not answer within {StepTimeout.TotalSeconds:0} s.");
        }
        finally
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static async Task<JsonObject> AskAsync(
        IMqttClient client, string topic, JsonObject payload, Dictionary<string, TaskCompletionSource<JsonObject>> pending, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(Encoding.UTF8.GetBytes(payload.ToJsonString()))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        var accepted = pending[topic + "/accepted"].Task;
        var rejected = pending[topic + "/rejected"].Task;
        var first = await Task.WhenAny(accepted, rejected).WaitAsync(cancellationToken).ConfigureAwait(false);
        var answer = await first.ConfigureAwait(false);
        if (first == rejected)
        {
            throw new ProvisioningException(
                $"{topic} was rejected: {answer["errorCode"]?.ToString() ?? "?"} ({answer["statusCode"]?.ToString() ?? "?"}): {answer["errorMessage"]?.ToString() ?? string.Empty}");
        }

        return answer;
    }

    private static string Text(JsonObject answer, string name, string topic) =>
        answer[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
            ? text
            : throw new ProvisioningException($"{topic}/accepted has no {name}.");
}

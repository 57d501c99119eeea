using System.Text;
using System.Text.Json.Nodes;
using KvsEdge.Iot;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using KvsEdge.TestSupport.IotCoreDouble;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Protocol;

namespace KvsEdge.IntegrationTests.Iot;

/// <summary>The keyed `iot` connection against the IoT Core double: mutual TLS, client id = thing name, exact topics.</summary>
[Trait("Category", "Integration")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class IotCoreConnectionTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private IotCoreDouble _iot = null!;

    public async Task InitializeAsync() => _iot = await IotCoreDouble.StartAsync();

    public async Task DisposeAsync() => await _iot.DisposeAsync();

    [Fact]
    public async Task A_device_connects_with_its_certificate_and_reads_its_named_shadow()
    {
        const string thing = "door-lobby";
        await _iot.Shadows.SetDesiredAsync(thing, "config", JsonNode.Parse("""{"Access":{"Cooldown":"00:00:05"}}"""));
        MqttBrokerConnection connection = IotServiceCollectionExtensions.CreateConnection(_iot.DeviceOptions(thing), TimeProvider.System, NullLogger.Instance);
        string prefix = ShadowService.Prefix(thing, "config");
        var accepted = new RecordingInboundHandler(prefix + "/get/accepted");
        using var subscription = connection.Subscribe(accepted);
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Connected += (_, _) => connected.TrySetResult();
        using var cts = new CancellationTokenSource();
        Task run = connection.RunAsync(cts.Token);
        try
        {
            await connected.Task.WaitAsync(Timeout);
            connection.Publish(prefix + "/get", Encoding.UTF8.GetBytes("""{"clientToken":"t1"}"""), MqttQualityOfServiceLevel.AtLeastOnce, retain: false);
            MqttInboundMessage message = await accepted.WaitForAsync(_ => true, Timeout);
            JsonNode document = JsonNode.Parse(RecordingInboundHandler.Text(message))!;
            Assert.Equal("t1", document["clientToken"]!.GetValue<string>());
            Assert.Equal("00:00:05", document["state"]!["desired"]!["Access"]!["Cooldown"]!.GetValue<string>());
            Assert.Equal(1, document["version"]!.GetValue<long>());
            Assert.Contains($"New client connected from 127.0.0.1", _iot.Broker.Output, StringComparison.Ordinal);
            Assert.Contains($"as {thing} ", _iot.Broker.Output, StringComparison.Ordinal);
            Assert.Equal([prefix + "/get/accepted"], _iot.Broker.SubscriptionsOf(thing));
        }
        finally
        {
            await cts.CancelAsync();
            await run;
        }
    }
}

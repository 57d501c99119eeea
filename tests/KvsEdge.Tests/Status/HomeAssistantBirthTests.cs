using System.Text;
using KvsEdge.Camera;
using KvsEdge.Common;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Status;

/// <summary>Which messages on Home Assistant's birth topic make discovery go out again (read off the publish queue).</summary>
public sealed class HomeAssistantBirthTests : IDisposable
{
    private readonly MqttStatusPublisher _publisher;
    private readonly HomeAssistantDiscoveryPublisher _discovery;

    public HomeAssistantBirthTests()
    {
        MqttOptions options = TestPublishers.Options("127.0.0.1", 1);
        _publisher = TestPublishers.Create(options, "birth", TimeProvider.System);
        _discovery = new HomeAssistantDiscoveryPublisher(
            _publisher,
            Options.Create(options),
            Options.Create(new DeviceOptions { Id = "birth" }),
            Options.Create(new CameraOptions { Enabled = false }),
            NullLogger<HomeAssistantDiscoveryPublisher>.Instance);
    }

    public void Dispose() => _publisher.Dispose();

    private static MqttInboundMessage Message(string payload, bool retain) => new("homeassistant/status", Encoding.UTF8.GetBytes(payload), retain);

    /// <summary>Takes what is waiting to be sent and returns the discovery payloads among it.</summary>
    private List<string> TakeDiscovery()
    {
        var sent = new List<string>();
        while (_publisher.Queue.TryDequeue(out OutgoingMessage message))
        {
            if (message.Topic == _discovery.ConfigTopic)
            {
                Assert.True(message.Retained);
                sent.Add(message.Payload);
            }
        }

        return sent;
    }

    [Fact]
    public async Task Discovery_is_queued_at_start_and_again_only_for_a_live_online()
    {
        await _discovery.StartAsync(CancellationToken.None);
        string payload = Assert.Single(TakeDiscovery());

        await _discovery.HandleAsync(Message("online", retain: true), CancellationToken.None); // replayed on subscribe
        await _discovery.HandleAsync(Message("offline", retain: false), CancellationToken.None); // Home Assistant's will
        Assert.Empty(TakeDiscovery());

        await _discovery.HandleAsync(Message("online", retain: false), CancellationToken.None);
        Assert.Equal([payload], TakeDiscovery());
    }
}

using System.Text;
using System.Text.Json.Nodes;
using KvsEdge.Door;
using KvsEdge.Iot;
using KvsEdge.Status;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Iot;

public sealed class StatusShadowTests
{
    private static StatusShadow Create(FakeTimeProvider time) => new(
        new MqttBrokerConnection("iot", new MqttOptions { Enabled = false }, "door-lobby", time, NullLogger.Instance),
        Options.Create(new IotOptions { ThingName = "door-lobby", StatusInterval = TimeSpan.FromSeconds(30) }),
        time);

    [Fact]
    public void Changes_within_the_interval_are_coalesced_into_one_update_when_it_ends()
    {
        var time = new FakeTimeProvider();
        using StatusShadow shadow = Create(time);
        shadow.SetDoor(DoorState.Unlocked);
        Assert.Equal(1, shadow.Sent);
        Assert.Equal("unlocked", shadow.LastSent!["door"]!.GetValue<string>());

        shadow.SetDoor(DoorState.Locked);
        shadow.SetRecognition(new RecognitionStatus("kinesis", "running", 12, null));
        time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.Equal(1, shadow.Sent);

        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(2, shadow.Sent);
        Assert.Equal("locked", shadow.LastSent!["door"]!.GetValue<string>());
        Assert.Equal("running", shadow.LastSent!["recognition"]!["state"]!.GetValue<string>());
        Assert.Equal(HomeAssistantDiscovery.CurrentVersion, shadow.LastSent!["version"]!.GetValue<string>());

        // Nothing changed: nothing more is sent.
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(2, shadow.Sent);
    }

    [Fact]
    public void A_state_larger_than_the_shadow_limit_is_cut_to_fit()
    {
        var state = new JsonObject
        {
            ["door"] = "locked",
            ["camera"] = JsonNode.Parse($$"""{"state":"streaming","detail":{{string.Join(",", Enumerable.Repeat("\"x\"", 1)) }},"sinks":[{{string.Join(",", Enumerable.Range(0, 400).Select(i => $"\"sink-{i}\""))}}]}"""),
            ["recognition"] = JsonNode.Parse($$"""{"state":"error","last_error":"{{new string('e', 20_000)}}"}"""),
            ["vision"] = JsonNode.Parse($$"""{"state":"running","faces":[{{string.Join(",", Enumerable.Range(0, 300).Select(i => $"{{\"x\":{i},\"y\":{i}}}"))}}]}"""),
        };
        Assert.True(Encoding.UTF8.GetByteCount(state.ToJsonString()) > 8 * 1024);

        JsonObject fitted = StatusShadow.Fit(state, StatusShadow.MaxReportedBytes);
        Assert.True(Encoding.UTF8.GetByteCount(fitted.ToJsonString()) <= StatusShadow.MaxReportedBytes);
        Assert.Equal("locked", fitted["door"]!.GetValue<string>());
        Assert.Equal("running", fitted["vision"]!["state"]!.GetValue<string>());
        Assert.Equal("error", fitted["recognition"]!["state"]!.GetValue<string>());
    }
}

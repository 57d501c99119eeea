using System.Text.Json.Nodes;
using KvsEdge.Fleet;

namespace KvsEdge.Tests.Fleet;

public sealed class FleetConfigPusherTests
{
    private static readonly FleetDeviceResult Sent = new("door-1", FleetDeviceOutcome.Pending, 7, null, "sent");

    private static FleetDeviceResult Read(string? reported) =>
        FleetConfigPusher.Read(Sent, reported is null ? null : JsonNode.Parse(reported)!.AsObject());

    [Fact]
    public void A_door_that_reports_the_version_without_an_error_applied_it()
    {
        var result = Read("""{"config_version":7}""");
        Assert.Equal(FleetDeviceOutcome.Accepted, result.Outcome);
        Assert.Equal(7, result.ReportedVersion);
        Assert.Equal(FleetDeviceOutcome.Accepted, Read("""{"config_version":9,"config_refused_version":6,"config_error":"old"}""").Outcome);
        Assert.Equal("applied; waits for a restart: Access:MaxEventAge", Read("""{"config_version":7,"pending_restart":["Access:MaxEventAge"]}""").Detail);
    }

    [Fact]
    public void A_door_that_reports_the_version_with_an_error_refused_it_and_says_why()
    {
        var result = Read("""{"config_version":5,"config_refused_version":7,"config_error":"Access:Cooldown: bad; Door:Relay:Pin: not allowed"}""");
        Assert.Equal(FleetDeviceOutcome.Refused, result.Outcome);
        Assert.Equal(7, result.ReportedVersion);
        Assert.Equal("Access:Cooldown: bad; Door:Relay:Pin: not allowed", result.Detail);
    }

    /// <summary>An error about an older version says nothing about this one: still pending.</summary>
    [Theory]
    [InlineData(null)]
    [InlineData("""{}""")]
    [InlineData("""{"config_version":6}""")]
    [InlineData("""{"config_version":5,"config_refused_version":6,"config_error":"old"}""")]
    public void A_door_still_on_an_older_version_is_pending(string? reported) =>
        Assert.Equal(FleetDeviceOutcome.Pending, Read(reported).Outcome);
}

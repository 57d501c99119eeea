using KvsEdge.Camera;
using KvsEdge.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace KvsEdge.Tests.Camera;

/// <summary>The appliance's own registrations: the JPEG tap (Camera) and the motion tap (Triggers) reach the supervisor as two.</summary>
public sealed class FrameBranchHostingTests
{
    private static string[] RegisteredBranches(Dictionary<string, string?> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(configuration);
        KvsEdgeHost.AddKvsEdge(services, configuration);
        using ServiceProvider provider = services.BuildServiceProvider();
        return [.. provider.GetServices<FrameBranchRegistration>().Select(r => r.Branch.Caps + " " + r.Branch.Name)];
    }

    [Fact]
    public void Tap_then_motion_in_registration_order_with_their_configured_sizes()
    {
        string[] branches = RegisteredBranches(new()
        {
            ["Camera:FrameTap:Width"] = "320",
            ["Camera:FrameTap:Height"] = "240",
            ["Recognition:Source"] = "image-api", // triggers (motion among them) serve the image-API source
            ["Triggers:Motion:Enabled"] = "true",
        });

        Assert.Equal(2, branches.Length);
        Assert.StartsWith("video/x-raw,width=320,height=240,framerate=", branches[0], StringComparison.Ordinal);
        Assert.EndsWith(" tap", branches[0], StringComparison.Ordinal);
        Assert.StartsWith("video/x-raw,format=GRAY8,", branches[1], StringComparison.Ordinal);
        Assert.EndsWith(" motion", branches[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Neither_when_both_are_off()
    {
        Assert.Empty(RegisteredBranches(new() { ["Camera:FrameTap:Enabled"] = "false", ["Recognition:Source"] = "image-api", ["Triggers:Motion:Enabled"] = "false" }));
    }
}

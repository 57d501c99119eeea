using KvsEdge.Door;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KvsEdge.Tests.Door;

public class DoorRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        services.AddDoor();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task The_door_is_one_instance_behind_IDoor_and_the_hosted_service()
    {
        await using ServiceProvider provider = Build(new() { ["Door:Driver"] = "simulated", ["Door:Relay:Pin"] = "4" });

        // The relay first, then the door's inputs (which need the relay safe before an exit button can pulse it).
        IHostedService[] hosted = [.. provider.GetServices<IHostedService>()];
        Assert.Equal(2, hosted.Length);
        Assert.Same(provider.GetRequiredService<IDoor>(), hosted[0]);
        Assert.Same(provider.GetRequiredService<DoorInputMonitor>(), hosted[1]);
        Assert.Equal(4, provider.GetRequiredService<IOptions<DoorOptions>>().Value.Relay.Pin);
    }

    [Fact]
    public async Task Invalid_configuration_is_rejected_with_the_key_named()
    {
        await using ServiceProvider provider = Build(new() { ["Door:Driver"] = "simulated", ["Door:PulseDuration"] = "00:05:00" });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DoorOptions>>().Value);
        Assert.Contains(ex.Failures, f => f.StartsWith("Door:PulseDuration", StringComparison.Ordinal));
    }
}

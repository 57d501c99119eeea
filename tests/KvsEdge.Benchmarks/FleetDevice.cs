using System.Globalization;
using KvsEdge.Access;
using KvsEdge.Common;
using KvsEdge.Door;
using KvsEdge.Iot;
using KvsEdge.Status;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Benchmarks;

/// <summary>
/// One simulated door of the fleet bench: the appliance's own `Device`, `Door`, `Access` options and
/// <see cref="AccessPolicy"/> as KvsEdgeHost registers them, and <see cref="IotServiceCollectionExtensions.AddIotCore"/>
/// (the keyed `iot` connection with its own certificate and client id, <see cref="ConfigShadow"/>, the last-good store).
/// Only the connection and the config shadow are started: no GPIO, camera or recognition runs, so 200 fit in one process.
/// </summary>
internal sealed class FleetDevice : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly IHostedService[] _started;
    private readonly Lock _gate = new();
    private readonly List<ConfigShadowResult> _results = [];

    private FleetDevice(string thing, ServiceProvider provider, IHostedService[] started)
    {
        Thing = thing;
        _provider = provider;
        _started = started;
        Shadow = provider.GetRequiredService<ConfigShadow>();
        Policy = provider.GetRequiredService<AccessPolicy>();
        Store = provider.GetRequiredService<ShadowConfigStore>();
        Connection = provider.GetRequiredKeyedService<MqttBrokerConnection>(IotServiceCollectionExtensions.ConnectionName);
        Shadow.Judged += (_, r) =>
        {
            lock (_gate)
            {
                _results.Add(r);
            }
        };
    }

    public string Thing { get; }

    public ConfigShadow Shadow { get; }

    public AccessPolicy Policy { get; }

    public ShadowConfigStore Store { get; }

    public MqttBrokerConnection Connection { get; }

    /// <summary>Every judgement of a desired document, in order.</summary>
    public IReadOnlyList<ConfigShadowResult> Results
    {
        get
        {
            lock (_gate)
            {
                return [.. _results];
            }
        }
    }

    /// <summary>The device's file: alice allowed, a simulated door; `Iot:*` from the double (its own certificate).</summary>
    public static Dictionary<string, string?> FileSettings(IReadOnlyDictionary<string, string?> iot, string thing, string stateDirectory)
    {
        var settings = new Dictionary<string, string?>(iot)
        {
            ["Device:Id"] = thing,
            ["Device:StateDirectory"] = stateDirectory,
            ["Door:Driver"] = DoorOptions.SimulatedDriver,
            ["Door:Relay:Pin"] = "17",
            ["Door:MaxPulseDuration"] = "00:00:10",
            ["Access:People:alice:MinSimilarity"] = "90",
        };
        return settings;
    }

    /// <summary>Builds the device (options validated as at start) without connecting it yet.</summary>
    public static FleetDevice Create(string thing, IReadOnlyDictionary<string, string?> settings, ILoggerFactory loggers)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddSingleton(loggers);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(TimeProvider.System);
        services.AddValidatedOptions<DeviceOptions, DeviceOptionsValidator>(configuration, DeviceOptions.SectionName, static (c, o, b) => c.Bind(o, b));
        services.AddValidatedOptions<DoorOptions, DoorOptionsValidator>(configuration, DoorOptions.SectionName, static (c, o, b) => c.Bind(o, b));
        services.AddValidatedOptions<AccessOptions, AccessOptionsValidator>(configuration, AccessOptions.SectionName, static (c, o, b) => c.Bind(o, b));
        services.AddSingleton(sp => new AccessPolicy(sp.GetRequiredService<IOptions<AccessOptions>>().Value));
        // AddIotCore also registers the jobs agent, which needs the host's lifetime; the bench never starts it.
        services.AddSingleton<IHostApplicationLifetime, Microsoft.Extensions.Hosting.Internal.ApplicationLifetime>();
        services.AddIotCore(configuration);
        ServiceProvider provider = services.BuildServiceProvider();
        try
        {
            provider.GetService<IStartupValidator>()?.Validate();
        }
        catch (OptionsValidationException ex)
        {
            provider.Dispose();
            throw new BenchException($"{thing}: {string.Join("; ", ex.Failures)}");
        }

        // The config shadow subscribes before the connection runs (registration order, as in the host).
        IHostedService[] started = [.. provider.GetServices<IHostedService>().Where(s => s is ConfigShadow or IotConnectionService)];
        return new FleetDevice(thing, provider, started);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (IHostedService service in _started)
        {
            await service.StartAsync(cancellationToken);
        }
    }

    /// <summary>The people the running policy lets in (what the device applies, whatever it reported).</summary>
    public string People => string.Join(",", Policy.People);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Thing} (applied v{Store.Current?.Version})");

    public async ValueTask DisposeAsync()
    {
        foreach (IHostedService service in _started.Reverse())
        {
            try
            {
                await service.StopAsync(CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                // Stopping anyway.
            }
        }

        await _provider.DisposeAsync();
    }
}

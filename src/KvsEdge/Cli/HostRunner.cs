using KvsEdge.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KvsEdge.Cli;

/// <summary>`kvsedge run`: build, validate, run until SIGTERM.</summary>
public static class HostRunner
{
    public static async Task<int> RunAsync(string? configFile, CancellationToken cancellationToken)
    {
        IHost? host = TryBuild(configFile, overrides: null, Console.Error);
        if (host is null)
        {
            return ExitCodes.Config;
        }

        using (host)
        {
            // Start-up (configuration, DI, the first requests) leaves garbage the steady state never needs again: one
            // compacting collection returns its regions to the OS. Registered first, so it runs after READY=1.
            host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(ReleaseStartupMemory);
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    internal static void ReleaseStartupMemory() =>
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    /// <summary>
    /// Builds the host and validates every options section before any hosted service (and so any GPIO line) is
    /// created. Returns null after writing the errors, each naming its key.
    /// </summary>
    public static IHost? TryBuild(
        string? configFile, IReadOnlyDictionary<string, string?>? overrides, TextWriter error, Action<IServiceCollection>? configureServices = null)
    {
        IHost? host = null;
        try
        {
            host = KvsEdgeHost.CreateBuilder(configFile, overrides, configureServices).Build();
            host.Services.GetService<IStartupValidator>()?.Validate();
            // Construct every hosted service now (none starts yet): a missing AWS region or credentials is then a
            // configuration error reported here, not an exception half-way through start-up.
            _ = host.Services.GetServices<IHostedService>().ToList();
            return host;
        }
        catch (Exception ex) when (ConfigurationErrors.TryReport(ex, error))
        {
            host?.Dispose();
            return null;
        }
    }
}

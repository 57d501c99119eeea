using Microsoft.Extensions.Configuration;

namespace KvsEdge.Hosting;

/// <summary>
/// The configuration layers, lowest first: appsettings.json beside the binary, /etc/kvsedge/appsettings.json,
/// the --config file, KVSEDGE_ environment variables, then what the verb itself fixes (the demo's overrides).
/// </summary>
public static class KvsEdgeConfiguration
{
    public const string SystemFile = "/etc/kvsedge/appsettings.json";
    public const string EnvironmentPrefix = "KVSEDGE_";

    public static IConfigurationBuilder AddKvsEdgeSources(this IConfigurationBuilder builder, string? configFile, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        AddUserSources(builder, configFile);
        if (overrides is not null)
        {
            builder.AddInMemoryCollection(overrides);
        }

        return builder;
    }

    /// <summary>Only what the operator set (no bundled defaults): the demo asks it whether a broker is configured.</summary>
    public static IConfigurationRoot BuildUserConfiguration(string? configFile) =>
        AddUserSources(new ConfigurationBuilder(), configFile).Build();

    private static IConfigurationBuilder AddUserSources(IConfigurationBuilder builder, string? configFile)
    {
        builder.AddJsonFile(SystemFile, optional: true, reloadOnChange: false);
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new FileNotFoundException($"Configuration file '{configFile}' does not exist.", configFile);
            }

            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        return builder;
    }
}

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

    /// <param name="reloadOnChange">
    /// When set, watch the operator's files (/etc/kvsedge, --config) for edits and report unreadable ones to it; the
    /// running service does, so the access rules can change live. One-shot verbs do not (`door lock` must not depend
    /// on a file watcher). The bundled defaults are never watched.
    /// </param>
    public static IConfigurationBuilder AddKvsEdgeSources(
        this IConfigurationBuilder builder, string? configFile, IReadOnlyDictionary<string, string?>? overrides = null, ConfigurationReloadErrors? reloadOnChange = null)
    {
        builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        AddUserSources(builder, configFile, reloadOnChange);
        if (overrides is not null)
        {
            builder.AddInMemoryCollection(overrides);
        }

        return builder;
    }

    /// <summary>Only what the operator set (no bundled defaults): the demo asks it whether a broker is configured.</summary>
    public static IConfigurationRoot BuildUserConfiguration(string? configFile) =>
        AddUserSources(new ConfigurationBuilder(), configFile).Build();

    private static IConfigurationBuilder AddUserSources(IConfigurationBuilder builder, string? configFile, ConfigurationReloadErrors? reloadOnChange = null)
    {
        // Only watch a directory that exists: for a missing one the file provider falls back to the nearest existing
        // parent (ultimately `/`) and would watch that whole tree.
        AddJsonFile(builder, SystemFile, optional: true, Directory.Exists(Path.GetDirectoryName(SystemFile)) ? reloadOnChange : null);
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new FileNotFoundException($"Configuration file '{configFile}' does not exist.", configFile);
            }

            AddJsonFile(builder, Path.GetFullPath(configFile), optional: false, reloadOnChange);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        return builder;
    }

    private static void AddJsonFile(IConfigurationBuilder builder, string path, bool optional, ConfigurationReloadErrors? reloadOnChange) =>
        builder.AddJsonFile(source =>
        {
            source.Path = path;
            source.Optional = optional;
            source.ReloadOnChange = reloadOnChange is not null;
            if (reloadOnChange is not null)
            {
                source.OnLoadException = reloadOnChange.OnLoadException;
            }

            source.ResolveFileProvider();
        });
}

using System.Device.Gpio;
using System.Globalization;
using KvsEdge.Common;
using KvsEdge.Door;
using KvsEdge.Hosting;
using Microsoft.Extensions.Configuration;

namespace KvsEdge.Cli;

/// <summary>
/// `kvsedge door lock`: systemd's ExecStopPost, so the strike is locked after any exit, crash included. It always
/// drives a relay: the configured one when the Door section reads, binds and validates; else the last known relay
/// that `run` saved in the state directory; else the packaged defaults. Each fallback is said on stderr.
/// </summary>
public static class DoorLockRunner
{
    /// <summary>Set by systemd (StateDirectory=) for every Exec* command, ExecStopPost included.</summary>
    internal const string StateDirectoryVariable = "STATE_DIRECTORY";

    public static int Run(string? configFile) =>
        Run(configFile, Console.Out, Console.Error, Environment.GetEnvironmentVariable);

    /// <param name="environment">Reads environment variables (tests pass their own).</param>
    /// <param name="openDriver">Opens the GPIO driver for the chosen options; null for the real factory.</param>
    internal static int Run(
        string? configFile, TextWriter output, TextWriter error, Func<string, string?> environment, Func<DoorOptions, GpioDriver>? openDriver = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(environment);

        DoorOptions? options = null;
        string? configuredStateDirectory = null;
        string problem;
        try
        {
            IConfigurationRoot configuration = new ConfigurationBuilder().AddKvsEdgeSources(configFile).Build();
            configuredStateDirectory = configuration[$"{DeviceOptions.SectionName}:{nameof(DeviceOptions.StateDirectory)}"];

            // Only the Door section is bound, as `run` binds it (strict keys included): a bad value or an unknown key in
            // any other section must not stop the lock.
            var doorProblems = new List<string>();
            DoorOptions bound = ValidatedOptions.Load<DoorOptions>(configuration, DoorOptions.SectionName, static (c, o, b) => c.Bind(o, b), doorProblems, new DoorOptionsValidator());
            problem = string.Join(" ", doorProblems.Distinct(StringComparer.Ordinal));
            options = doorProblems.Count > 0 ? null : bound;
        }
        catch (Exception ex)
        {
            // Unreadable, not JSON, or unbindable: whatever it is, the strike still gets locked below.
            using var report = new StringWriter(CultureInfo.InvariantCulture);
            problem = ConfigurationErrors.TryReport(ex, report)
                ? string.Join(" ", report.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1).Select(l => l.TrimStart('-', ' ')))
                : ex.Message;
        }

        if (options is null)
        {
            options = Fallback(problem, configuredStateDirectory, environment, error);
        }

        return DoorLock.Lock(options, output, openDriver: openDriver);
    }

    private static DoorOptions Fallback(string problem, string? configuredStateDirectory, Func<string, string?> environment, TextWriter error)
    {
        // The directory `run` used: from the configuration if it still says, else systemd's, else the default.
        string stateDirectory = new[] { configuredStateDirectory, environment(StateDirectoryVariable)?.Split(':')[0], new DeviceOptions().StateDirectory }
            .First(d => !string.IsNullOrWhiteSpace(d))!;
        LastKnownRelay? relay = LastKnownRelay.TryLoad(stateDirectory, out string loadProblem);
        if (relay is not null)
        {
            error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"door lock: the configuration cannot be used ({problem}); locking the last known relay from {Path.Combine(stateDirectory, LastKnownRelay.FileName)}: {Describe(relay)}."));
            return relay.ToOptions();
        }

        relay = LastKnownRelay.PackagedDefaults;
        error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"door lock: the configuration cannot be used ({problem}) and {loadProblem}; locking the packaged default relay: {Describe(relay)}."));
        return relay.ToOptions();
    }

    private static string Describe(LastKnownRelay relay) => string.Create(
        CultureInfo.InvariantCulture, $"driver '{relay.Driver}', chip {relay.Chip}, pin {relay.Pin}, active {(relay.ActiveLow ? "low" : "high")}");
}

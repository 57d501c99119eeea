using KvsEdge.Common;
using KvsEdge.Door;
using KvsEdge.Hosting;
using Microsoft.Extensions.Configuration;

namespace KvsEdge.Cli;

/// <summary>`kvsedge door lock`: systemd's ExecStopPost, so the strike is locked after any exit, crash included.</summary>
public static class DoorLockRunner
{
    public static int Run(string? configFile)
    {
        DoorOptions options;
        var warnings = new List<string>();
        try
        {
            IConfigurationRoot configuration = new ConfigurationBuilder().AddKvsEdgeSources(configFile).Build();
            // Bound as `run` binds it (a refused key keeps its default); problems are warnings here, never a reason not to lock.
            warnings.AddRange(ConfigurationSchema.Check(configuration).Select(p => p.Message));
            options = ValidatedOptions.Load<DoorOptions>(configuration, DoorOptions.SectionName, static (c, o, b) => c.Bind(o, b), warnings, new DoorOptionsValidator());
        }
        catch (Exception ex) when (ConfigurationErrors.TryReport(ex, Console.Error))
        {
            return ExitCodes.Config;
        }

        // Only the relay's chip, pin and polarity matter here: a bad value elsewhere (a pulse length, an LED) must
        // not stop us from driving the strike to locked. DoorLock itself refuses an invalid relay pin.
        foreach (string warning in warnings.Distinct(StringComparer.Ordinal))
        {
            Console.Error.WriteLine($"warning: {warning}");
        }

        return DoorLock.Lock(options, Console.Out);
    }
}

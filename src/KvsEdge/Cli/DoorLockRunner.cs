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
        try
        {
            IConfigurationRoot configuration = new ConfigurationBuilder().AddKvsEdgeSources(configFile).Build();
            options = configuration.GetSection(DoorOptions.SectionName).Get<DoorOptions>() ?? new DoorOptions();
        }
        catch (Exception ex) when (ConfigurationErrors.TryReport(ex, Console.Error))
        {
            return ExitCodes.Config;
        }

        // Only the relay's chip, pin and polarity matter here: a bad value elsewhere (a pulse length, an LED) must
        // not stop us from driving the strike to locked. DoorLock itself refuses an invalid relay pin.
        var validation = new DoorOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            foreach (string failure in validation.Failures)
            {
                Console.Error.WriteLine($"warning: {failure}");
            }
        }

        return DoorLock.Lock(options, Console.Out);
    }
}

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
            var result = new DoorOptionsValidator().Validate(null, options);
            if (result.Failed)
            {
                throw new Microsoft.Extensions.Options.OptionsValidationException(DoorOptions.SectionName, typeof(DoorOptions), result.Failures);
            }
        }
        catch (Exception ex) when (ConfigurationErrors.TryReport(ex, Console.Error))
        {
            return ExitCodes.Config;
        }

        using var driver = GpioDriverFactory.Create(options, TimeProvider.System);
        return DoorLock.Lock(options, driver, Console.Out);
    }
}

using Microsoft.Extensions.Options;

namespace KvsEdge.Cli;

/// <summary>Turns configuration failures into one readable message per bad key, and nothing else.</summary>
public static class ConfigurationErrors
{
    /// <summary>True when <paramref name="exception"/> is a configuration problem; its messages are written out.</summary>
    public static bool TryReport(Exception exception, TextWriter error)
    {
        switch (exception)
        {
            case OptionsValidationException validation:
                error.WriteLine("Configuration error:");
                foreach (string failure in validation.Failures.Distinct(StringComparer.Ordinal))
                {
                    error.WriteLine($"  - {failure}");
                }

                return true;
            case AggregateException aggregate when aggregate.InnerExceptions.All(e => e is OptionsValidationException):
                error.WriteLine("Configuration error:");
                foreach (string failure in aggregate.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures).Distinct(StringComparer.Ordinal))
                {
                    error.WriteLine($"  - {failure}");
                }

                return true;
            case InvalidOperationException when exception.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal):
                // The binder names the key ("... at 'Door:PulseDuration' to type 'System.TimeSpan'").
                error.WriteLine($"Configuration error:\n  - {exception.Message}{(exception.InnerException is null ? string.Empty : " " + exception.InnerException.Message)}");
                return true;
            case KvsEdge.Door.GpioLibraryMissingException:
                // An installation problem, not a key; like a bad key, restarting cannot fix it (exit 78).
                error.WriteLine($"Installation error:\n  - {exception.Message}");
                return true;
            case FileNotFoundException or System.IO.InvalidDataException or System.Text.Json.JsonException or KvsEdge.Aws.AwsConfigurationException:
                error.WriteLine($"Configuration error:\n  - {exception.Message}");
                return true;
            default:
                return exception.InnerException is { } inner && TryReport(inner, error);
        }
    }
}

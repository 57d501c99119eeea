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
                // A backstop: ConfigurationSchema refuses malformed values first. The binder's message ends with a .NET
                // type name ("... at 'Door:PulseDuration' to type 'System.TimeSpan'"); keep only the key.
                int typePart = exception.Message.IndexOf(" to type ", StringComparison.Ordinal);
                error.WriteLine($"Configuration error:\n  - {(typePart < 0 ? exception.Message : exception.Message[..typePart])} cannot be read.");
                return true;
            case InvalidOperationException when exception.Message.StartsWith("'ErrorOnUnknownConfiguration' was set", StringComparison.Ordinal):
                // A backstop too: the binder's own strict check, should ConfigurationSchema and the options types disagree.
                int names = exception.Message.LastIndexOf(": ", StringComparison.Ordinal);
                error.WriteLine($"Configuration error:\n  - not a setting: {exception.Message[(names + 2)..]}");
                return true;
            case System.IO.InvalidDataException invalid when Inner<System.Text.Json.JsonException>(invalid) is { } json:
                error.WriteLine($"Configuration error:\n  - {JsonSyntax(invalid, json)}");
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

    private static T? Inner<T>(Exception exception)
        where T : Exception
    {
        for (Exception? e = exception.InnerException; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                return match;
            }
        }

        return null;
    }

    /// <summary>
    /// "FILE line L, column C: what the reader expected". The JSON provider wraps the reader's JsonException
    /// (0-based LineNumber and BytePositionInLine) in "Failed to load configuration from file 'FILE'".
    /// </summary>
    private static string JsonSyntax(System.IO.InvalidDataException invalid, System.Text.Json.JsonException json)
    {
        string message = invalid.Message;
        int open = message.IndexOf('\'', StringComparison.Ordinal);
        int close = message.LastIndexOf('\'', message.Length - 1);
        string file = open >= 0 && close > open ? message[(open + 1)..close] : "the configuration file";
        string reason = json.Message;
        int position = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (position > 0)
        {
            reason = reason[..position];
        }

        return json.LineNumber is long line && json.BytePositionInLine is long column
            ? $"{file} line {line + 1}, column {column + 1}: {reason.TrimEnd()} (the file is not valid JSON)"
            : $"{file}: {reason.TrimEnd()} (the file is not valid JSON)";
    }
}

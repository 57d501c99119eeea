using KvsEdge.Status;
using Microsoft.Extensions.Options;

namespace KvsEdge.Iot;

/// <summary>
/// `Iot:*`: this device as an AWS IoT Core thing (mutual TLS on 8883, client id = thing name). Off by default: the
/// status broker (`Mqtt:*`) is unaffected either way.
/// </summary>
public sealed class IotOptions
{
    public const string SectionName = "Iot";

    public bool Enabled { get; set; }

    /// <summary>The account's device data endpoint, e.g. `abc123-ats.iot.eu-west-1.amazonaws.com`.</summary>
    public string? Endpoint { get; set; }

    public int Port { get; set; } = 8883;

    /// <summary>The thing's name; also the MQTT client id (the IoT policy confines a connection to it).</summary>
    public string? ThingName { get; set; }

    /// <summary>The device certificate (PEM).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The device private key (PEM), readable only by the service.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The CA that signs the endpoint's certificate (Amazon Root CA 1 for `-ats` endpoints).</summary>
    public string? CaPath { get; set; }

    /// <summary>The named `status` shadow is updated at most this often (changes in between are coalesced).</summary>
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The `Mqtt`-shaped options the shared <see cref="MqttBrokerConnection"/> takes: TLS always on with the device
    /// certificate, no user name (IoT Core authenticates the certificate), no Home Assistant discovery.
    /// </summary>
    public MqttOptions ToMqttOptions() => new()
    {
        Enabled = Enabled,
        Host = Endpoint ?? string.Empty,
        Port = Port,
        ClientId = ThingName,
        KeepAlive = KeepAlive,
        ReconnectMinDelay = ReconnectMinDelay,
        ReconnectMaxDelay = ReconnectMaxDelay,
        ConnectTimeout = ConnectTimeout,
        Tls = new MqttTlsOptions
        {
            Enabled = true,
            CaFile = CaPath,
            ClientCertificateFile = CertificatePath,
            ClientKeyFile = KeyPath,
        },
        Discovery = new MqttDiscoveryOptions { Enabled = false },
    };
}

/// <summary>Checks `Iot:*` at start (exit 78 naming the key); nothing is checked while `Iot:Enabled` is false.</summary>
public sealed class IotOptionsValidator : IValidateOptions<IotOptions>
{
    /// <summary>AWS IoT thing names: 1–128 of letters, digits, `:`, `_` and `-`.</summary>
    public static bool IsValidThingName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '_' or '-');

    public ValidateOptionsResult Validate(string? name, IotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            errors.Add("Iot:Endpoint is required when Iot:Enabled is true (the account's device data endpoint, `aws iot describe-endpoint --endpoint-type iot:Data-ATS`).");
        }
        else if (options.Endpoint.Contains("://", StringComparison.Ordinal) || options.Endpoint.Contains('/', StringComparison.Ordinal) || options.Endpoint.Contains(':', StringComparison.Ordinal))
        {
            errors.Add($"Iot:Endpoint '{options.Endpoint}' must be a host name only (no scheme, port or path); the port is Iot:Port.");
        }

        if (options.Port is < 1 or > 65535)
        {
            errors.Add($"Iot:Port {options.Port} must be between 1 and 65535.");
        }

        if (string.IsNullOrWhiteSpace(options.ThingName))
        {
            errors.Add("Iot:ThingName is required when Iot:Enabled is true.");
        }
        else if (!IsValidThingName(options.ThingName))
        {
            errors.Add($"Iot:ThingName '{options.ThingName}' must be 1 to 128 letters, digits, ':', '_' or '-' (it is also an MQTT topic level).");
        }

        RequireFile(errors, "Iot:CertificatePath", options.CertificatePath);
        RequireFile(errors, "Iot:KeyPath", options.KeyPath);
        RequireFile(errors, "Iot:CaPath", options.CaPath);
        RequirePositive(errors, "Iot:StatusInterval", options.StatusInterval);
        RequirePositive(errors, "Iot:KeepAlive", options.KeepAlive);
        RequirePositive(errors, "Iot:ReconnectMinDelay", options.ReconnectMinDelay);
        RequirePositive(errors, "Iot:ReconnectMaxDelay", options.ReconnectMaxDelay);
        RequirePositive(errors, "Iot:ConnectTimeout", options.ConnectTimeout);
        if (options.ReconnectMinDelay > options.ReconnectMaxDelay)
        {
            errors.Add("Iot:ReconnectMinDelay must not exceed Iot:ReconnectMaxDelay.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void RequireFile(List<string> errors, string key, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            errors.Add($"{key} is required when Iot:Enabled is true.");
        }
        else if (!File.Exists(path))
        {
            errors.Add($"{key} '{path}' does not exist.");
        }
    }

    private static void RequirePositive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key} must be positive.");
        }
    }
}

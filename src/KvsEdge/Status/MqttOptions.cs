using System.Globalization;
using KvsEdge.Common;
using Microsoft.Extensions.Options;

namespace KvsEdge.Status;

/// <summary>The `Mqtt` configuration section.</summary>
public sealed class MqttOptions
{
    public const string SectionName = "Mqtt";

    /// <summary>False: the publisher only logs what it would have sent.</summary>
    public bool Enabled { get; set; } = true;

    public string Host { get; set; } = "localhost";

    public int Port { get; set; } = 1883;

    /// <summary>Null → <c>kvsedge-&lt;Device:Id&gt;</c>.</summary>
    public string? ClientId { get; set; }

    public string? Username { get; set; }

    /// <summary>Secret: never logged and left out of <see cref="ToString"/>.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// Accepts sending <see cref="Password"/> in clear text to a broker that is not on this machine (TLS off). Off by
    /// default: anyone on the network path could read the password.
    /// </summary>
    public bool AllowPlaintextPassword { get; set; }

    /// <summary>Null → <c>kvsedge/&lt;Device:Id&gt;</c>.</summary>
    public string? TopicPrefix { get; set; }

    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Bounds the connect handshake and every single publish.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many events are kept while the broker is unreachable; beyond that the oldest are dropped.</summary>
    public int QueueCapacity { get; set; } = 1000;

    public MqttTlsOptions Tls { get; set; } = new();

    /// <summary>Home Assistant MQTT discovery.</summary>
    public MqttDiscoveryOptions Discovery { get; set; } = new();

    public string EffectiveClientId(DeviceOptions device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return string.IsNullOrWhiteSpace(ClientId) ? "kvsedge-" + device.Id : ClientId;
    }

    public string EffectiveTopicPrefix(DeviceOptions device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return string.IsNullOrWhiteSpace(TopicPrefix) ? "kvsedge/" + device.Id : TopicPrefix.TrimEnd('/');
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"Enabled={Enabled} Host={Host} Port={Port} ClientId={ClientId} Username={Username} Password={(Password is null ? "(none)" : "***")} TopicPrefix={TopicPrefix} Tls={Tls.Enabled}");
}

/// <summary>The `Mqtt:Tls` section. All files are PEM.</summary>
public sealed class MqttTlsOptions
{
    public bool Enabled { get; set; }

    /// <summary>CA certificate(s) the broker's chain must end in (AWS IoT Core, private CAs). Null: the system store.</summary>
    public string? CaFile { get; set; }

    /// <summary>Client certificate for mutual TLS; needs <see cref="ClientKeyFile"/>.</summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>Private key of the client certificate. Key material is never logged.</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>Accepts any broker certificate: only for testing against self-signed brokers.</summary>
    public bool AllowUntrustedCertificates { get; set; }
}

/// <summary>The `Mqtt:Discovery` section: Home Assistant MQTT device discovery.</summary>
public sealed class MqttDiscoveryOptions
{
    public const string DefaultPrefix = "homeassistant";

    /// <summary>Publish the retained device discovery payload (and re-send it on Home Assistant's birth message).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Home Assistant's discovery prefix.</summary>
    public string Prefix { get; set; } = DefaultPrefix;

    /// <summary>Where Home Assistant publishes its birth message; null → <c>&lt;Prefix&gt;/status</c>.</summary>
    public string? BirthTopic { get; set; }

    public string EffectiveBirthTopic => string.IsNullOrWhiteSpace(BirthTopic) ? Prefix + "/status" : BirthTopic;

    /// <summary>How long a person's "&lt;name&gt; at the door" sensor stays on after they were last recognised.</summary>
    public TimeSpan PresenceHold { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The longest <see cref="PresenceHold"/> accepted.</summary>
    public static readonly TimeSpan MaxPresenceHold = TimeSpan.FromHours(24);

    /// <summary><c>&lt;Prefix&gt;/device/&lt;Device:Id&gt;/config</c>.</summary>
    public string ConfigTopic(DeviceOptions device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return $"{Prefix}/device/{device.Id}/config";
    }
}

/// <summary>Validates <see cref="MqttOptions"/>; every message names the configuration key.</summary>
public sealed class MqttOptionsValidator : IValidateOptions<MqttOptions>
{
    public ValidateOptionsResult Validate(string? name, MqttOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // A disabled publisher never connects, so leftover settings must not block start-up.
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Host))
        {
            errors.Add("Mqtt:Host is required.");
        }

        if (options.Port is < 1 or > 65535)
        {
            errors.Add("Mqtt:Port must be between 1 and 65535.");
        }

        if (options.TopicPrefix is { } prefix && (prefix.Contains('#', StringComparison.Ordinal) || prefix.Contains('+', StringComparison.Ordinal)))
        {
            errors.Add("Mqtt:TopicPrefix must not contain the wildcards '#' or '+'.");
        }

        if (options.Password is not null && string.IsNullOrEmpty(options.Username))
        {
            errors.Add("Mqtt:Username is required when Mqtt:Password is set.");
        }

        if (SendsPasswordInClearOverNetwork(options) && !options.AllowPlaintextPassword)
        {
            errors.Add($"Mqtt:Password is set, Mqtt:Tls:Enabled is false and Mqtt:Host '{options.Host}' is not this machine: the password would cross the network in clear text, readable by anyone on the path. Enable Mqtt:Tls, or set Mqtt:AllowPlaintextPassword to true to accept that risk.");
        }

        RequirePositive(errors, "Mqtt:KeepAlive", options.KeepAlive);
        RequirePositive(errors, "Mqtt:ReconnectMinDelay", options.ReconnectMinDelay);
        RequirePositive(errors, "Mqtt:ReconnectMaxDelay", options.ReconnectMaxDelay);
        RequirePositive(errors, "Mqtt:ConnectTimeout", options.ConnectTimeout);
        if (options.ReconnectMinDelay > options.ReconnectMaxDelay)
        {
            errors.Add("Mqtt:ReconnectMinDelay must not exceed Mqtt:ReconnectMaxDelay.");
        }

        if (options.QueueCapacity < 1)
        {
            errors.Add("Mqtt:QueueCapacity must be at least 1.");
        }

        ValidateDiscovery(errors, options.Discovery ?? new MqttDiscoveryOptions());

        MqttTlsOptions tls = options.Tls ?? new MqttTlsOptions();
        RequireFile(errors, "Mqtt:Tls:CaFile", tls.CaFile);
        RequireFile(errors, "Mqtt:Tls:ClientCertificateFile", tls.ClientCertificateFile);
        RequireFile(errors, "Mqtt:Tls:ClientKeyFile", tls.ClientKeyFile);
        if (string.IsNullOrEmpty(tls.ClientCertificateFile) != string.IsNullOrEmpty(tls.ClientKeyFile))
        {
            errors.Add("Mqtt:Tls:ClientCertificateFile and Mqtt:Tls:ClientKeyFile must be set together.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>True when a password would be sent without TLS to a broker that is not on loopback.</summary>
    public static bool SendsPasswordInClearOverNetwork(MqttOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Enabled && !string.IsNullOrEmpty(options.Password) && options.Tls is not { Enabled: true } && !IsLoopback(options.Host);
    }

    private static bool IsLoopback(string? host)
    {
        string h = (host ?? string.Empty).Trim().TrimStart('[').TrimEnd(']');
        return string.Equals(h, "localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(h, out System.Net.IPAddress? address) && System.Net.IPAddress.IsLoopback(address));
    }

    private static void ValidateDiscovery(List<string> errors, MqttDiscoveryOptions discovery)
    {
        if (!discovery.Enabled)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(discovery.Prefix))
        {
            errors.Add("Mqtt:Discovery:Prefix is required when Mqtt:Discovery:Enabled is true.");
        }
        else if (HasWildcard(discovery.Prefix) || discovery.Prefix.StartsWith('/') || discovery.Prefix.EndsWith('/'))
        {
            errors.Add($"Mqtt:Discovery:Prefix '{discovery.Prefix}' must be a topic without wildcards ('#', '+') or a leading or trailing '/'.");
        }

        if (discovery.BirthTopic is { } birth && (string.IsNullOrWhiteSpace(birth) || HasWildcard(birth)))
        {
            errors.Add($"Mqtt:Discovery:BirthTopic '{birth}' must be a topic without wildcards ('#', '+').");
        }

        if (discovery.PresenceHold <= TimeSpan.Zero || discovery.PresenceHold > MqttDiscoveryOptions.MaxPresenceHold)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Mqtt:Discovery:PresenceHold {discovery.PresenceHold:c} must be positive and at most {MqttDiscoveryOptions.MaxPresenceHold:c}."));
        }
    }

    private static bool HasWildcard(string topic) => topic.AsSpan().IndexOfAny('#', '+') >= 0;

    private static void RequirePositive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key} must be positive.");
        }
    }

    private static void RequireFile(List<string> errors, string key, string? path)
    {
        if (!string.IsNullOrEmpty(path) && !File.Exists(path))
        {
            errors.Add($"{key} '{path}' does not exist.");
        }
    }
}

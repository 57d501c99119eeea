using KvsEdge.Iot;

namespace KvsEdge.Tests.Iot;

public sealed class IotOptionsValidatorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kvsedge-iot-options-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name)
    {
        string path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, "pem");
        return path;
    }

    private IotOptions Valid() => new()
    {
        Enabled = true,
        Endpoint = "abc123-ats.iot.eu-west-1.amazonaws.com",
        ThingName = "door-lobby",
        CertificatePath = File("device.crt"),
        KeyPath = File("device.key"),
        CaPath = File("ca.crt"),
    };

    [Fact]
    public void Disabled_needs_nothing_and_the_port_defaults_to_8883()
    {
        Assert.True(new IotOptionsValidator().Validate(null, new IotOptions()).Succeeded);
        Assert.Equal(8883, new IotOptions().Port);
        Assert.True(new IotOptionsValidator().Validate(null, Valid()).Succeeded);
    }

    [Theory]
    [InlineData("Endpoint", "", "Iot:Endpoint is required")]
    [InlineData("Endpoint", "mqtts://abc.iot.amazonaws.com:8883", "Iot:Endpoint 'mqtts://abc.iot.amazonaws.com:8883' must be a host name only")]
    [InlineData("ThingName", "", "Iot:ThingName is required")]
    [InlineData("ThingName", "door/lobby", "Iot:ThingName 'door/lobby' must be 1 to 128")]
    [InlineData("ThingName", "door+", "Iot:ThingName 'door+' must be")]
    [InlineData("CertificatePath", "/nonexistent/device.crt", "Iot:CertificatePath '/nonexistent/device.crt' does not exist")]
    [InlineData("KeyPath", "", "Iot:KeyPath is required")]
    [InlineData("CaPath", "/nonexistent/ca.crt", "Iot:CaPath '/nonexistent/ca.crt' does not exist")]
    public void Each_bad_value_is_refused_naming_its_key(string key, string value, string expected)
    {
        IotOptions options = Valid();
        typeof(IotOptions).GetProperty(key)!.SetValue(options, value);
        var result = new IotOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Port_and_durations_are_checked()
    {
        IotOptions options = Valid();
        options.Port = 0;
        options.StatusInterval = TimeSpan.Zero;
        options.ReconnectMinDelay = TimeSpan.FromMinutes(5);
        var result = new IotOptionsValidator().Validate(null, options);
        Assert.Contains("Iot:Port 0 must be between 1 and 65535.", result.Failures!);
        Assert.Contains("Iot:StatusInterval must be positive.", result.Failures!);
        Assert.Contains("Iot:ReconnectMinDelay must not exceed Iot:ReconnectMaxDelay.", result.Failures!);
    }

    [Fact]
    public void The_connection_is_mutual_tls_with_the_thing_name_as_client_id()
    {
        IotOptions options = Valid();
        var mqtt = options.ToMqttOptions();
        Assert.True(mqtt.Tls.Enabled);
        Assert.Equal(options.CertificatePath, mqtt.Tls.ClientCertificateFile);
        Assert.Equal(options.KeyPath, mqtt.Tls.ClientKeyFile);
        Assert.Equal(options.CaPath, mqtt.Tls.CaFile);
        Assert.Equal("door-lobby", mqtt.ClientId);
        Assert.Equal(8883, mqtt.Port);
        Assert.Null(mqtt.Username);
        Assert.False(mqtt.Discovery.Enabled);
    }
}

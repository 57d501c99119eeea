using KvsEdge.Common;
using KvsEdge.Status;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Status;

public sealed class MqttOptionsValidatorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kvsedge-mqtt-options-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ValidateOptionsResult Validate(MqttOptions options) => new MqttOptionsValidator().Validate(null, options);

    [Fact]
    public void Defaults_are_valid()
    {
        Assert.True(Validate(new MqttOptions()).Succeeded);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    public void Port_out_of_range_names_the_key(int port)
    {
        var result = Validate(new MqttOptions { Port = port });
        Assert.Contains("Mqtt:Port must be between 1 and 65535.", result.Failures!);
    }

    [Fact]
    public void Delays_must_be_positive_and_ordered()
    {
        var result = Validate(new MqttOptions
        {
            ReconnectMinDelay = TimeSpan.FromSeconds(10),
            ReconnectMaxDelay = TimeSpan.FromSeconds(5),
            KeepAlive = TimeSpan.Zero,
            ConnectTimeout = TimeSpan.FromSeconds(-1),
        });

        Assert.Contains("Mqtt:ReconnectMinDelay must not exceed Mqtt:ReconnectMaxDelay.", result.Failures!);
        Assert.Contains("Mqtt:KeepAlive must be positive.", result.Failures!);
        Assert.Contains("Mqtt:ConnectTimeout must be positive.", result.Failures!);
        Assert.Contains("Mqtt:ReconnectMinDelay must be positive.", Validate(new MqttOptions { ReconnectMinDelay = TimeSpan.Zero }).Failures!);
    }

    [Fact]
    public void Queue_capacity_host_and_prefix_are_checked()
    {
        var result = Validate(new MqttOptions { QueueCapacity = 0, Host = " ", TopicPrefix = "kvsedge/#" });

        Assert.Contains("Mqtt:QueueCapacity must be at least 1.", result.Failures!);
        Assert.Contains("Mqtt:Host is required.", result.Failures!);
        Assert.Contains("Mqtt:TopicPrefix must not contain the wildcards '#' or '+'.", result.Failures!);
    }

    [Fact]
    public void Tls_files_must_exist()
    {
        string missing = Path.Combine(_dir, "missing.pem");
        var result = Validate(new MqttOptions { Tls = { Enabled = true, CaFile = missing } });

        Assert.Contains($"Mqtt:Tls:CaFile '{missing}' does not exist.", result.Failures!);
    }

    [Fact]
    public void Client_certificate_and_key_come_together()
    {
        string cert = Path.Combine(_dir, "client.crt");
        File.WriteAllText(cert, "x");

        var result = Validate(new MqttOptions { Tls = { Enabled = true, ClientCertificateFile = cert } });

        Assert.Contains("Mqtt:Tls:ClientCertificateFile and Mqtt:Tls:ClientKeyFile must be set together.", result.Failures!);
    }

    [Fact]
    public void A_disabled_publisher_is_not_validated()
    {
        Assert.True(Validate(new MqttOptions { Enabled = false, Port = 0 }).Succeeded);
    }

    [Fact]
    public void Defaults_derive_client_id_and_prefix_from_the_device_id()
    {
        var device = new DeviceOptions { Id = "door-1" };
        var options = new MqttOptions();

        Assert.Equal("kvsedge-door-1", options.EffectiveClientId(device));
        Assert.Equal("kvsedge/door-1", options.EffectiveTopicPrefix(device));
        Assert.Equal("site/x", new MqttOptions { TopicPrefix = "site/x/" }.EffectiveTopicPrefix(device));
    }

    [Fact]
    public void ToString_never_shows_the_password()
    {
        var options = new MqttOptions { Username = "u", Password = "s3cr3t-pass" };
        Assert.DoesNotContain("s3cr3t-pass", options.ToString(), StringComparison.Ordinal);
    }
}

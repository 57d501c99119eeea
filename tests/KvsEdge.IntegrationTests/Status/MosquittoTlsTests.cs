using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.Status;

using KvsEdge.TestSupport;

namespace KvsEdge.IntegrationTests.Status;

/// <summary>
/// Mutual TLS against Mosquitto with a CA, server and client certificate made in the test. The broker also has a
/// plain listener for the probe.
/// </summary>
[Trait("Category", "Integration")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class MosquittoTlsTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly string _certs = Directory.CreateTempSubdirectory("kvsedge-mqtt-tls-").FullName;
    private readonly int _tlsPort = MosquittoFixture.FreeTcpPort();
    private readonly string _deviceId = "tls-" + Guid.NewGuid().ToString("N")[..8];
    private MosquittoFixture _mosquitto = null!;

    private string Path(string name) => System.IO.Path.Combine(_certs, name);

    public async Task InitializeAsync()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 ca = CreateCa("CN=KvsEdge Test CA", "ca", now);
        using X509Certificate2 otherCa = CreateCa("CN=Someone Else CA", "other-ca", now);
        Issue(ca, "server", now, server: true);
        Issue(ca, "client", now, server: false);

        _mosquitto = MosquittoFixture.WithExtraConfig($"""
            listener {_tlsPort} 127.0.0.1
            cafile {Path("ca.crt")}
            certfile {Path("server.crt")}
            keyfile {Path("server.key")}
            require_certificate true
            """);
        await _mosquitto.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _mosquitto.DisposeAsync();
        Directory.Delete(_certs, recursive: true);
    }

    private X509Certificate2 CreateCa(string subject, string name, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        X509Certificate2 ca = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));
        File.WriteAllText(Path(name + ".crt"), ca.ExportCertificatePem());
        return ca;
    }

    private void Issue(X509Certificate2 ca, string name, DateTimeOffset now, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=kvsedge-{name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
        }

        using X509Certificate2 certificate = request.Create(ca, now.AddDays(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(16));
        File.WriteAllText(Path(name + ".crt"), certificate.ExportCertificatePem());
        File.WriteAllText(Path(name + ".key"), key.ExportPkcs8PrivateKeyPem());
    }

    [Fact]
    public async Task Connects_with_mutual_tls_when_the_broker_chains_to_the_configured_ca()
    {
        await using var probe = await MqttProbe.ConnectAsync(_mosquitto.Host, _mosquitto.Port, $"kvsedge/{_deviceId}/#");
        var tls = new MqttTlsOptions { Enabled = true, CaFile = Path("ca.crt"), ClientCertificateFile = Path("client.crt"), ClientKeyFile = Path("client.key") };
        using var publisher = MosquittoStatusPublisherTests.CreatePublisher(_deviceId, new SignallingTimeProvider(), _tlsPort, tls);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            var online = await probe.WaitForAsync($"kvsedge/{_deviceId}/availability", "online", Timeout);
            Assert.True(online.Retain);
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData("other-ca.crt", true)]
    [InlineData("ca.crt", false)]
    public async Task Does_not_connect_with_a_foreign_ca_or_without_a_client_certificate(string caFile, bool withClientCertificate)
    {
        var time = new SignallingTimeProvider();
        var tls = new MqttTlsOptions
        {
            Enabled = true,
            CaFile = Path(caFile),
            ClientCertificateFile = withClientCertificate ? Path("client.crt") : null,
            ClientKeyFile = withClientCertificate ? Path("client.key") : null,
        };
        using var publisher = MosquittoStatusPublisherTests.CreatePublisher(_deviceId, time, _tlsPort, tls);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            // The first backoff delay means the first attempt failed.
            await time.NextTimerAsync(Timeout);
            Assert.False(publisher.IsConnected);
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }
}

using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace KvsEdge.TestSupport.IotCoreDouble;

/// <summary>The double's service side (shadow, jobs, provisioning): an MQTT client with the service certificate.</summary>
internal static class ServiceClient
{
    /// <summary>Connects <paramref name="client"/> over mutual TLS as `<see cref="IotTestCertificates.ServiceIdentity"/><paramref name="role"/>-…`.</summary>
    public static async Task ConnectAsync(IMqttClient client, IotCoreBroker broker, IotTestCertificates certificates, string role)
    {
        using var certificate = X509Certificate2.CreateFromPemFile(certificates.Service.CertificatePath, certificates.Service.KeyPath);
        var trust = new X509Certificate2Collection();
        trust.ImportFromPemFile(certificates.CaPath);
        MqttClientOptions options = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithClientId(IotTestCertificates.ServiceIdentity + role + "-" + Guid.NewGuid().ToString("N")[..8])
            .WithTlsOptions(new MqttClientTlsOptionsBuilder()
                .UseTls()
                .WithTargetHost("localhost")
                .WithClientCertificates([X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null)])
                .WithTrustChain(trust)
                .Build())
            .Build();
        await client.ConnectAsync(options).WaitAsync(TimeSpan.FromSeconds(10));
    }
}

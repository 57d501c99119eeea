using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace KvsEdge.Status;

/// <summary>Builds MQTTnet TLS options from <see cref="MqttTlsOptions"/>.</summary>
internal static class MqttTls
{
    public static MqttClientTlsOptions Build(MqttTlsOptions options, string host, ILogger logger)
    {
        var builder = new MqttClientTlsOptionsBuilder()
            .UseTls()
            .WithTargetHost(host)
            .WithAllowUntrustedCertificates(options.AllowUntrustedCertificates);

        if (!string.IsNullOrEmpty(options.ClientCertificateFile) && !string.IsNullOrEmpty(options.ClientKeyFile))
        {
            // Linux SslStream uses the ephemeral PEM key directly; no PFX round trip needed.
            var clientCertificate = X509Certificate2.CreateFromPemFile(options.ClientCertificateFile, options.ClientKeyFile);
            builder.WithClientCertificates([clientCertificate]);
        }

        X509Certificate2Collection? trust = null;
        if (!string.IsNullOrEmpty(options.CaFile))
        {
            trust = new X509Certificate2Collection();
            trust.ImportFromPemFile(options.CaFile);
        }

        bool allowUntrusted = options.AllowUntrustedCertificates;
        builder.WithCertificateValidationHandler(args =>
        {
            bool ok = allowUntrusted || IsTrusted(args.Certificate, args.Chain, args.SslPolicyErrors, trust);
            if (!ok)
            {
                Log.BrokerCertificateRejected(logger, args.Certificate?.Subject ?? "(none)", args.SslPolicyErrors);
            }

            return ok;
        });

        return builder.Build();
    }

    /// <summary>
    /// With a CA file the broker chain must end in one of its certificates (custom root trust, the system store is
    /// ignored); without one the platform's verdict stands. The host name must match in both cases.
    /// </summary>
    internal static bool IsTrusted(X509Certificate? certificate, X509Chain? presentedChain, SslPolicyErrors errors, X509Certificate2Collection? trust)
    {
        if (trust is null || trust.Count == 0)
        {
            return errors == SslPolicyErrors.None;
        }

        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust);

        // Private CAs and AWS IoT publish no CRL/OCSP reachable from a door controller.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presentedChain is not null)
        {
            foreach (X509ChainElement element in presentedChain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(leaf);
    }
}

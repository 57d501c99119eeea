using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KvsEdge.TestSupport.IotCoreDouble;

/// <summary>
/// A test CA and the certificates an IoT Core test needs, made with .NET's <see cref="CertificateRequest"/> and written
/// as PEM into <see cref="Directory"/>: the broker's server certificate (127.0.0.1, localhost), device certificates
/// (CN = thing name, as the broker's identity), the fleet-provisioning claim certificate and the shadow service's own.
/// </summary>
public sealed class IotTestCertificates : IDisposable
{
    public const string ServiceIdentity = "iot-core-double";
    public const string ClaimIdentity = "claim";

    private readonly X509Certificate2 _ca;
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    public IotTestCertificates(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=KvsEdge IoT Core double CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(_now.AddDays(-1), _now.AddDays(7));
        CaPath = Path.Combine(directory, "ca.crt");
        File.WriteAllText(CaPath, _ca.ExportCertificatePem());
        Server = Issue("server", "iot-double-server", server: true);
        Service = Issue(ServiceIdentity, ServiceIdentity, server: false);
        Claim = Issue(ClaimIdentity, ClaimIdentity, server: false);
    }

    public string Directory { get; }

    public string CaPath { get; }

    public IssuedCertificate Server { get; }

    /// <summary>The shadow service's client certificate (its broker identity may use every `$aws` topic).</summary>
    public IssuedCertificate Service { get; }

    /// <summary>The fleet-provisioning claim certificate (CN `claim`).</summary>
    public IssuedCertificate Claim { get; }

    /// <summary>A device certificate whose CN is <paramref name="thingName"/> (files `&lt;thing&gt;.crt` / `.key`).</summary>
    public IssuedCertificate Device(string thingName) => Issue(thingName, thingName, server: false);

    /// <summary>A certificate for <paramref name="commonName"/> signed by this CA, as PEM files named <paramref name="fileName"/>.</summary>
    public IssuedCertificate Issue(string fileName, string commonName, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
        }

        using X509Certificate2 certificate = request.Create(_ca, _now.AddDays(-1), _now.AddDays(7), RandomNumberGenerator.GetBytes(16));
        var issued = new IssuedCertificate(Path.Combine(Directory, fileName + ".crt"), Path.Combine(Directory, fileName + ".key"));
        File.WriteAllText(issued.CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(issued.KeyPath, key.ExportPkcs8PrivateKeyPem());
        return issued;
    }

    public void Dispose() => _ca.Dispose();
}

/// <summary>PEM certificate and key files.</summary>
public sealed record IssuedCertificate(string CertificatePath, string KeyPath);

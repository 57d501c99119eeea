using KvsEdge.Iot;

namespace KvsEdge.TestSupport.IotCoreDouble;

/// <summary>
/// A test double of AWS IoT Core's MQTT side, written from the AWS IoT developer guide: the real Mosquitto broker with
/// mutual TLS (<see cref="IotCoreBroker"/>, certificates made in the test by <see cref="IotTestCertificates"/>) and the
/// Device Shadow service (<see cref="ShadowService"/>). Provisioning and jobs services attach to the same broker.
/// </summary>
public sealed class IotCoreDouble : IAsyncDisposable
{
    private IotCoreDouble(string directory, IotTestCertificates certificates, IotCoreBroker broker, ShadowService shadows)
    {
        Directory = directory;
        Certificates = certificates;
        Broker = broker;
        Shadows = shadows;
    }

    public string Directory { get; }

    public IotTestCertificates Certificates { get; }

    public IotCoreBroker Broker { get; }

    public ShadowService Shadows { get; }

    public static async Task<IotCoreDouble> StartAsync(TimeProvider? time = null)
    {
        string directory = System.IO.Directory.CreateTempSubdirectory("kvsedge-iot-double-").FullName;
        var certificates = new IotTestCertificates(directory);
        var broker = new IotCoreBroker(certificates);
        await broker.StartAsync();
        ShadowService shadows = await ShadowService.StartAsync(broker, certificates, time ?? TimeProvider.System);
        return new IotCoreDouble(directory, certificates, broker, shadows);
    }

    /// <summary>`Iot:*` for a device of this double: its own certificate (CN = thing name), the test CA, the broker's port.</summary>
    public IotOptions DeviceOptions(string thingName)
    {
        IssuedCertificate device = Certificates.Device(thingName);
        return new IotOptions
        {
            Enabled = true,
            Endpoint = "localhost",
            Port = Broker.Port,
            ThingName = thingName,
            CertificatePath = device.CertificatePath,
            KeyPath = device.KeyPath,
            CaPath = Certificates.CaPath,
            ReconnectMinDelay = TimeSpan.FromMilliseconds(100),
            ReconnectMaxDelay = TimeSpan.FromSeconds(1),
        };
    }

    /// <summary>The same settings as configuration keys (for a real host's `--config`).</summary>
    public static Dictionary<string, string?> DeviceSettings(IotOptions options) => new()
    {
        ["Iot:Enabled"] = "true",
        ["Iot:Endpoint"] = options.Endpoint,
        ["Iot:Port"] = options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Iot:ThingName"] = options.ThingName,
        ["Iot:CertificatePath"] = options.CertificatePath,
        ["Iot:KeyPath"] = options.KeyPath,
        ["Iot:CaPath"] = options.CaPath,
    };

    public async ValueTask DisposeAsync()
    {
        await Shadows.DisposeAsync();
        await Broker.DisposeAsync();
        Certificates.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail the run.
        }
    }
}

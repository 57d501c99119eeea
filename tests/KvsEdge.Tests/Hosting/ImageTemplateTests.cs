using System.Diagnostics;
using KvsEdge.Access;
using KvsEdge.Camera;
using KvsEdge.Cli;
using KvsEdge.Common;
using KvsEdge.Door;
using KvsEdge.Recognition;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Hosting;

/// <summary>
/// The image recipe (image/provision.sh) renders /etc/kvsedge/appsettings.json from a template: what it renders
/// must pass the app's own start-up validation and bind to the values given on its command line.
/// </summary>
[Collection(EnvironmentTestGroup.Name)]
public sealed class ImageTemplateTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-image-").FullName;

    [Fact]
    public async Task The_rendered_config_passes_start_up_validation_with_the_given_values()
    {
        using IHost host = await BuildHostFromRenderedConfigAsync(
            "--device-id", "front-door", "--aws-region", "eu-central-1", "--data-stream", "front-door-faces",
            "--video-stream", "front-door-video", "--relay-pin", "27", "--mqtt-host", "broker.lan", "--mqtt-port", "8883",
            "--mqtt-username", "kvsedge", "--time-zone", "Europe/Berlin");

        Assert.Equal("front-door", Options<DeviceOptions>(host).Id);
        Assert.Equal("eu-central-1", Options<AwsOptions>(host).Region);
        Assert.Equal("front-door-faces", Options<RecognitionOptions>(host).Kinesis.StreamName);
        Assert.Equal("Europe/Berlin", Options<AccessOptions>(host).TimeZone);
        Assert.Empty(Options<AccessOptions>(host).People); // nobody unlocks until the owner lists people
        DoorOptions door = Options<DoorOptions>(host);
        Assert.Equal(27, door.Relay.Pin);
        Assert.False(door.Relay.ActiveLow);
        Assert.Equal(0, door.Chip);
        CameraOptions camera = Options<CameraOptions>(host);
        Assert.True(camera.Enabled);
        Assert.Equal(CameraOptions.LibcameraSource, camera.Source);
        Assert.Equal("front-door-video", camera.Kvs.StreamName);
        MqttOptions mqtt = Options<MqttOptions>(host);
        Assert.Equal(("broker.lan", 8883, "kvsedge"), (mqtt.Host, mqtt.Port, mqtt.Username));
        Assert.Null(mqtt.Password); // secrets never come from the template
    }

    [Fact]
    public async Task Without_camera_video_stream_or_mqtt_user_the_optional_keys_stay_unset()
    {
        using IHost host = await BuildHostFromRenderedConfigAsync(
            "--device-id", "gate", "--aws-region", "us-east-1", "--data-stream", "gate-faces", "--camera", "none", "--gpio-chip", "4");

        CameraOptions camera = Options<CameraOptions>(host);
        Assert.False(camera.Enabled);
        Assert.Null(camera.Kvs.StreamName);
        Assert.Null(Options<MqttOptions>(host).Username);
        Assert.Equal(4, Options<DoorOptions>(host).Chip);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static T Options<T>(IHost host)
        where T : class => host.Services.GetRequiredService<IOptions<T>>().Value;

    private async Task<IHost> BuildHostFromRenderedConfigAsync(params string[] arguments)
    {
        string file = Path.Combine(_directory, "appsettings.json");
        await File.WriteAllTextAsync(file, await RenderAsync(arguments));
        using var credentials = new HostConfigurationTests.AwsEnvironment("AKIDTEST", "test-secret");
        var error = new StringWriter();

        // The appliance drives real GPIO and keeps its state in /var/lib/kvsedge; only these two differ here.
        IHost? host = HostRunner.TryBuild(file, new Dictionary<string, string?>
        {
            ["Door:Driver"] = DoorOptions.SimulatedDriver,
            ["Device:StateDirectory"] = _directory,
        }, error);

        Assert.Equal(string.Empty, error.ToString());
        return Assert.IsAssignableFrom<IHost>(host);
    }

    /// <summary>Runs the recipe's own renderer: provision.sh --print-config.</summary>
    private static async Task<string> RenderAsync(string[] arguments)
    {
        var info = new ProcessStartInfo("bash")
        {
            ArgumentList = { Path.Combine(RepositoryRoot.Find(), "image", "provision.sh"), "--print-config" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process provision = Process.Start(info) ?? throw new InvalidOperationException("bash did not start");
        Task<string> output = provision.StandardOutput.ReadToEndAsync();
        Task<string> errors = provision.StandardError.ReadToEndAsync();
        // WaitForExitAsync also waits for the redirected streams to reach their end.
        await provision.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(provision.ExitCode == 0, "provision.sh --print-config failed: " + await errors);
        return await output;
    }
}

using System.Diagnostics;
using KvsEdge.Access;
using KvsEdge.Camera;
using KvsEdge.Cli;
using KvsEdge.Common;
using KvsEdge.Door;
using KvsEdge.Recognition;
using KvsEdge.Status;
using KvsEdge.TestSupport;
using KvsEdge.Triggers;
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

    [Fact]
    public async Task Image_api_is_the_default_source_needs_no_data_stream_and_passes_start_up_validation()
    {
        using IHost host = await BuildHostFromRenderedConfigAsync(
            "--device-id", "front-door", "--aws-region", "eu-central-1", "--collection", "front-door-faces");

        RecognitionOptions recognition = Options<RecognitionOptions>(host);
        Assert.Equal([RecognitionSources.ImageApi], recognition.Sources);
        Assert.Null(recognition.Kinesis.StreamName);
        // The device searches the collection `kvsedge cloud up` (image-api mode) made and `faces add` filled.
        Assert.Equal("front-door-faces", recognition.ImageApi.CollectionId);
        Assert.Equal("front-door-faces", host.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["Cloud:CollectionId"]);
        TriggerOptions triggers = Options<TriggerOptions>(host);
        Assert.True(triggers.Motion.Enabled);
        Assert.Empty(triggers.Gpio);
        CameraOptions camera = Options<CameraOptions>(host);
        Assert.True(camera.Enabled);
        Assert.True(camera.FrameTap.Enabled);
    }

    [Fact]
    public async Task Image_api_with_a_doorbell_button_passes_start_up_validation()
    {
        using IHost host = await BuildHostFromRenderedConfigAsync(
            "--device-id", "gate", "--aws-region", "us-east-1", "--source", "image-api", "--trigger", "gpio", "--trigger-pin", "22", "--camera", "v4l2");

        TriggerOptions triggers = Options<TriggerOptions>(host);
        Assert.Equal(22, Assert.Single(triggers.Gpio).Pin);
        Assert.False(triggers.Motion.Enabled);
        Assert.Equal([RecognitionSources.ImageApi], Options<RecognitionOptions>(host).Sources);
        Assert.Equal("kvsedge-faces", Options<RecognitionOptions>(host).ImageApi.CollectionId);
    }

    [Fact]
    public async Task Kinesis_as_source_passes_start_up_validation_with_the_data_stream()
    {
        using IHost host = await BuildHostFromRenderedConfigAsync(
            "--device-id", "gate", "--aws-region", "us-east-1", "--source", "kinesis", "--data-stream", "gate-faces");

        RecognitionOptions recognition = Options<RecognitionOptions>(host);
        Assert.Equal([RecognitionSources.Kinesis], recognition.Sources);
        Assert.Equal("gate-faces", recognition.Kinesis.StreamName);
        Assert.False(Options<TriggerOptions>(host).AnyEnabled);
    }

    [Theory]
    [InlineData("--data-stream must be", "--source", "kinesis")]
    [InlineData("--data-stream is for --source kinesis", "--source", "image-api", "--data-stream", "faces")]
    [InlineData("--camera none leaves it nothing to search", "--camera", "none")]
    [InlineData("--trigger-pin 17 is the relay pin", "--trigger", "gpio", "--trigger-pin", "17")]
    [InlineData("--source must be image-api or kinesis", "--source", "rekognition")]
    public async Task Contradictory_recognition_arguments_are_refused_naming_the_argument(string expected, params string[] arguments)
    {
        var (code, _, errors) = await RunProvisionAsync(["--device-id", "gate", "--aws-region", "us-east-1", .. arguments]);

        Assert.Equal(2, code);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
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
        var (code, output, errors) = await RunProvisionAsync(arguments);
        Assert.True(code == 0, "provision.sh --print-config failed: " + errors);
        return output;
    }

    private static async Task<(int Code, string Output, string Errors)> RunProvisionAsync(string[] arguments)
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
        return (provision.ExitCode, await output, await errors);
    }
}

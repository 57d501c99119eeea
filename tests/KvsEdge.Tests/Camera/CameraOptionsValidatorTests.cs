using KvsEdge.Camera;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace KvsEdge.Tests.Camera;

public sealed class CameraOptionsValidatorTests
{
    private static CameraOptions Valid() => PipelineBuilderTests.Options("kvs", "record");

    [Fact]
    public void Defaults_with_a_stream_name_are_valid()
    {
        var options = new CameraOptions { Kvs = new KvsSinkOptions { StreamName = "s" } };
        Assert.True(new CameraOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(["kvs"], options.EffectiveSinks);
        Assert.Equal(30, options.EffectiveKeyframeInterval);
    }

    [Fact]
    public void Binding_keeps_the_documented_keys_and_replaces_the_sink_list()
    {
        IConfiguration config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Camera:Sinks:0"] = "record",
            ["Camera:Record:Directory"] = "/rec",
            ["Camera:Record:SegmentDuration"] = "00:00:30",
            ["Camera:Kvs:IotCertificate:RoleAlias"] = "alias",
            ["Camera:FrameTap:Rate"] = "5",
        }).Build();
        CameraOptions options = config.GetSection(CameraOptions.SectionName).Get<CameraOptions>()!;
        Assert.Equal(["record"], options.EffectiveSinks);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Record.SegmentDuration);
        Assert.Equal("alias", options.Kvs.IotCertificate!.RoleAlias);
        Assert.Equal(5, options.FrameTap.Rate);
    }

    [Fact]
    public void An_unknown_source_names_every_allowed_one()
    {
        CameraOptions options = Valid();
        options.Source = "usb";
        string failure = Assert.Single(new CameraOptionsValidator().Validate(null, options).Failures!);
        Assert.Equal("Camera:Source must be one of 'v4l2', 'libcamera', 'test', 'file' (was 'usb').", failure);
    }

    [Fact]
    public void The_file_source_needs_a_readable_file_and_names_Camera_File()
    {
        string directory = Directory.CreateTempSubdirectory("kvsedge-file-source-").FullName;
        try
        {
            string photo = Path.Combine(directory, "door.png");
            File.WriteAllBytes(photo, [0x89, 0x50, 0x4E, 0x47]);
            string empty = Path.Combine(directory, "empty.mp4");
            File.WriteAllBytes(empty, []);
            CameraOptions options = Valid();
            options.Source = "file";

            options.File = photo;
            Assert.True(new CameraOptionsValidator().Validate(null, options).Succeeded);

            foreach ((string? file, string why) in new (string?, string)[]
            {
                (null, "not set"),
                (Path.Combine(directory, "missing.mp4"), "missing.mp4"),
                (empty, "is empty"),
                (directory, directory),
            })
            {
                options.File = file;
                string failure = Assert.Single(new CameraOptionsValidator().Validate(null, options).Failures!);
                Assert.StartsWith("Camera:File must name a readable video or image file for the 'file' source (", failure, StringComparison.Ordinal);
                Assert.Contains(why, failure, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Camera_File_is_not_checked_for_other_sources()
    {
        CameraOptions options = Valid();
        options.File = "/nowhere/clip.mp4";
        Assert.True(new CameraOptionsValidator().Validate(null, options).Succeeded);
    }

    public static TheoryData<Action<CameraOptions>, string> Invalid() => new()
    {
        { o => o.Source = "usb", "Camera:Source" },
        { o => o.Device = "video0", "Camera:Device" },
        { o => o.Width = 1281, "Camera:Width" },
        { o => o.Width = 100, "Camera:Width" },
        { o => o.Height = 2162, "Camera:Height" },
        { o => o.Framerate = 0, "Camera:Framerate" },
        { o => o.Framerate = 61, "Camera:Framerate" },
        { o => o.Encoder = "omxh264enc", "Camera:Encoder" },
        { o => o.Bitrate = 400, "Camera:Bitrate" },
        { o => o.Bitrate = 9000, "Camera:Bitrate" },
        { o => o.KeyframeInterval = 61, "Camera:KeyframeInterval" },
        { o => o.KeyframeInterval = 0, "Camera:KeyframeInterval" },
        { o => o.Sinks = ["none", "record"], "Camera:Sinks 'none' cannot be combined" },
        { o => o.Sinks = ["kvs", "kvs"], "Camera:Sinks must not name a sink twice" },
        { o => o.Sinks = ["s3"], "Camera:Sinks" },
        { o => o.Kvs.StreamName = null, "Camera:Kvs:StreamName" },
        { o => o.Kvs.StreamName = "front door", "Camera:Kvs:StreamName" },
        { o => o.Kvs.StreamName = new string('a', 257), "Camera:Kvs:StreamName" },
        { o => o.Kvs.Region = "Europe", "Camera:Kvs:Region" },
        { o => o.Kvs.FragmentDuration = 500, "Camera:Kvs:FragmentDuration" },
        { o => o.Kvs.StorageSizeMb = 0, "Camera:Kvs:StorageSizeMb" },
        { o => o.Kvs.IotCertificate = new IotCertificateOptions { Endpoint = "e" }, "Camera:Kvs:IotCertificate:CertPath" },
        { o => { o.Kvs.IotCertificate = new IotCertificateOptions { Endpoint = "e", CertPath = "c", KeyPath = "k", CaPath = "a", RoleAlias = "r" }; o.Kvs.CredentialPath = "/f"; }, "Camera:Kvs:CredentialPath" },
        { o => o.Record.Directory = " ", "Camera:Record:Directory" },
        { o => o.Record.MaxSegments = 1, "Camera:Record:MaxSegments" },
        { o => o.Record.MaxSegments = 10001, "Camera:Record:MaxSegments" },
        { o => o.Record.SegmentDuration = TimeSpan.FromMilliseconds(500), "Camera:Record:SegmentDuration" },
        { o => o.Record.SegmentDuration = TimeSpan.FromHours(2), "Camera:Record:SegmentDuration" },
        { o => o.Record.Format = "avi", "Camera:Record:Format" },
        { o => o.Record.MaxTotalBytes = 10, "Camera:Record:MaxTotalBytes" },
        { o => o.FrameTap.Width = 641, "Camera:FrameTap:Width" },
        { o => o.FrameTap.Rate = 31, "Camera:FrameTap:Rate" },
        { o => o.StallTimeout = TimeSpan.Zero, "Camera:StallTimeout" },
        { o => o.RestartMinDelay = TimeSpan.FromMinutes(2), "Camera:RestartMinDelay" },
        { o => { o.Source = "test"; o.TestPattern = "nope"; }, "Camera:TestPattern" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_values_are_reported_by_key(Action<CameraOptions> change, string expected)
    {
        CameraOptions options = Valid();
        change(options);
        ValidateOptionsResult result = new CameraOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Record_only_needs_no_stream_name_and_kvs_only_needs_no_directory()
    {
        var validator = new CameraOptionsValidator();
        CameraOptions record = Valid();
        record.Sinks = ["record"];
        record.Kvs.StreamName = null;
        Assert.True(validator.Validate(null, record).Succeeded);

        CameraOptions kvs = Valid();
        kvs.Sinks = ["kvs"];
        kvs.Record.Directory = null;
        Assert.True(validator.Validate(null, kvs).Succeeded);
    }

    [Fact]
    public void Longer_fragments_allow_longer_gops()
    {
        CameraOptions options = Valid();
        options.Kvs.FragmentDuration = 4000;
        options.KeyframeInterval = 120;
        Assert.True(new CameraOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Disabled_camera_is_not_validated()
    {
        var options = new CameraOptions { Enabled = false, Width = 1 };
        Assert.True(new CameraOptionsValidator().Validate(null, options).Succeeded);
    }
}

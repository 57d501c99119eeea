using KvsEdge.Camera;

namespace KvsEdge.Tests.Camera;

public sealed class PipelineBuilderTests
{
    private static readonly string[] Everything =
    [
        "v4l2src", "libcamerasrc", "videotestsrc", "videoconvert", "h264parse", "tee", "queue", "identity", "v4l2h264enc", "x264enc",
        "openh264enc", "kvssink", "splitmuxsink", "mp4mux", "matroskamux", "fakesink", "videorate", "videoscale", "jpegenc", "appsink",
        "filesrc", "decodebin", "imagefreeze", "clocksync",
    ];

    internal static Func<string, bool> Has(params string[] missing) => e => Everything.Contains(e) && !missing.Contains(e);

    internal static CameraOptions Options(params string[] sinks) => new()
    {
        Sinks = sinks.Length == 0 ? null : [.. sinks],
        Kvs = new KvsSinkOptions { StreamName = "front-door" },
        Record = new RecordOptions { Directory = "/var/lib/kvsedge/rec" },
    };

    [Theory]
    [InlineData("v4l2", "v4l2src name=src device=/dev/video0 ! video/x-raw,width=1280,height=720,framerate=30/1")]
    [InlineData("libcamera", "libcamerasrc name=src ! video/x-raw,width=1280,height=720,framerate=30/1")]
    [InlineData("test", "videotestsrc name=src is-live=true pattern=smpte ! video/x-raw,width=1280,height=720,framerate=30/1")]
    public void Source_elements(string source, string start)
    {
        CameraOptions options = Options();
        options.Source = source;
        Assert.StartsWith(start, PipelineBuilder.Build(options, Has()).Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_still_image_file_is_frozen_into_a_live_stream_and_not_looped()
    {
        CameraOptions options = Options();
        options.Source = "file";
        options.File = "/srv/photos/door.JPG";
        PipelineDescription plan = PipelineBuilder.Build(options, Has());
        Assert.StartsWith(
            "filesrc name=src location=/srv/photos/door.JPG ! decodebin ! imagefreeze is-live=true ! videoconvert ! videoscale ! video/x-raw,width=1280,height=720,framerate=30/1",
            plan.Description,
            StringComparison.Ordinal);
        Assert.False(plan.LoopsSource);
    }

    [Fact]
    public void A_video_file_is_paced_to_the_clock_and_looped_by_the_supervisor()
    {
        CameraOptions options = Options();
        options.Source = "file";
        options.File = "/srv/clips/front door.mp4";
        PipelineDescription plan = PipelineBuilder.Build(options, Has());
        Assert.StartsWith(
            "filesrc name=src location=\"/srv/clips/front door.mp4\" ! decodebin ! videoconvert ! videoscale ! videorate ! clocksync sync=true ! identity single-segment=true ! video/x-raw,width=1280,height=720,framerate=30/1",
            plan.Description,
            StringComparison.Ordinal);
        Assert.True(plan.LoopsSource);
    }

    [Theory]
    [InlineData("/clip.mkv", "clocksync")]
    [InlineData("/photo.png", "imagefreeze")]
    public void A_missing_element_of_the_file_source_is_named(string file, string element)
    {
        CameraOptions options = Options();
        options.Source = "file";
        options.File = file;
        var e = Assert.Throws<CameraConfigurationException>(() => PipelineBuilder.Build(options, Has(element)));
        Assert.Contains($"'{element}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Camera:Source 'file'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_source_element_is_a_configuration_error()
    {
        CameraOptions options = Options();
        options.Source = "libcamera";
        var e = Assert.Throws<CameraConfigurationException>(() => PipelineBuilder.Build(options, Has("libcamerasrc")));
        Assert.Contains("libcamerasrc", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "v4l2h264enc")]
    [InlineData(new[] { "v4l2h264enc" }, "x264enc")]
    [InlineData(new[] { "v4l2h264enc", "x264enc" }, "openh264enc")]
    public void Auto_encoder_prefers_hardware_then_x264_then_openh264(string[] missing, string expected)
    {
        PipelineDescription p = PipelineBuilder.Build(Options(), Has(missing));
        Assert.Equal(expected, p.Encoder);
        Assert.Contains($"{expected} name=enc", p.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_encoder_with_none_installed_is_an_error()
    {
        var e = Assert.Throws<CameraConfigurationException>(() => PipelineBuilder.Build(Options(), Has("v4l2h264enc", "x264enc", "openh264enc")));
        Assert.Contains("Camera:Encoder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Explicit_encoder_that_is_missing_is_named()
    {
        CameraOptions options = Options();
        options.Encoder = "v4l2h264enc";
        var e = Assert.Throws<CameraConfigurationException>(() => PipelineBuilder.Build(options, Has("v4l2h264enc")));
        Assert.Contains("'v4l2h264enc' is not installed", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v4l2h264enc", "v4l2h264enc name=enc extra-controls=\"controls,video_bitrate=2000000,h264_i_frame_period=30,repeat_sequence_header=1\" ! video/x-h264,level=(string)4")]
    [InlineData("x264enc", "x264enc name=enc bitrate=2000 speed-preset=ultrafast tune=zerolatency bframes=0 key-int-max=30")]
    [InlineData("openh264enc", "openh264enc name=enc bitrate=2000000 rate-control=bitrate gop-size=30 complexity=low usage-type=camera")]
    public void Encoder_settings_suit_kvs_and_rekognition(string encoder, string expected)
    {
        CameraOptions options = Options();
        options.Encoder = encoder;
        string d = PipelineBuilder.Build(options, Has()).Description;
        Assert.Contains("videoconvert ! video/x-raw,format=I420 ! " + expected + " ! identity name=counter silent=true ! h264parse config-interval=-1 ! video/x-h264,stream-format=avc,alignment=au ! tee name=t", d, StringComparison.Ordinal);
    }

    [Fact]
    public void Keyframe_interval_sets_the_gop()
    {
        CameraOptions options = Options();
        options.Encoder = "x264enc";
        options.KeyframeInterval = 45;
        Assert.Contains("key-int-max=45", PipelineBuilder.Build(options, Has()).Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "kvs" }, new[] { "kvs" })]
    [InlineData(new[] { "record" }, new[] { "record" })]
    [InlineData(new[] { "kvs", "record" }, new[] { "kvs", "record" })]
    [InlineData(new[] { "none" }, new string[0])]
    public void Sink_combinations(string[] configured, string[] expected)
    {
        PipelineDescription p = PipelineBuilder.Build(Options(configured), Has());
        Assert.Equal(expected, p.Sinks);
        Assert.Empty(p.UnavailableSinks);
        Assert.Equal(expected.Contains("kvs"), p.Description.Contains("kvssink name=kvs", StringComparison.Ordinal));
        Assert.Equal(expected.Contains("record"), p.Description.Contains("splitmuxsink name=rec", StringComparison.Ordinal));
        Assert.Equal(expected.Length == 0, p.Description.Contains("fakesink", StringComparison.Ordinal));
        Assert.Equal(expected.Length, CountOf(p.Description, "t. ! queue leaky=downstream"));
    }

    [Fact]
    public void Default_sinks_are_kvs()
    {
        Assert.Equal(["kvs"], PipelineBuilder.Build(Options(), Has()).Sinks);
    }

    [Fact]
    public void Missing_kvssink_drops_the_branch_keeps_record_and_says_how_to_install()
    {
        PipelineDescription p = PipelineBuilder.Build(Options("kvs", "record"), Has("kvssink"));
        Assert.Equal(["record"], p.Sinks);
        UnavailableSink missing = Assert.Single(p.UnavailableSinks);
        Assert.Equal(("kvs", "kvssink"), (missing.Sink, missing.Element));
        Assert.Equal(PipelineBuilder.KvssinkMissingMessage, missing.Message);
        Assert.Contains("-DBUILD_GSTREAMER_PLUGIN=ON", missing.Message, StringComparison.Ordinal);
        Assert.Contains("GST_PLUGIN_PATH", missing.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("kvssink", p.Description, StringComparison.Ordinal);
        Assert.Contains("splitmuxsink name=rec", p.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_kvs_and_kvssink_missing_still_runs_encoder_into_fakesink()
    {
        PipelineDescription p = PipelineBuilder.Build(Options("kvs"), Has("kvssink"));
        Assert.Empty(p.Sinks);
        Assert.Single(p.UnavailableSinks);
        Assert.Contains("t. ! queue ! fakesink", p.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Excluded_sink_is_left_out_without_being_reported()
    {
        PipelineDescription p = PipelineBuilder.Build(Options("kvs", "record"), Has(), new PipelineBuildRequest { ExcludedSinks = ["kvs"] });
        Assert.Equal(["record"], p.Sinks);
        Assert.Empty(p.UnavailableSinks);
        Assert.DoesNotContain("kvssink", p.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Kvs_branch_properties()
    {
        CameraOptions options = Options("kvs");
        options.Kvs.Region = "eu-west-1";
        string d = PipelineBuilder.Build(options, Has()).Description;
        Assert.EndsWith(
            "tee name=t t. ! queue leaky=downstream max-size-buffers=0 max-size-bytes=0 max-size-time=4000000000 ! kvssink name=kvs stream-name=front-door storage-size=128 retention-period=24 fragment-duration=2000 key-frame-fragmentation=true aws-region=eu-west-1"
            + " raw. ! queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 ! videorate ! videoscale ! videoconvert ! video/x-raw,width=640,height=480,framerate=2/1 ! jpegenc quality=85 ! appsink name=tap drop=true max-buffers=1 sync=false emit-signals=false wait-on-eos=false",
            d,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Region_falls_back_to_the_default_region_or_is_left_to_kvssink()
    {
        Assert.Contains("aws-region=us-east-1", PipelineBuilder.Build(Options("kvs"), Has(), new PipelineBuildRequest { DefaultRegion = "us-east-1" }).Description, StringComparison.Ordinal);
        Assert.DoesNotContain("aws-region", PipelineBuilder.Build(Options("kvs"), Has()).Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Iot_certificate_structure_with_quoted_path()
    {
        CameraOptions options = Options("kvs");
        options.Kvs.IotCertificate = new IotCertificateOptions
        {
            Endpoint = "abc.credentials.iot.eu-west-1.amazonaws.com",
            CertPath = "/etc/kvsedge/certs/device.pem.crt",
            KeyPath = "/etc/kvsedge/my certs/private.pem.key",
            CaPath = "/etc/kvsedge/certs/AmazonRootCA1.pem",
            RoleAlias = "kvsedge-role-alias",
        };
        string d = PipelineBuilder.Build(options, Has()).Description;
        Assert.Contains(
            "iot-certificate=\"iot-certificate,endpoint=abc.credentials.iot.eu-west-1.amazonaws.com,cert-path=/etc/kvsedge/certs/device.pem.crt,key-path=\\\"/etc/kvsedge/my certs/private.pem.key\\\",ca-path=/etc/kvsedge/certs/AmazonRootCA1.pem,role-aliases=kvsedge-role-alias\"",
            d,
            StringComparison.Ordinal);
        Assert.DoesNotContain("credential-path", d, StringComparison.Ordinal);
    }

    [Fact]
    public void Credential_path_variant()
    {
        CameraOptions options = Options("kvs");
        options.Kvs.CredentialPath = "/etc/kvsedge/kvs credentials";
        string d = PipelineBuilder.Build(options, Has()).Description;
        Assert.Contains("credential-path=\"/etc/kvsedge/kvs credentials\"", d, StringComparison.Ordinal);
        Assert.DoesNotContain("iot-certificate", d, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllVariants))]
    public void No_secret_property_ever_appears(string description)
    {
        Assert.DoesNotContain("access-key", description, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secret-key", description, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("session-token", description, StringComparison.OrdinalIgnoreCase);
    }

    public static TheoryData<string> AllVariants()
    {
        var data = new TheoryData<string>();
        foreach (string[] sinks in (string[][])[["kvs"], ["record"], ["kvs", "record"], ["none"]])
        {
            foreach (bool iot in (bool[])[false, true])
            {
                CameraOptions options = Options(sinks);
                options.Kvs.CredentialPath = iot ? null : "/etc/creds";
                options.Kvs.IotCertificate = iot ? new IotCertificateOptions { Endpoint = "e", CertPath = "/c", KeyPath = "/k", CaPath = "/ca", RoleAlias = "r" } : null;
                data.Add(PipelineBuilder.Build(options, Has()).Description);
            }
        }

        return data;
    }

    [Theory]
    [InlineData("mp4", "mp4mux")]
    [InlineData("mkv", "matroskamux")]
    public void Record_branch_properties(string format, string muxer)
    {
        CameraOptions options = Options("record");
        options.Record.Format = format;
        options.Record.SegmentDuration = TimeSpan.FromSeconds(30);
        options.Record.MaxSegments = 10;
        PipelineDescription p = PipelineBuilder.Build(options, Has(), new PipelineBuildRequest { RecordStartIndex = 42 });
        Assert.Contains(
            $"splitmuxsink name=rec location=/var/lib/kvsedge/rec/segment-%05d.{format} max-size-time=30000000000 start-index=42 async-finalize=true muxer-factory={muxer}",
            p.Description,
            StringComparison.Ordinal);
        Assert.Equal("/var/lib/kvsedge/rec", p.RecordDirectory);
    }

    [Fact]
    public void Missing_muxer_makes_record_unavailable()
    {
        PipelineDescription p = PipelineBuilder.Build(Options("kvs", "record"), Has("mp4mux"));
        Assert.Equal(["kvs"], p.Sinks);
        Assert.Equal("mp4mux", Assert.Single(p.UnavailableSinks).Element);
    }

    [Fact]
    public void Paths_with_spaces_and_quotes_are_quoted_and_escaped()
    {
        CameraOptions options = Options("record");
        options.Source = "v4l2";
        options.Device = "/dev/v4l/by-id/usb-My Cam-video-index0";
        options.Record.Directory = "/srv/my \"video\"";
        string d = PipelineBuilder.Build(options, Has()).Description;
        Assert.Contains("device=\"/dev/v4l/by-id/usb-My Cam-video-index0\"", d, StringComparison.Ordinal);
        Assert.Contains("location=\"/srv/my \\\"video\\\"/segment-%05d.mp4\"", d, StringComparison.Ordinal);
    }

    [Fact]
    public void Frame_tap_branch_present_or_absent()
    {
        CameraOptions options = Options("kvs");
        PipelineDescription with = PipelineBuilder.Build(options, Has());
        Assert.True(with.HasFrameTap);
        Assert.Contains("tee name=raw ! queue ! videoconvert", with.Description, StringComparison.Ordinal);
        Assert.Contains("appsink name=tap", with.Description, StringComparison.Ordinal);

        options.FrameTap.Enabled = false;
        PipelineDescription without = PipelineBuilder.Build(options, Has());
        Assert.False(without.HasFrameTap);
        Assert.DoesNotContain("appsink", without.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("tee name=raw", without.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Disabled_camera_builds_nothing()
    {
        CameraOptions options = Options();
        options.Enabled = false;
        Assert.Throws<CameraConfigurationException>(() => PipelineBuilder.Build(options, Has()));
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}

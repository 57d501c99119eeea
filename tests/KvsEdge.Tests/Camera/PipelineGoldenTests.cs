using KvsEdge.Camera;
using KvsEdge.TestSupport;

namespace KvsEdge.Tests.Camera;

/// <summary>
/// Every pipeline description the builder makes today, byte for byte (Golden/pipelines.txt, recorded before frame
/// branches became registrations). A change here changes what runs on every appliance: update the file on purpose only.
/// </summary>
public sealed class PipelineGoldenTests
{
    private static readonly MotionTapRequest Motion = new(160, 120, 5);

    /// <summary>Case name → how to build it.</summary>
    public static IReadOnlyDictionary<string, Func<string>> Cases { get; } = BuildCases();

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    private static Dictionary<string, Func<string>> BuildCases()
    {
        var cases = new Dictionary<string, Func<string>>(StringComparer.Ordinal);
        string[][] sinkSets = [["kvs"], ["record"], ["none"], ["kvs", "record"]];
        foreach (bool tap in (bool[])[true, false])
        {
            foreach (bool motion in (bool[])[false, true])
            {
                foreach (string[] sinks in sinkSets)
                {
                    string name = $"sinks={string.Join('+', sinks)} tap={(tap ? "on" : "off")} motion={(motion ? "on" : "off")}";
                    cases[name] = () =>
                    {
                        CameraOptions o = PipelineBuilderTests.Options(sinks);
                        o.FrameTap.Enabled = tap;
                        return PipelineBuilder.Build(o, PipelineBuilderTests.Has(), new PipelineBuildRequest { MotionTap = motion ? Motion : null }).Description;
                    };
                }
            }
        }

        foreach (string source in (string[])["v4l2", "libcamera", "test"])
        {
            cases[$"source={source}"] = () =>
            {
                CameraOptions o = PipelineBuilderTests.Options("kvs");
                o.Source = source;
                return PipelineBuilder.Build(o, PipelineBuilderTests.Has()).Description;
            };
        }

        cases["source=test num-buffers=30 motion=on"] = () =>
        {
            CameraOptions o = PipelineBuilderTests.Options("none");
            o.Source = "test";
            return PipelineBuilder.Build(o, PipelineBuilderTests.Has(), new PipelineBuildRequest { TestNumBuffers = 30, MotionTap = Motion }).Description;
        };

        foreach (string encoder in (string[])["v4l2h264enc", "x264enc", "openh264enc"])
        {
            cases[$"encoder={encoder}"] = () =>
            {
                CameraOptions o = PipelineBuilderTests.Options("record");
                o.Encoder = encoder;
                o.KeyframeInterval = 45;
                o.Bitrate = 1500;
                return PipelineBuilder.Build(o, PipelineBuilderTests.Has()).Description;
            };
        }

        cases["record=mkv start-index=7 motion=on"] = () =>
        {
            CameraOptions o = PipelineBuilderTests.Options("record");
            o.Record.Format = "mkv";
            o.Record.Directory = "/var/lib/kvsedge/my rec";
            return PipelineBuilder.Build(o, PipelineBuilderTests.Has(), new PipelineBuildRequest { RecordStartIndex = 7, MotionTap = Motion }).Description;
        };
        cases["kvs missing, record kept"] = () =>
            PipelineBuilder.Build(PipelineBuilderTests.Options("kvs", "record"), PipelineBuilderTests.Has("kvssink")).Description;
        cases["kvs excluded, only kvs"] = () =>
            PipelineBuilder.Build(PipelineBuilderTests.Options("kvs"), PipelineBuilderTests.Has(), new PipelineBuildRequest { ExcludedSinks = ["kvs"] }).Description;
        cases["kvs region and iot certificate"] = () =>
        {
            CameraOptions o = PipelineBuilderTests.Options("kvs");
            o.Kvs.IotCertificate = new IotCertificateOptions
            {
                Endpoint = "abc.credentials.iot.eu-west-1.amazonaws.com",
                CertPath = "/etc/kvsedge/certs/device.pem.crt",
                KeyPath = "/etc/kvsedge/my certs/private.pem.key",
                CaPath = "/etc/kvsedge/certs/AmazonRootCA1.pem",
                RoleAlias = "kvsedge-role-alias",
                ThingName = "door-7",
            };
            return PipelineBuilder.Build(o, PipelineBuilderTests.Has(), new PipelineBuildRequest { DefaultRegion = "us-east-1" }).Description;
        };
        cases["kvs credential path and region"] = () =>
        {
            CameraOptions o = PipelineBuilderTests.Options("kvs");
            o.Kvs.Region = "eu-west-1";
            o.Kvs.CredentialPath = "/etc/kvsedge/kvs credentials";
            return PipelineBuilder.Build(o, PipelineBuilderTests.Has()).Description;
        };
        cases["tap 320x240 at 1 fps, 640x480 at 15"] = () =>
        {
            CameraOptions o = PipelineBuilderTests.Options("kvs");
            (o.Width, o.Height, o.Framerate) = (640, 480, 15);
            (o.FrameTap.Width, o.FrameTap.Height, o.FrameTap.Rate) = (320, 240, 1);
            return PipelineBuilder.Build(o, PipelineBuilderTests.Has(), new PipelineBuildRequest { MotionTap = new MotionTapRequest(80, 60, 3) }).Description;
        };
        return cases;
    }

    private static Dictionary<string, string> Golden()
    {
        string path = Path.Combine(RepositoryRoot.Find(), "tests", "KvsEdge.Tests", "Camera", "Golden", "pipelines.txt");
        var golden = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] lines = File.ReadAllLines(path);
        for (int i = 0; i + 1 < lines.Length; i += 3)
        {
            golden[lines[i].TrimStart('#', ' ')] = lines[i + 1];
        }

        return golden;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Description_is_byte_for_byte_the_recorded_one(string name)
    {
        Assert.Equal(Golden()[name], Cases[name]());
    }

    [Fact]
    public void Every_recorded_case_is_still_built()
    {
        Assert.Equal(Golden().Keys.Order(StringComparer.Ordinal), Cases.Keys.Order(StringComparer.Ordinal));
    }
}

/// <summary>Frame branches are registrations: the builder takes any number, in order, and knows none by name.</summary>
public sealed class FrameBranchRegistrationTests
{
    private static readonly FrameBranch Rgb = new("detect", "RGB", 320, 240, 2, "Detector:Rgb");

    private static string GoldenOf(string name) => PipelineGoldenTests.Cases[name]();

    [Fact]
    public void The_jpeg_and_motion_registrations_build_exactly_the_pipeline_of_before()
    {
        CameraOptions o = PipelineBuilderTests.Options("kvs");
        var request = new PipelineBuildRequest { Branches = [FrameBranch.Jpeg(o.FrameTap), FrameBranch.Motion(new MotionTapRequest(160, 120, 5))] };

        PipelineDescription p = PipelineBuilder.Build(o, PipelineBuilderTests.Has(), request);

        Assert.Equal(GoldenOf("sinks=kvs tap=on motion=on"), p.Description);
        Assert.True(p.HasFrameTap && p.HasMotionTap);
    }

    [Fact]
    public void A_third_registration_adds_its_branch_after_the_others_without_touching_them()
    {
        CameraOptions o = PipelineBuilderTests.Options("kvs");
        var request = new PipelineBuildRequest { Branches = [FrameBranch.Jpeg(o.FrameTap), FrameBranch.Motion(new MotionTapRequest(160, 120, 5)), Rgb] };

        PipelineDescription p = PipelineBuilder.Build(o, PipelineBuilderTests.Has(), request);

        Assert.Equal(
            GoldenOf("sinks=kvs tap=on motion=on")
            + " raw. ! queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 ! videorate ! videoscale ! videoconvert ! video/x-raw,format=RGB,width=320,height=240,framerate=2/1 ! appsink name=detect drop=true max-buffers=1 sync=false emit-signals=false wait-on-eos=false",
            p.Description);
        Assert.Equal(["tap", "motion", "detect"], p.Branches.Select(b => b.Name));
    }

    [Fact]
    public void A_branch_alone_tees_the_raw_video_for_itself()
    {
        CameraOptions o = PipelineBuilderTests.Options("record");
        PipelineDescription p = PipelineBuilder.Build(o, PipelineBuilderTests.Has(), new PipelineBuildRequest { Branches = [Rgb] });

        Assert.Contains("tee name=raw ! queue ! videoconvert", p.Description, StringComparison.Ordinal);
        Assert.EndsWith("appsink name=detect drop=true max-buffers=1 sync=false emit-signals=false wait-on-eos=false", p.Description, StringComparison.Ordinal);
        Assert.False(p.HasFrameTap || p.HasMotionTap);
    }

    [Fact]
    public void No_registrations_means_no_raw_tee_even_with_the_tap_configured()
    {
        CameraOptions o = PipelineBuilderTests.Options("record");
        PipelineDescription p = PipelineBuilder.Build(o, PipelineBuilderTests.Has(), new PipelineBuildRequest { Branches = [] });

        Assert.Equal(GoldenOf("sinks=record tap=off motion=off"), p.Description);
    }

    [Fact]
    public void A_missing_element_names_the_setting_that_registered_the_branch()
    {
        var jpegOnly = new FrameBranch("snap", null, 64, 48, 1, "Snapshots:Jpeg") { Encoder = "jpegenc quality=70" };
        var error = Assert.Throws<CameraConfigurationException>(() =>
            PipelineBuilder.Build(PipelineBuilderTests.Options("kvs"), PipelineBuilderTests.Has("jpegenc"), new PipelineBuildRequest { Branches = [jpegOnly] }));
        Assert.Equal("GStreamer element 'jpegenc' needed by Snapshots:Jpeg is not installed.", error.Message);
    }

    [Theory]
    [InlineData("tap")] // taken by the JPEG tap
    [InlineData("enc")] // an element of the main chain
    [InlineData("raw")]
    [InlineData("two words")]
    [InlineData("")]
    public void Branch_names_are_unique_plain_element_names(string name)
    {
        CameraOptions o = PipelineBuilderTests.Options("kvs");
        var clash = new FrameBranch(name, "RGB", 32, 32, 1, "test");
        Assert.Throws<CameraConfigurationException>(() =>
            PipelineBuilder.Build(o, PipelineBuilderTests.Has(), new PipelineBuildRequest { Branches = [FrameBranch.Jpeg(o.FrameTap), clash] }));
    }

    [Theory]
    [InlineData("GRAY8", 160, 160)]
    [InlineData("GRAY8", 162, 164)]
    [InlineData("RGB", 320, 960)]
    [InlineData("RGB", 322, 968)]
    [InlineData("BGRx", 322, 1288)]
    [InlineData("I420", 161, 164)]
    [InlineData("YUY2", 161, 324)]
    public void Default_strides_follow_gstreamers_row_padding(string format, int width, int stride)
    {
        Assert.Equal(stride, KvsEdge.Gstreamer.VideoFormats.DefaultStride(format, width));
    }

    [Fact]
    public void Encoded_or_unknown_formats_have_no_stride()
    {
        Assert.Null(KvsEdge.Gstreamer.VideoFormats.DefaultStride(null, 640));
        Assert.Null(KvsEdge.Gstreamer.VideoFormats.DefaultStride("v210", 640));
    }
}

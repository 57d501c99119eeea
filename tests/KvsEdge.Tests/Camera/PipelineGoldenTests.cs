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

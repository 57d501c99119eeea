using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.Json;
using KvsEdge.Aws.Iam;
using KvsEdge.Cli;
using KvsEdge.Cloud;
using KvsEdge.Common;
using KvsEdge.IntegrationTests.Infrastructure;
using KvsEdge.IntegrationTests.KinesisVideo;
using KvsEdge.TestSupport;

namespace KvsEdge.IntegrationTests.Cloud;

/// <summary>
/// The cloud verbs in-process against a real moto server (Kinesis, Kinesis Video, IAM, S3) and the Rekognition wire
/// listener with in-memory state; the aws CLI, pointed at the same moto, checks that what we made is what it sees.
/// </summary>
[Collection("moto")]
[Trait("Category", "Integration")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class CloudVerbMotoTests(MotoFixture moto) : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-cloud-").FullName;
    private RekognitionWireListener _listener = null!;
    private RekognitionWireState _rekognition = null!;

    public Task InitializeAsync()
    {
        _listener = new RekognitionWireListener(MotoFixture.AccessKeyId, MotoFixture.SecretKey, MotoFixture.Region);
        _rekognition = new RekognitionWireState(_listener);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _listener.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static CloudOptions UniqueCloud(double threshold = 85) => new()
    {
        VideoStreamName = MotoFixture.UniqueName("door-video-"),
        CollectionId = MotoFixture.UniqueName("door-faces-"),
        DataStreamName = MotoFixture.UniqueName("door-matches-"),
        RoleName = MotoFixture.UniqueName("door-role-"),
        ProcessorName = MotoFixture.UniqueName("door-processor-"),
        FaceMatchThreshold = threshold,
    };

    private AwsOptions Aws(Uri? archivedMedia = null) => new()
    {
        Region = MotoFixture.Region,
        Endpoints = new AwsEndpointOptions
        {
            Kinesis = moto.ServiceUrl,
            KinesisVideo = moto.ServiceUrl,
            KinesisVideoArchivedMedia = archivedMedia,
            Iam = moto.ServiceUrl,
            S3 = moto.ServiceUrl,
            Sts = moto.ServiceUrl,
            Rekognition = _listener.Url,
        },
    };

    private CloudVerbHarness Verb(CloudOptions cloud, Uri? archivedMedia = null) => new(Aws(archivedMedia), MotoFixture.Credentials, cloud);

    private async Task<JsonElement> CliJsonAsync(params string[] args)
    {
        var (code, stdout, stderr) = await moto.RunAwsCliAsync(args);
        Assert.True(code == 0, $"aws {string.Join(' ', args)} exited {code}: {stderr}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    [Fact]
    public async Task Up_twice_then_status_then_down_and_the_aws_cli_sees_each_state()
    {
        var cloud = UniqueCloud();
        var verb = Verb(cloud);

        var first = await verb.RunAsync(CloudCommands.UpAsync);

        Assert.True(first.ExitCode == ExitCodes.Ok, first.Error + first.Output);
        Assert.Equal(5, CountRows(first.Output, " created "));

        // What the aws CLI sees in moto is what the configuration asked for.
        var video = (await CliJsonAsync("kinesisvideo", "describe-stream", "--stream-name", cloud.VideoStreamName)).GetProperty("StreamInfo");
        var videoArn = video.GetProperty("StreamARN").GetString()!;
        Assert.Equal(24, video.GetProperty("DataRetentionInHours").GetInt32());
        Assert.Equal("ACTIVE", video.GetProperty("Status").GetString());
        var data = (await CliJsonAsync("kinesis", "describe-stream-summary", "--stream-name", cloud.DataStreamName)).GetProperty("StreamDescriptionSummary");
        var dataArn = data.GetProperty("StreamARN").GetString()!;
        Assert.Equal(1, data.GetProperty("OpenShardCount").GetInt32());
        Assert.Equal("ACTIVE", data.GetProperty("StreamStatus").GetString());
        var role = (await CliJsonAsync("iam", "get-role", "--role-name", cloud.RoleName)).GetProperty("Role");
        var roleArn = role.GetProperty("Arn").GetString()!;
        var trust = role.GetProperty("AssumeRolePolicyDocument");
        Assert.Equal("rekognition.amazonaws.com", trust.GetProperty("Statement")[0].GetProperty("Principal").GetProperty("Service").GetString());
        Assert.Equal("123456789012", trust.GetProperty("Statement")[0].GetProperty("Condition").GetProperty("StringEquals").GetProperty("aws:SourceAccount").GetString());
        var inline = await CliJsonAsync("iam", "get-role-policy", "--role-name", cloud.RoleName, "--policy-name", RekognitionRolePolicy.DefaultPolicyName);
        var document = inline.GetProperty("PolicyDocument");
        Assert.True(RekognitionRolePolicy.PolicyEquals(document.GetRawText(), RekognitionRolePolicy.StreamProcessorPolicy(videoArn, dataArn)), document.GetRawText());
        var statements = document.GetProperty("Statement").EnumerateArray().ToList();
        Assert.Equal(
            ["kinesis:PutRecord", "kinesis:PutRecords"],
            Strings(statements.Single(s => s.GetProperty("Resource").ToString().Contains(dataArn, StringComparison.Ordinal)).GetProperty("Action")).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(statements, s => s.GetProperty("Resource").ToString().Contains('*', StringComparison.Ordinal));
        Assert.Empty((await CliJsonAsync("iam", "list-attached-role-policies", "--role-name", cloud.RoleName)).GetProperty("AttachedPolicies").EnumerateArray());
        Assert.Equal(["KvsEdgeRekognitionStreamProcessor"], Strings((await CliJsonAsync("iam", "list-role-policies", "--role-name", cloud.RoleName)).GetProperty("PolicyNames")));

        // The stream processor reads that video stream, writes that data stream, as that role.
        var processor = _rekognition.Processor(cloud.ProcessorName)!;
        Assert.Equal(videoArn, (string?)processor["Input"]!["KinesisVideoStream"]!["Arn"]);
        Assert.Equal(dataArn, (string?)processor["Output"]!["KinesisDataStream"]!["Arn"]);
        Assert.Equal(roleArn, (string?)processor["RoleArn"]);
        Assert.Equal(cloud.CollectionId, (string?)processor["Settings"]!["FaceSearch"]!["CollectionId"]);
        Assert.Equal(85, (double)processor["Settings"]!["FaceSearch"]!["FaceMatchThreshold"]!);
        foreach (var arn in (string[])[videoArn, dataArn, roleArn, (string)processor["StreamProcessorArn"]!])
        {
            Assert.Contains(arn, first.Output, StringComparison.Ordinal);
        }

        var second = await verb.RunAsync(CloudCommands.UpAsync);

        Assert.Equal(ExitCodes.Ok, second.ExitCode);
        Assert.Contains("Nothing to change", second.Output, StringComparison.Ordinal);
        Assert.Equal(5, CountRows(second.Output, " unchanged "));
        Assert.Equal(0, CountRows(second.Output, " created "));
        Assert.Single(_listener.Requests, r => r.Operation == "CreateCollection");
        Assert.Single(_listener.Requests, r => r.Operation == "CreateStreamProcessor");
        Assert.Equal(videoArn, (await CliJsonAsync("kinesisvideo", "describe-stream", "--stream-name", cloud.VideoStreamName)).GetProperty("StreamInfo").GetProperty("StreamARN").GetString());

        var status = await verb.RunAsync(CloudCommands.StatusAsync);

        Assert.Equal(ExitCodes.Ok, status.ExitCode);
        Assert.Contains("All resources exist.", status.Output, StringComparison.Ordinal);
        Assert.Contains("FaceCount 0", status.Output, StringComparison.Ordinal);
        Assert.Contains("least-privilege policy in place", status.Output, StringComparison.Ordinal);
        Assert.Contains(" STOPPED ", status.Output, StringComparison.Ordinal);

        var down = await verb.RunAsync((c, ct) => CloudCommands.DownAsync(c, yes: true, ct));

        Assert.True(down.ExitCode == ExitCodes.Ok, down.Error + down.Output);
        Assert.Equal(5, CountRows(down.Output, " deleted "));
        Assert.NotEqual(0, (await moto.RunAwsCliAsync("kinesisvideo", "describe-stream", "--stream-name", cloud.VideoStreamName)).ExitCode);
        Assert.NotEqual(0, (await moto.RunAwsCliAsync("iam", "get-role", "--role-name", cloud.RoleName)).ExitCode);
        Assert.DoesNotContain(
            cloud.DataStreamName,
            Strings((await CliJsonAsync("kinesis", "list-streams")).GetProperty("StreamNames")));
        Assert.Null(_rekognition.Processor(cloud.ProcessorName));
        Assert.DoesNotContain(cloud.CollectionId, _rekognition.Collections);

        var again = await verb.RunAsync((c, ct) => CloudCommands.DownAsync(c, yes: true, ct));
        Assert.Equal(ExitCodes.Ok, again.ExitCode);
        Assert.Equal(5, CountRows(again.Output, " already gone "));
        Assert.Contains("Nothing to delete", again.Output, StringComparison.Ordinal);

        var missing = await verb.RunAsync(CloudCommands.StatusAsync);
        Assert.Equal(5, CountRows(missing.Output, " missing "));
        Assert.Empty(_listener.Failures);
    }

    [Fact]
    public async Task Image_api_mode_makes_only_the_collection_and_with_iam_the_device_policy_the_aws_cli_sees()
    {
        var cloud = UniqueCloud();
        cloud.DevicePolicyName = MotoFixture.UniqueName("door-device-");
        var verb = Verb(cloud);
        verb.Context = verb.Context with { Mode = CloudModes.ImageApi };

        var first = await verb.RunAsync(CloudCommands.UpAsync);

        Assert.True(first.ExitCode == ExitCodes.Ok, first.Error + first.Output);
        Assert.Equal(1, CountRows(first.Output, " created "));
        string collectionArn;
        using (var rekognition = verb.Context.Clients.CreateRekognition())
        {
            collectionArn = DevicePolicy.CollectionArn((await rekognition.DescribeCollectionAsync(cloud.CollectionId, CancellationToken.None)).CollectionArn!);
        }

        // The policy is printed for the person to use, exactly: one action, this collection.
        Assert.Contains(DevicePolicy.ForCollection(collectionArn), first.Output.Replace("\r", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("kvsedge cloud up --iam", first.Output, StringComparison.Ordinal);
        // Nothing of the stream-processor path was made.
        Assert.DoesNotContain(_listener.Requests, r => r.Operation == "CreateStreamProcessor");
        Assert.NotEqual(0, (await moto.RunAwsCliAsync("kinesisvideo", "describe-stream", "--stream-name", cloud.VideoStreamName)).ExitCode);
        Assert.DoesNotContain(cloud.DataStreamName, Strings((await CliJsonAsync("kinesis", "list-streams")).GetProperty("StreamNames")));
        Assert.NotEqual(0, (await moto.RunAwsCliAsync("iam", "get-role", "--role-name", cloud.RoleName)).ExitCode);
        Assert.DoesNotContain(cloud.DevicePolicyName, LocalPolicyNames(await CliJsonAsync("iam", "list-policies", "--scope", "Local")));

        var withIam = await verb.RunAsync((c, ct) => CloudCommands.UpAsync(c, iam: true, ct));

        Assert.True(withIam.ExitCode == ExitCodes.Ok, withIam.Error + withIam.Output);
        Assert.Equal(1, CountRows(withIam.Output, " created "));
        Assert.Equal(1, CountRows(withIam.Output, " unchanged "));
        var policy = (await CliJsonAsync("iam", "list-policies", "--scope", "Local")).GetProperty("Policies").EnumerateArray()
            .Single(p => p.GetProperty("PolicyName").GetString() == cloud.DevicePolicyName);
        var policyArn = policy.GetProperty("Arn").GetString()!;
        Assert.Contains($"--policy-arn {policyArn}", withIam.Output, StringComparison.Ordinal);
        var document = (await CliJsonAsync("iam", "get-policy-version", "--policy-arn", policyArn, "--version-id", policy.GetProperty("DefaultVersionId").GetString()!))
            .GetProperty("PolicyVersion").GetProperty("Document");
        var statement = Assert.Single(document.GetProperty("Statement").EnumerateArray());
        Assert.Equal("Allow", statement.GetProperty("Effect").GetString());
        Assert.Equal(["rekognition:SearchFacesByImage"], Strings(statement.GetProperty("Action")));
        Assert.Equal([collectionArn], Strings(statement.GetProperty("Resource")));
        Assert.DoesNotContain('*', document.GetRawText());

        var again = await verb.RunAsync((c, ct) => CloudCommands.UpAsync(c, iam: true, ct));
        Assert.Equal(ExitCodes.Ok, again.ExitCode);
        Assert.Contains("Nothing to change", again.Output, StringComparison.Ordinal);
        Assert.Equal(2, CountRows(again.Output, " unchanged "));

        var status = await verb.RunAsync(CloudCommands.StatusAsync);
        Assert.Equal(ExitCodes.Ok, status.ExitCode);
        Assert.Contains("All resources exist.", status.Output, StringComparison.Ordinal);
        Assert.Contains("least-privilege policy in place", status.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(VideoStreamRow, status.Output, StringComparison.Ordinal);

        // The person attached it to the device's user; down takes it off again, then deletes it.
        var user = MotoFixture.UniqueName("door-pi-");
        await CliJsonAsync("iam", "create-user", "--user-name", user);
        Assert.Equal(0, (await moto.RunAwsCliAsync("iam", "attach-user-policy", "--user-name", user, "--policy-arn", policyArn)).ExitCode);

        var down = await verb.RunAsync((c, ct) => CloudCommands.DownAsync(c, yes: true, ct));

        Assert.True(down.ExitCode == ExitCodes.Ok, down.Error + down.Output);
        Assert.Equal(2, CountRows(down.Output, " deleted "));
        Assert.Contains($"detached from user {user}", down.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, (await moto.RunAwsCliAsync("iam", "get-policy", "--policy-arn", policyArn)).ExitCode);
        Assert.Empty((await CliJsonAsync("iam", "list-attached-user-policies", "--user-name", user)).GetProperty("AttachedPolicies").EnumerateArray());
        Assert.DoesNotContain(cloud.CollectionId, _rekognition.Collections);

        var gone = await verb.RunAsync(CloudCommands.StatusAsync);
        // Both rows say missing; only the collection counts (the device policy is optional).
        Assert.Equal(2, CountRows(gone.Output, " missing "));
        Assert.Contains("1 resource(s) missing", gone.Output, StringComparison.Ordinal);
        Assert.Empty(_listener.Failures);
    }

    [Fact]
    public async Task Iam_in_stream_processor_mode_is_a_usage_error_and_creates_nothing()
    {
        var cloud = UniqueCloud();

        var (code, _, _) = await Verb(cloud).RunAsync((c, ct) => CloudCommands.UpAsync(c, iam: true, ct));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(_listener.Requests);
    }

    private const string VideoStreamRow = "│ video stream ";

    private static List<string> LocalPolicyNames(JsonElement listing) =>
        [.. listing.GetProperty("Policies").EnumerateArray().Select(p => p.GetProperty("PolicyName").GetString()!)];

    [Fact]
    public async Task A_running_processor_is_stopped_before_it_is_deleted()
    {
        var cloud = UniqueCloud();
        var verb = Verb(cloud);
        Assert.Equal(ExitCodes.Ok, (await verb.RunAsync(CloudCommands.UpAsync)).ExitCode);
        var start = await verb.RunAsync((c, ct) => CloudCommands.ProcessorAsync(c, CloudCommands.ProcessorAction.Start, ct));
        Assert.Contains("Started", start.Output, StringComparison.Ordinal);
        Assert.Equal("RUNNING", (string?)_rekognition.Processor(cloud.ProcessorName)!["Status"]);

        var down = await verb.RunAsync((c, ct) => CloudCommands.DownAsync(c, yes: true, ct));

        Assert.True(down.ExitCode == ExitCodes.Ok, down.Error + down.Output);
        var operations = _listener.Requests.Select(r => r.Operation).ToList();
        Assert.True(operations.LastIndexOf("StopStreamProcessor") < operations.LastIndexOf("DeleteStreamProcessor"));
        Assert.Null(_rekognition.Processor(cloud.ProcessorName));
        Assert.Empty(_listener.Failures);
    }

    [Fact]
    public async Task A_stream_with_other_retention_is_a_conflict_naming_the_key_and_nothing_else_is_created()
    {
        var cloud = UniqueCloud();
        using (var video = moto.CreateKinesisVideoClient())
        {
            await video.CreateStreamAsync(cloud.VideoStreamName, 48, "video/h264", CancellationToken.None);
        }

        var (code, _, error) = await Verb(cloud).RunAsync(CloudCommands.UpAsync);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("Cloud:VideoRetentionHours", error, StringComparison.Ordinal);
        Assert.Contains("48 h", error, StringComparison.Ordinal);
        Assert.Contains("24 h", error, StringComparison.Ordinal);
        Assert.DoesNotContain(cloud.CollectionId, _rekognition.Collections);
        Assert.Equal(48, (await CliJsonAsync("kinesisvideo", "describe-stream", "--stream-name", cloud.VideoStreamName))
            .GetProperty("StreamInfo").GetProperty("DataRetentionInHours").GetInt32());
    }

    [Fact]
    public async Task A_processor_made_with_another_collection_is_a_conflict_naming_Cloud_CollectionId()
    {
        var cloud = UniqueCloud();
        var verb = Verb(cloud);
        Assert.Equal(ExitCodes.Ok, (await verb.RunAsync(CloudCommands.UpAsync)).ExitCode);
        var processor = _rekognition.Processor(cloud.ProcessorName)!;
        _rekognition.SeedProcessor(
            cloud.ProcessorName,
            (string)processor["Input"]!["KinesisVideoStream"]!["Arn"]!,
            (string)processor["Output"]!["KinesisDataStream"]!["Arn"]!,
            (string)processor["RoleArn"]!,
            "someone-elses-faces",
            85);

        var (code, _, error) = await verb.RunAsync(CloudCommands.UpAsync);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("Cloud:CollectionId", error, StringComparison.Ordinal);
        Assert.Contains("someone-elses-faces", error, StringComparison.Ordinal);
        Assert.Contains(cloud.CollectionId, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_threshold_under_80_is_warned_about_and_a_second_run_still_changes_nothing()
    {
        var cloud = UniqueCloud(threshold: 70);
        var verb = Verb(cloud);

        var first = await verb.RunAsync(CloudCommands.UpAsync);

        Assert.Equal(ExitCodes.Ok, first.ExitCode);
        Assert.Contains("Cloud:FaceMatchThreshold 70 is under 80; Rekognition raises it to 80.", first.Output, StringComparison.Ordinal);
        Assert.Equal(70, RekognitionWireResponses.Number(
            _listener.Requests.Single(r => r.Operation == "CreateStreamProcessor").Body!["Settings"]!["FaceSearch"]!["FaceMatchThreshold"]));

        var second = await verb.RunAsync(CloudCommands.UpAsync);
        Assert.Equal(ExitCodes.Ok, second.ExitCode);
        Assert.Contains("Nothing to change", second.Output, StringComparison.Ordinal);
        Assert.Empty(_listener.Failures);
    }

    [Fact]
    public async Task Faces_add_reads_the_photos_from_an_s3_prefix()
    {
        var cloud = UniqueCloud();
        var bucket = MotoFixture.UniqueName("photos-");
        await CliJsonAsync("s3api", "create-bucket", "--bucket", bucket);
        var files = new Dictionary<string, byte[]>
        {
            ["people/alice.jpg"] = RekognitionWireState.Photo(),
            ["people/bob_2.png"] = RekognitionWireState.Photo(png: true),
            ["people/hallway.jpg"] = RekognitionWireState.Photo(faces: 0),
            ["people/readme.txt"] = "photos of the household"u8.ToArray(),
            ["other/carol.jpg"] = RekognitionWireState.Photo(),
        };
        foreach (var (key, content) in files)
        {
            var path = Path.Combine(_directory, Path.GetFileName(key));
            await File.WriteAllBytesAsync(path, content);
            await CliJsonAsync("s3api", "put-object", "--bucket", bucket, "--key", key, "--body", path);
        }

        var verb = Verb(cloud);
        using (var rekognition = verb.Context.Clients.CreateRekognition())
        {
            await rekognition.CreateCollectionAsync(cloud.CollectionId, CancellationToken.None);
        }

        var (code, output, error) = await verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, $"s3://{bucket}/people/", ct));

        Assert.True(code == ExitCodes.SomeNotDone, error + output);
        Assert.Contains("2 indexed, 0 already indexed, 2 not indexed, of 4 file(s).", output, StringComparison.Ordinal);
        Assert.Contains($"s3://{bucket}/people/hallway.jpg", output, StringComparison.Ordinal);
        Assert.DoesNotContain("carol", output, StringComparison.Ordinal);
        Assert.Equal(["alice", "bob_2"], _rekognition.ExternalImageIds(cloud.CollectionId).Order(StringComparer.Ordinal));

        // The bytes Rekognition received are the bytes in the bucket.
        var alice = _listener.Requests.Single(r => r.Operation == "IndexFaces" && (string?)r.Body!["ExternalImageId"] == "alice");
        Assert.Equal(files["people/alice.jpg"], Convert.FromBase64String((string)alice.Body!["Image"]!["Bytes"]!));
        Assert.Empty(_listener.Failures);
    }

    [Fact]
    public async Task Faces_add_from_a_missing_bucket_says_so()
    {
        var cloud = UniqueCloud();
        var verb = Verb(cloud);
        using (var rekognition = verb.Context.Clients.CreateRekognition())
        {
            await rekognition.CreateCollectionAsync(cloud.CollectionId, CancellationToken.None);
        }

        var (code, _, error) = await verb.RunAsync((c, ct) => CloudCommands.FacesAddAsync(c, "s3://kvsedge-no-such-bucket/people/", ct));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("NoSuchBucket", error, StringComparison.Ordinal);
        Assert.Contains("kvsedge-no-such-bucket", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clip_over_two_windows_writes_two_files_with_the_bytes_served()
    {
        var cloud = UniqueCloud();
        var firstBody = RandomNumberGenerator.GetBytes(700_000);
        var secondBody = RandomNumberGenerator.GetBytes(300_001);
        await using var listener = new ClipListener().ServeClip(firstBody, 64 * 1024).ServeClip(secondBody, 64 * 1024);
        using (var video = moto.CreateKinesisVideoClient())
        {
            await video.CreateStreamAsync(cloud.VideoStreamName, 24, "video/h264", CancellationToken.None);
        }

        var output = Path.Combine(_directory, "door.mp4");
        var verb = Verb(cloud, archivedMedia: listener.Url);

        var (code, printed, error) = await verb.RunAsync((c, ct) => CloudCommands.ClipAsync(
            c, new CloudCommands.ClipArguments(null, "2026-11-30T10:00:00Z", "2026-11-30T10:08:00Z", output, "4m"), ct));

        Assert.True(code == ExitCodes.Ok, error + printed);
        Assert.False(File.Exists(output));
        Assert.Equal(firstBody, await File.ReadAllBytesAsync(Path.Combine(_directory, "door-001.mp4")));
        Assert.Equal(secondBody, await File.ReadAllBytesAsync(Path.Combine(_directory, "door-002.mp4")));
        Assert.Empty(Directory.GetFiles(_directory, "*.partial"));
        Assert.Contains("700,000", printed, StringComparison.Ordinal);

        var requests = listener.Requests;
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal("/getClip", r.Path));
        var ranges = requests.Select(r => JsonNode.Parse(r.Body)!).Select(b =>
        {
            Assert.Equal(cloud.VideoStreamName, (string?)b["StreamName"]);
            var selector = b["ClipFragmentSelector"]!;
            Assert.Equal("PRODUCER_TIMESTAMP", (string?)selector["FragmentSelectorType"]);
            return ((double)selector["TimestampRange"]!["StartTimestamp"]!, (double)selector["TimestampRange"]!["EndTimestamp"]!);
        }).ToList();
        var start = DateTimeOffset.Parse("2026-11-30T10:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeSeconds();
        Assert.Equal([(start, start + 240.0), (start + 240.0, start + 480.0)], ranges);
    }

    [Fact]
    public async Task Clip_of_a_range_without_video_writes_no_file_and_fails()
    {
        var cloud = UniqueCloud();
        await using var listener = new ClipListener().ServeError(HttpStatusCode.NotFound, "ResourceNotFoundException", "No fragments found in the stream for the clip request.");
        using (var video = moto.CreateKinesisVideoClient())
        {
            await video.CreateStreamAsync(cloud.VideoStreamName, 24, "video/h264", CancellationToken.None);
        }

        var output = Path.Combine(_directory, "door.mp4");
        var (code, printed, _) = await Verb(cloud, archivedMedia: listener.Url).RunAsync((c, ct) => CloudCommands.ClipAsync(
            c, new CloudCommands.ClipArguments("1m", null, null, output, null), ct));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("(no video)", printed, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    private static int CountRows(string output, string word) =>
        output.Split('\n').Count(l => l.Contains(word, StringComparison.Ordinal));

    private static List<string> Strings(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? [.. element.EnumerateArray().Select(e => e.GetString()!)] : [element.GetString()!];
}

using System.Text.Json.Nodes;
using Amazon.Runtime;
using KvsEdge.Aws;
using KvsEdge.TestSupport;
using R = KvsEdge.TestSupport.RekognitionWireResponses;

namespace KvsEdge.Tests.Aws.Rekognition;

public sealed class RekognitionClientWireTests
{
    private const string VideoArn = "arn:aws:kinesisvideo:eu-west-1:123456789012:stream/door/1700000000000";
    private const string DataArn = "arn:aws:kinesis:eu-west-1:123456789012:stream/door-faces";
    private const string RoleArn = "arn:aws:iam::123456789012:role/KvsEdgeRekognition";
    private const string FaceA = "11111111-2222-3333-4444-555555555555";
    private const string FaceB = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0xFF, 0xD9];

    [Fact]
    public async Task CreateCollection_round_trips()
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue("CreateCollection", R.CreateCollection("door"));

        var result = await h.Client.CreateCollectionAsync("door", CancellationToken.None);

        h.AssertNoWireFailures();
        Assert.Equal(200, result.StatusCode);
        Assert.Equal("aws:rekognition:eu-west-1:123456789012:collection/door", result.CollectionArn);
        Assert.Equal("7.0", result.FaceModelVersion);
        var request = h.Single("CreateCollection");
        Assert.Equal("""{"CollectionId":"door"}""", request.Body!.ToJsonString());
        Assert.Equal("RekognitionService.CreateCollection", request.Headers["X-Amz-Target"]);
        Assert.Equal("application/x-amz-json-1.1", request.Headers["Content-Type"]);
    }

    [Fact]
    public async Task DescribeCollection_parses_count_arn_and_epoch_timestamp()
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue("DescribeCollection", R.DescribeCollection("door", faceCount: 42, creationEpochSeconds: 1795581309.147));

        var description = await h.Client.DescribeCollectionAsync("door", CancellationToken.None);

        h.AssertNoWireFailures();
        Assert.Equal(42, description.FaceCount);
        Assert.Equal("arn:aws:rekognition:eu-west-1:123456789012:collection/door", description.CollectionArn);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795581309147), description.CreationTimestamp);
        Assert.Equal(0, description.UserCount);
        Assert.Equal("door", (string?)h.Single("DescribeCollection").Body!["CollectionId"]);
    }

    [Fact]
    public async Task DeleteCollection_returns_the_status_code()
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue("DeleteCollection", """{"StatusCode":200}""");

        Assert.Equal(200, await h.Client.DeleteCollectionAsync("door.v2-test_1", CancellationToken.None));

        h.AssertNoWireFailures();
        Assert.Equal("door.v2-test_1", (string?)h.Single("DeleteCollection").Body!["CollectionId"]);
    }

    [Fact]
    public async Task IndexFaces_from_bytes_sends_base64_and_every_option()
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue("IndexFaces", R.IndexFaces(
            [R.FaceRecord(R.Face(FaceA, "alice:front", imageId: "img-1"))],
            [R.UnindexedFace("EXCEEDS_MAX_FACES", "LOW_SHARPNESS")]));

        var result = await h.Client.IndexFacesAsync(
            "door",
            RekognitionImage.FromBytes(Jpeg),
            new IndexFacesOptions
            {
                ExternalImageId = "alice:front",
                MaxFaces = 1,
                QualityFilter = QualityFilter.High,
                DetectionAttributes = ["DEFAULT"],
            },
            CancellationToken.None);

        h.AssertNoWireFailures();
        var body = h.Single("IndexFaces").Body!;
        Assert.Equal(Convert.ToBase64String(Jpeg), (string?)body["Image"]!["Bytes"]);
        Assert.False(body["Image"]!.AsObject().ContainsKey("S3Object"));
        Assert.Equal("alice:front", (string?)body["ExternalImageId"]);
        Assert.Equal(1, R.Number(body["MaxFaces"]));
        Assert.Equal("HIGH", (string?)body["QualityFilter"]);
        Assert.Equal("DEFAULT", (string?)body["DetectionAttributes"]![0]);

        var record = Assert.Single(result.FaceRecords);
        Assert.Equal(FaceA, record.Face.FaceId);
        Assert.Equal("alice:front", record.Face.ExternalImageId);
        Assert.Equal("img-1", record.Face.ImageId);
        Assert.Equal(99.99f, record.Face.Confidence);
        Assert.Equal(0.2f, record.Face.BoundingBox!.Width);
        Assert.Equal(0.1f, record.Face.BoundingBox.Top);
        Assert.Equal(99.9f, record.FaceDetail!.Confidence);
        Assert.Equal(3.25f, record.FaceDetail.Pose!.Yaw);
        Assert.Equal(92.1f, record.FaceDetail.Quality!.Sharpness);
        Assert.Equal(["eyeLeft", "eyeRight"], record.FaceDetail.Landmarks.Select(l => l.Type));
        var unindexed = Assert.Single(result.UnindexedFaces);
        Assert.Equal(["EXCEEDS_MAX_FACES", "LOW_SHARPNESS"], unindexed.Reasons);
        Assert.Equal(55.5f, unindexed.FaceDetail!.Confidence);
        Assert.Equal("7.0", result.FaceModelVersion);
    }

    [Fact]
    public async Task IndexFaces_from_s3_sends_only_the_s3_object_and_omits_unset_options()
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue("IndexFaces", R.IndexFaces([]));

        var result = await h.Client.IndexFacesAsync(
            "door",
            RekognitionImage.FromS3(new S3Object { Bucket = "kvsedge-faces", Name = "alice/1.jpg", Version = "v3" }),
            null,
            CancellationToken.None);

        h.AssertNoWireFailures();
        Assert.Empty(result.FaceRecords);
        Assert.Empty(result.UnindexedFaces);
        Assert.Equal(
            """{"CollectionId":"door","Image":{"S3Object":{"Bucket":"kvsedge-faces","Name":"alice/1.jpg","Version":"v3"}}}""",
            h.Single("IndexFaces").Body!.ToJsonString());
    }

    [Fact]
    public async Task IndexFaces_without_s3_version_omits_it()
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue("IndexFaces", R.IndexFaces([]));

        await h.Client.IndexFacesAsync(
            "door", RekognitionImage.FromS3(new S3Object { Bucket = "kvsedge-faces", Name = "bob.png" }), null, CancellationToken.None);

        h.AssertNoWireFailures();
        Assert.Equal("""{"Bucket":"kvsedge-faces","Name":"bob.png"}""", h.Single("IndexFaces").Body!["Image"]!["S3Object"]!.ToJsonString());
    }

    [Fact]
    public async Task ListFaces_follows_next_token_and_sends_the_collection_on_every_page()
    {
        await using var h = new RekognitionHarness();
        h.Listener
            .Enqueue("ListFaces", R.ListFaces([R.Face(FaceA, "alice")], nextToken: "page-2"))
            .Enqueue("ListFaces", R.ListFaces([R.Face(FaceB, "bob")], nextToken: null));

        var faces = await h.Client.ListAllFacesAsync("door", CancellationToken.None);

        h.AssertNoWireFailures();
        Assert.Equal([FaceA, FaceB], faces.Select(f => f.FaceId));
        Assert.Equal(["alice", "bob"], faces.Select(f => f.ExternalImageId));
        var requests = h.Listener.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal("""{"CollectionId":"door"}""", requests[0].Body!.ToJsonString());
        Assert.Equal("""{"CollectionId":"door","NextToken":"page-2"}""", requests[1].Body!.ToJsonString());
    }

    [Fact]
    public async Task ListFaces_single_page_sends_max_results_as_a_number()
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue("ListFaces", R.ListFaces([R.Face(FaceA)], nextToken: "more"));

        var page = await h.Client.ListFacesAsync("door", null, 1, CancellationToken.None);

        h.AssertNoWireFailures();
        Assert.Equal("more", page.NextToken);
        Assert.Equal("7.0", page.FaceModelVersion);
        Assert.Equal(1, R.Number(h.Single("ListFaces").Body!["MaxResults"]));
    }

    [Fact]
    public async Task DeleteFaces_round_trips()
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue(
            "DeleteFaces",
            $$"""{"DeletedFaces":["{{FaceA}}"],"UnsuccessfulFaceDeletions":[{"FaceId":"{{FaceB}}","Reasons":["FACE_NOT_FOUND"]}]}""");

        var result = await h.Client.DeleteFacesAsync("door", [FaceA, FaceB], CancellationToken.None);

        h.AssertNoWireFailures();
        Assert.Equal([FaceA], result.DeletedFaces);
        var failed = Assert.Single(result.UnsuccessfulFaceDeletions);
        Assert.Equal(FaceB, failed.FaceId);
        Assert.Equal(["FACE_NOT_FOUND"], failed.Reasons);
        Assert.Equal($$"""{"CollectionId":"door","FaceIds":["{{FaceA}}","{{FaceB}}"]}""", h.Single("DeleteFaces").Body!.ToJsonString());
    }

    [Fact]
    public async Task SearchFacesByImage_round_trips_with_numeric_threshold()
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue("SearchFacesByImage", R.SearchFacesByImage(
            [R.FaceMatch(99.5, R.Face(FaceA, "alice")), R.FaceMatch(91.25, R.Face(FaceB, "bob"))], searchedFaceConfidence: 99.98));

        var result = await h.Client.SearchFacesByImageAsync(
            "door",
            RekognitionImage.FromBytes(Jpeg),
            new SearchFacesByImageOptions { FaceMatchThreshold = 90.5f, MaxFaces = 2, QualityFilter = QualityFilter.Auto },
            CancellationToken.None);

        h.AssertNoWireFailures();
        var body = h.Single("SearchFacesByImage").Body!;
        Assert.Equal(90.5, R.Number(body["FaceMatchThreshold"]));
        Assert.Equal(2, R.Number(body["MaxFaces"]));
        Assert.Equal("AUTO", (string?)body["QualityFilter"]);
        Assert.Equal(Jpeg, Convert.FromBase64String((string)body["Image"]!["Bytes"]!));

        Assert.Equal(99.98f, result.SearchedFaceConfidence);
        Assert.Equal(0.4f, result.SearchedFaceBoundingBox!.Left);
        Assert.Equal([99.5f, 91.25f], result.FaceMatches.Select(m => m.Similarity));
        Assert.Equal(["alice", "bob"], result.FaceMatches.Select(m => m.Face.ExternalImageId));
    }

    [Fact]
    public async Task CreateStreamProcessor_sends_the_nested_face_search_shape()
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue(
            "CreateStreamProcessor",
            """{"StreamProcessorArn":"arn:aws:rekognition:eu-west-1:123456789012:streamprocessor/door"}""");

        var arn = await h.Client.CreateStreamProcessorAsync(
            new FaceSearchStreamProcessorDefinition
            {
                Name = "door",
                KinesisVideoStreamArn = VideoArn,
                KinesisDataStreamArn = DataArn,
                RoleArn = RoleArn,
                CollectionId = "door",
                FaceMatchThreshold = 85,
            },
            CancellationToken.None);

        h.AssertNoWireFailures();
        Assert.Equal("arn:aws:rekognition:eu-west-1:123456789012:streamprocessor/door", arn);
        var body = h.Single("CreateStreamProcessor").Body!;
        Assert.Equal(VideoArn, (string?)body["Input"]!["KinesisVideoStream"]!["Arn"]);
        Assert.Equal(DataArn, (string?)body["Output"]!["KinesisDataStream"]!["Arn"]);
        Assert.Equal("door", (string?)body["Name"]);
        Assert.Equal(RoleArn, (string?)body["RoleArn"]);
        Assert.Equal("door", (string?)body["Settings"]!["FaceSearch"]!["CollectionId"]);
        Assert.Equal(85, R.Number(body["Settings"]!["FaceSearch"]!["FaceMatchThreshold"]));
    }

    [Fact]
    public async Task Start_stop_and_delete_stream_processor_send_the_name()
    {
        await using var h = new RekognitionHarness();
        h.Listener
            .Enqueue("StartStreamProcessor", "{}")
            .Enqueue("StopStreamProcessor", "{}")
            .Enqueue("DeleteStreamProcessor", "{}");

        Assert.Null(await h.Client.StartStreamProcessorAsync("door", CancellationToken.None));
        await h.Client.StopStreamProcessorAsync("door", CancellationToken.None);
        await h.Client.DeleteStreamProcessorAsync("door", CancellationToken.None);

        h.AssertNoWireFailures();
        Assert.Equal(
            ["StartStreamProcessor", "StopStreamProcessor", "DeleteStreamProcessor"],
            h.Listener.Requests.Select(r => r.Operation));
        Assert.All(h.Listener.Requests, r => Assert.Equal("""{"Name":"door"}""", r.Body!.ToJsonString()));
    }

    [Fact]
    public async Task DescribeStreamProcessor_parses_status_input_output_settings_and_role()
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue("DescribeStreamProcessor", R.Ok(R.StreamProcessor(
            "door", "FAILED", VideoArn, DataArn, RoleArn, "door", 85.5, "eu-west-1", statusMessage: "Access denied to Kinesis video stream")));

        var d = await h.Client.DescribeStreamProcessorAsync("door", CancellationToken.None);

        h.AssertNoWireFailures();
        Assert.Equal("door", d.Name);
        Assert.Equal("FAILED", d.Status);
        Assert.False(d.IsRunning);
        Assert.Equal("Access denied to Kinesis video stream", d.StatusMessage);
        Assert.Equal("arn:aws:rekognition:eu-west-1:123456789012:streamprocessor/door", d.StreamProcessorArn);
        Assert.Equal(VideoArn, d.Input!.KinesisVideoStream!.Arn);
        Assert.Equal(DataArn, d.Output!.KinesisDataStream!.Arn);
        Assert.Equal(RoleArn, d.RoleArn);
        Assert.Equal("door", d.Settings!.FaceSearch!.CollectionId);
        Assert.Equal(85.5f, d.Settings.FaceSearch.FaceMatchThreshold);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795581309147), d.CreationTimestamp);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795581400500), d.LastUpdateTimestamp);
    }

    [Fact]
    public async Task ListStreamProcessors_follows_next_token()
    {
        await using var h = new RekognitionHarness();
        h.Listener
            .Enqueue("ListStreamProcessors", R.ListStreamProcessors("t-2", ("door", "RUNNING"), ("garage", "STOPPED")))
            .Enqueue("ListStreamProcessors", R.ListStreamProcessors(null, ("gate", "FAILED")));

        var all = await h.Client.ListAllStreamProcessorsAsync(CancellationToken.None);

        h.AssertNoWireFailures();
        Assert.Equal(["door", "garage", "gate"], all.Select(p => p.Name));
        Assert.Equal(["RUNNING", "STOPPED", "FAILED"], all.Select(p => p.Status));
        Assert.Equal(["{}", """{"NextToken":"t-2"}"""], h.Listener.Requests.Select(r => r.Body!.ToJsonString()));
    }

    [Fact]
    public async Task ListStreamProcessors_single_page_with_max_results()
    {
        await using var h = new RekognitionHarness();
        h.Listener.Enqueue("ListStreamProcessors", R.ListStreamProcessors("next", ("door", "RUNNING")));

        var page = await h.Client.ListStreamProcessorsAsync("prev", 1, CancellationToken.None);

        h.AssertNoWireFailures();
        Assert.Equal("next", page.NextToken);
        Assert.Equal("""{"NextToken":"prev","MaxResults":1}""", h.Single("ListStreamProcessors").Body!.ToJsonString());
    }

    [Fact]
    public async Task Signature_verifies_with_the_right_secret_and_session_token()
    {
        await using var h = new RekognitionHarness(credentials: new SessionAWSCredentials(
            AwsTestClients.AccessKeyId, AwsTestClients.SecretKey, AwsTestClients.SessionToken));
        h.Listener.Enqueue("DescribeCollection", R.DescribeCollection("door", 1, 1795581309));

        await h.Client.DescribeCollectionAsync("door", CancellationToken.None);

        h.AssertNoWireFailures();
        var request = h.Single("DescribeCollection");
        Assert.Equal(AwsTestClients.SessionToken, request.Headers["X-Amz-Security-Token"]);
        Assert.Contains("/eu-west-1/rekognition/aws4_request", request.Headers["Authorization"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_listener_rejects_a_client_signing_with_the_wrong_secret()
    {
        await using var h = new RekognitionHarness(clientSecret: "not-the-secret/K7MDENG+bPxRfiCYEXAMPLEKEY");
        h.Listener.Enqueue("DescribeCollection", R.DescribeCollection("door", 1, 1795581309));

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => h.Client.DescribeCollectionAsync("door", CancellationToken.None));

        Assert.Equal(RekognitionWireListener.CheckFailedType, ex.ErrorCode);
        Assert.Contains("signature does not verify", ex.Message, StringComparison.Ordinal);
        var failure = Assert.Single(h.Listener.Failures);
        Assert.Contains("SigV4 signature does not verify", failure, StringComparison.Ordinal);
        Assert.StartsWith("DescribeCollection", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_listener_rejects_a_tampered_body_and_unknown_fields()
    {
        // A raw HttpClient without the signer: no Authorization, wrong content type, an unknown field and a string threshold.
        await using var listener = new RekognitionWireListener(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey, RekognitionHarness.Region);
        using var http = new HttpClient();
        using var content = new StringContent("""{"CollectionId":"door","Image":{"Bytes":"!!notbase64"},"FaceMatchThreshold":"80","Extra":1}""");
        using var message = new HttpRequestMessage(HttpMethod.Post, listener.Url) { Content = content };
        message.Headers.TryAddWithoutValidation("X-Amz-Target", "RekognitionService.SearchFacesByImage");

        using var response = await http.SendAsync(message);

        Assert.Equal(400, (int)response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(RekognitionWireListener.CheckFailedType, (string?)body["__type"]);
        var failure = Assert.Single(listener.Failures);
        Assert.Contains("Content-Type", failure, StringComparison.Ordinal);
        Assert.Contains("Authorization is missing", failure, StringComparison.Ordinal);
        Assert.Contains("$.Image.Bytes is not valid base64", failure, StringComparison.Ordinal);
        Assert.Contains("$.FaceMatchThreshold must be a number", failure, StringComparison.Ordinal);
        Assert.Contains("$.Extra is not a member", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_listener_records_an_unscripted_operation_as_a_failure()
    {
        await using var h = new RekognitionHarness();

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => h.Client.DeleteCollectionAsync("door", CancellationToken.None));

        Assert.Equal("KvsEdgeNoScriptedResponse", ex.ErrorCode);
        Assert.Contains("no scripted response", Assert.Single(h.Listener.Failures), StringComparison.Ordinal);
    }
}

using System.Globalization;
using KvsEdge.Aws;
using KvsEdge.Aws.Iam;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvsEdge.Cloud;

/// <summary>What happened to (or was found for) one resource.</summary>
public enum CloudOutcome
{
    Created,
    Unchanged,
    Deleted,
    AlreadyGone,
    Present,
    Missing,

    /// <summary>Could not be looked at (the credentials may not read it); nothing was changed.</summary>
    Unknown,
}

/// <summary>One row of `cloud up`, `cloud status` or `cloud down`.</summary>
/// <param name="Resource">"video stream", "collection", "data stream", "IAM role", "stream processor".</param>
/// <param name="State">The service's own state word (ACTIVE, RUNNING, …) when it has one.</param>
public sealed record CloudStep(string Resource, string Name, CloudOutcome Outcome, string? Arn, string? State, string? Detail);

/// <summary>
/// The resources of one door, from the `Cloud` section: plans each step (exists with the same settings → unchanged,
/// exists with other settings → <see cref="CloudResourceConflictException"/>, missing → created) and applies it.
/// A second `up` changes nothing; `down` removes in dependency order and tolerates what is already gone.
/// </summary>
public sealed class CloudSetup
{
    public const string VideoStream = "video stream";
    public const string Collection = "collection";
    public const string DataStream = "data stream";
    public const string Role = "IAM role";
    public const string Processor = "stream processor";
    public const string DevicePolicyResource = "device policy";

    /// <summary>Rekognition raises stream-processor thresholds under this to this.</summary>
    public const double ServiceMinimumThreshold = 80;

    private const string VideoMediaType = "video/h264";
    private static readonly TimeSpan ActiveTimeout = TimeSpan.FromMinutes(5);

    /// <summary>A new IAM role takes seconds to become assumable by Rekognition; CreateStreamProcessor is retried meanwhile.</summary>
    private static readonly TimeSpan RolePropagationDelay = TimeSpan.FromSeconds(5);
    private const int RolePropagationAttempts = 6;

    private readonly CloudOptions _options;
    private readonly KinesisVideoClient _video;
    private readonly KinesisClient _kinesis;
    private readonly RekognitionClient _rekognition;
    private readonly IamClient _iam;
    private readonly AwsRetry _retry;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public CloudSetup(
        CloudOptions options,
        KinesisVideoClient video,
        KinesisClient kinesis,
        RekognitionClient rekognition,
        IamClient iam,
        AwsRetry retry,
        TimeProvider timeProvider,
        ILogger? logger = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _video = video ?? throw new ArgumentNullException(nameof(video));
        _kinesis = kinesis ?? throw new ArgumentNullException(nameof(kinesis));
        _rekognition = rekognition ?? throw new ArgumentNullException(nameof(rekognition));
        _iam = iam ?? throw new ArgumentNullException(nameof(iam));
        _retry = retry ?? throw new ArgumentNullException(nameof(retry));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>`image-api` (the collection, and with <see cref="CreateDevicePolicy"/> the device policy) or `stream-processor` (everything).</summary>
    public string Mode { get; init; } = CloudModes.StreamProcessor;

    /// <summary>Image-API mode: `up` also creates the device's managed policy (`cloud up --iam`).</summary>
    public bool CreateDevicePolicy { get; init; }

    private bool ImageApi => Mode == CloudModes.ImageApi;

    /// <summary>True when the configured threshold is under the service minimum (the service will use 80).</summary>
    public bool ThresholdIsRaised => _options.FaceMatchThreshold < ServiceMinimumThreshold;

    /// <summary>Creates what is missing, in dependency order; <paramref name="onStep"/> sees each row as it completes.</summary>
    /// <exception cref="CloudResourceConflictException">A resource exists with settings other than the configuration's.</exception>
    public async Task<IReadOnlyList<CloudStep>> UpAsync(Action<CloudStep>? onStep, CancellationToken cancellationToken)
    {
        var steps = new List<CloudStep>();
        var report = Recorder(steps, onStep);

        if (ImageApi)
        {
            // The device searches the collection itself: no video stream, data stream, role or processor to pay for.
            var collection = await EnsureCollectionAsync(cancellationToken).ConfigureAwait(false);
            report(collection);
            if (CreateDevicePolicy)
            {
                report(await EnsureDevicePolicyAsync(collection.Arn!, cancellationToken).ConfigureAwait(false));
            }

            return steps;
        }

        if (ThresholdIsRaised)
        {
            Log.ThresholdRaised(_logger, _options.FaceMatchThreshold, ServiceMinimumThreshold);
        }

        var video = await EnsureVideoStreamAsync(cancellationToken).ConfigureAwait(false);
        report(video);
        report(await EnsureCollectionAsync(cancellationToken).ConfigureAwait(false));
        var data = await EnsureDataStreamAsync(cancellationToken).ConfigureAwait(false);
        report(data);
        var role = await EnsureRoleAsync(video.Arn!, data.Arn!, cancellationToken).ConfigureAwait(false);
        report(role);
        report(await EnsureProcessorAsync(video.Arn!, data.Arn!, role.Arn!, role.Outcome == CloudOutcome.Created, cancellationToken)
            .ConfigureAwait(false));
        return steps;
    }

    /// <summary>Every resource as it is now; nothing is changed.</summary>
    public async Task<IReadOnlyList<CloudStep>> StatusAsync(CancellationToken cancellationToken)
    {
        var steps = new List<CloudStep>();
        if (ImageApi)
        {
            var found = await FindAsync(ct => _rekognition.DescribeCollectionAsync(_options.CollectionId, ct), cancellationToken).ConfigureAwait(false);
            steps.Add(found is null
                ? Missing(Collection, _options.CollectionId)
                : new CloudStep(Collection, _options.CollectionId, CloudOutcome.Present, found.CollectionArn, null, Invariant($"FaceCount {found.FaceCount}")));
            steps.Add(await DevicePolicyStatusAsync(found?.CollectionArn, cancellationToken).ConfigureAwait(false));
            return steps;
        }

        var video = await FindAsync(ct => _video.DescribeStreamAsync(_options.VideoStreamName, ct), cancellationToken).ConfigureAwait(false);
        steps.Add(video is null
            ? Missing(VideoStream, _options.VideoStreamName)
            : new CloudStep(VideoStream, video.StreamName, CloudOutcome.Present, video.StreamArn, video.Status, Invariant($"retention {video.DataRetentionInHours} h")));

        var collection = await FindAsync(ct => _rekognition.DescribeCollectionAsync(_options.CollectionId, ct), cancellationToken).ConfigureAwait(false);
        steps.Add(collection is null
            ? Missing(Collection, _options.CollectionId)
            : new CloudStep(Collection, _options.CollectionId, CloudOutcome.Present, collection.CollectionArn, null, Invariant($"FaceCount {collection.FaceCount}")));

        var data = await FindAsync(ct => _kinesis.DescribeStreamSummaryAsync(_options.DataStreamName, ct), cancellationToken).ConfigureAwait(false);
        steps.Add(data is null
            ? Missing(DataStream, _options.DataStreamName)
            : new CloudStep(DataStream, data.StreamName, CloudOutcome.Present, data.StreamArn, data.StreamStatus, Invariant($"{data.OpenShardCount} open shard(s)")));

        var role = await _retry.RunAsync(ct => _iam.TryGetRoleAsync(_options.RoleName, ct), cancellationToken).ConfigureAwait(false);
        if (role is null)
        {
            steps.Add(Missing(Role, _options.RoleName));
        }
        else
        {
            var policy = await _retry.RunAsync(
                ct => _iam.TryGetRolePolicyAsync(_options.RoleName, RekognitionRolePolicy.DefaultPolicyName, ct), cancellationToken).ConfigureAwait(false);
            var detail = policy is null
                ? $"inline policy {RekognitionRolePolicy.DefaultPolicyName} missing"
                : video is not null && data is not null
                    && RekognitionRolePolicy.PolicyEquals(policy.PolicyDocument, RekognitionRolePolicy.StreamProcessorPolicy(video.StreamArn, data.StreamArn))
                        ? "least-privilege policy in place"
                        : $"inline policy {RekognitionRolePolicy.DefaultPolicyName} does not match the streams";
            steps.Add(new CloudStep(Role, role.RoleName, CloudOutcome.Present, role.Arn, null, detail));
        }

        var processor = await FindAsync(ct => _rekognition.DescribeStreamProcessorAsync(_options.ProcessorName, ct), cancellationToken).ConfigureAwait(false);
        steps.Add(processor is null
            ? Missing(Processor, _options.ProcessorName)
            : new CloudStep(Processor, _options.ProcessorName, CloudOutcome.Present, processor.StreamProcessorArn, processor.Status, processor.StatusMessage));
        return steps;
    }

    /// <summary>
    /// Deletes what `up` creates: the processor first (stopped and waited for, it holds the role and both streams),
    /// then the role's inline policies and the role, the data stream, the collection (with its faces) and the video stream.
    /// </summary>
    public async Task<IReadOnlyList<CloudStep>> DownAsync(Action<CloudStep>? onStep, CancellationToken cancellationToken)
    {
        var steps = new List<CloudStep>();
        var report = Recorder(steps, onStep);

        if (ImageApi)
        {
            // The policy names the collection: it goes first, so nothing is left granting access to a missing collection.
            report(await DeleteDevicePolicyAsync(cancellationToken).ConfigureAwait(false));
            report(await GoneAsync(Collection, _options.CollectionId, ct => _rekognition.DeleteCollectionAsync(_options.CollectionId, ct), cancellationToken)
                .ConfigureAwait(false));
            return steps;
        }

        report(await DeleteProcessorAsync(cancellationToken).ConfigureAwait(false));
        report(await DeleteRoleAsync(cancellationToken).ConfigureAwait(false));
        report(await GoneAsync(DataStream, _options.DataStreamName, ct => _kinesis.DeleteStreamAsync(_options.DataStreamName, ct), cancellationToken)
            .ConfigureAwait(false));
        report(await GoneAsync(Collection, _options.CollectionId, ct => _rekognition.DeleteCollectionAsync(_options.CollectionId, ct), cancellationToken)
            .ConfigureAwait(false));

        var video = await FindAsync(ct => _video.DescribeStreamAsync(_options.VideoStreamName, ct), cancellationToken).ConfigureAwait(false);
        report(video is null
            ? Gone(VideoStream, _options.VideoStreamName)
            : await GoneAsync(VideoStream, _options.VideoStreamName, ct => _video.DeleteStreamAsync(video.StreamArn, video.CurrentVersion, ct), cancellationToken)
                .ConfigureAwait(false));
        return steps;
    }

    /// <summary>Keeps, logs and passes on each row as it completes.</summary>
    private Action<CloudStep> Recorder(List<CloudStep> steps, Action<CloudStep>? onStep) => step =>
    {
        steps.Add(step);
        Log.CloudStep(_logger, step.Resource, step.Name, step.Outcome, step.Arn);
        onStep?.Invoke(step);
    };

    private async Task<CloudStep> EnsureVideoStreamAsync(CancellationToken cancellationToken)
    {
        var name = _options.VideoStreamName;
        var existing = await FindAsync(ct => _video.DescribeStreamAsync(name, ct), cancellationToken).ConfigureAwait(false);
        var outcome = CloudOutcome.Unchanged;
        if (existing is null)
        {
            await _retry.RunAsync(ct => _video.CreateStreamAsync(name, _options.VideoRetentionHours, VideoMediaType, ct), cancellationToken)
                .ConfigureAwait(false);
            outcome = CloudOutcome.Created;
        }
        else if (existing.DataRetentionInHours != _options.VideoRetentionHours)
        {
            throw Conflict(
                VideoStream, name, "Cloud:VideoRetentionHours",
                Invariant($"{existing.DataRetentionInHours} h"), Invariant($"{_options.VideoRetentionHours} h"));
        }

        var active = existing is { IsActive: true }
            ? existing
            : await _video.WaitForActiveAsync(name, _time, ActiveTimeout, cancellationToken).ConfigureAwait(false);
        return new CloudStep(VideoStream, name, outcome, active.StreamArn, active.Status, Invariant($"retention {active.DataRetentionInHours} h"));
    }

    private async Task<CloudStep> EnsureCollectionAsync(CancellationToken cancellationToken)
    {
        var id = _options.CollectionId;
        var existing = await FindAsync(ct => _rekognition.DescribeCollectionAsync(id, ct), cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return new CloudStep(Collection, id, CloudOutcome.Unchanged, existing.CollectionArn, null, Invariant($"FaceCount {existing.FaceCount}"));
        }

        var created = await _retry.RunAsync(ct => _rekognition.CreateCollectionAsync(id, ct), cancellationToken).ConfigureAwait(false);
        return new CloudStep(Collection, id, CloudOutcome.Created, created.CollectionArn, null, "FaceCount 0");
    }

    private async Task<CloudStep> EnsureDevicePolicyAsync(string collectionArn, CancellationToken cancellationToken)
    {
        var name = _options.DevicePolicyName;
        var document = DevicePolicy.ForCollection(collectionArn);
        var existing = await _retry.RunAsync(ct => _iam.FindLocalPolicyAsync(name, ct), cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            var created = await _retry.RunAsync(
                ct => _iam.CreatePolicyAsync(name, document, "Lets a KvsEdge appliance search faces in one Rekognition collection.", ct),
                cancellationToken).ConfigureAwait(false);
            return new CloudStep(DevicePolicyResource, name, CloudOutcome.Created, created.Arn, null, AttachmentDetail(0));
        }

        var current = await _retry.RunAsync(ct => _iam.GetPolicyDocumentAsync(existing.Arn, existing.DefaultVersionId, ct), cancellationToken)
            .ConfigureAwait(false);
        if (!RekognitionRolePolicy.PolicyEquals(current, document))
        {
            throw Conflict(DevicePolicyResource, name, "Cloud:DevicePolicyName", current, document);
        }

        return new CloudStep(DevicePolicyResource, name, CloudOutcome.Unchanged, existing.Arn, null, AttachmentDetail(existing.AttachmentCount));
    }

    private async Task<CloudStep> DevicePolicyStatusAsync(string? collectionArn, CancellationToken cancellationToken)
    {
        var name = _options.DevicePolicyName;
        IamManagedPolicy? policy;
        try
        {
            policy = await _retry.RunAsync(ct => _iam.FindLocalPolicyAsync(name, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (AwsAccessDeniedException ex) when (ex is not AwsInvalidCredentialsException)
        {
            // The policy is optional; credentials that may not list IAM policies still see the collection.
            return new CloudStep(DevicePolicyResource, name, CloudOutcome.Unknown, null, null, "these credentials may not list IAM policies");
        }

        if (policy is null)
        {
            return new CloudStep(DevicePolicyResource, name, CloudOutcome.Missing, null, null, "optional: kvsedge cloud up --iam creates it");
        }

        var current = await _retry.RunAsync(ct => _iam.GetPolicyDocumentAsync(policy.Arn, policy.DefaultVersionId, ct), cancellationToken)
            .ConfigureAwait(false);
        var detail = collectionArn is not null && RekognitionRolePolicy.PolicyEquals(current, DevicePolicy.ForCollection(collectionArn))
            ? "least-privilege policy in place; " + AttachmentDetail(policy.AttachmentCount)
            : "does not match the collection (Cloud:CollectionId)";
        return new CloudStep(DevicePolicyResource, name, CloudOutcome.Present, policy.Arn, null, detail);
    }

    private async Task<CloudStep> DeleteDevicePolicyAsync(CancellationToken cancellationToken)
    {
        var name = _options.DevicePolicyName;
        IamManagedPolicy? policy;
        try
        {
            policy = await _retry.RunAsync(ct => _iam.FindLocalPolicyAsync(name, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (AwsAccessDeniedException ex) when (ex is not AwsInvalidCredentialsException)
        {
            return new CloudStep(DevicePolicyResource, name, CloudOutcome.Unknown, null, null, "these credentials may not list IAM policies: not deleted");
        }

        if (policy is null)
        {
            return Gone(DevicePolicyResource, name);
        }

        // IAM refuses to delete an attached policy: `up` made it, so `down` takes it off whoever it was attached to.
        var attachments = await _retry.RunAsync(ct => _iam.ListPolicyAttachmentsAsync(policy.Arn, ct), cancellationToken).ConfigureAwait(false);
        foreach (var (kind, who) in attachments)
        {
            await IgnoreNotFoundAsync(ct => _iam.DetachPolicyAsync(policy.Arn, kind, who, ct), cancellationToken).ConfigureAwait(false);
        }

        var step = await GoneAsync(DevicePolicyResource, name, ct => _iam.DeletePolicyAsync(policy.Arn, ct), cancellationToken).ConfigureAwait(false);
        return step with
        {
            Arn = policy.Arn,
            Detail = attachments.Count == 0 ? null : "detached from " + string.Join(", ", attachments.Select(a => $"{a.Kind} {a.Name}")),
        };
    }

    private static string AttachmentDetail(int attachments) => attachments == 0
        ? "not attached yet: attach it to the device's IAM user or role"
        : Invariant($"attached to {attachments} user(s), role(s) or group(s)");

    private async Task<CloudStep> EnsureDataStreamAsync(CancellationToken cancellationToken)
    {
        var name = _options.DataStreamName;
        var existing = await FindAsync(ct => _kinesis.DescribeStreamSummaryAsync(name, ct), cancellationToken).ConfigureAwait(false);
        var outcome = CloudOutcome.Unchanged;
        if (existing is null)
        {
            // One shard carries a door's face-match records many times over (1 MB/s in, 1,000 records/s).
            await _retry.RunAsync(ct => _kinesis.CreateStreamAsync(name, 1, ct), cancellationToken).ConfigureAwait(false);
            outcome = CloudOutcome.Created;
        }

        var active = existing is { IsActive: true }
            ? existing
            : await _kinesis.WaitForActiveAsync(name, _time, ActiveTimeout, cancellationToken).ConfigureAwait(false);
        return new CloudStep(DataStream, name, outcome, active.StreamArn, active.StreamStatus, Invariant($"{active.OpenShardCount} open shard(s)"));
    }

    private async Task<CloudStep> EnsureRoleAsync(string videoArn, string dataArn, CancellationToken cancellationToken)
    {
        var name = _options.RoleName;
        // The account from the stream ARN limits the trust to this account's stream processors (confused deputy).
        var trust = RekognitionRolePolicy.TrustPolicy(AccountOf(videoArn));
        var permissions = RekognitionRolePolicy.StreamProcessorPolicy(videoArn, dataArn);
        var outcome = CloudOutcome.Unchanged;

        var role = await _retry.RunAsync(ct => _iam.TryGetRoleAsync(name, ct), cancellationToken).ConfigureAwait(false);
        if (role is null)
        {
            role = await _retry.RunAsync(
                ct => _iam.CreateRoleAsync(name, trust, "Lets Rekognition read the KvsEdge video stream and write face matches.", null, ct),
                cancellationToken).ConfigureAwait(false);
            outcome = CloudOutcome.Created;
        }
        else if (!RekognitionRolePolicy.PolicyEquals(role.AssumeRolePolicyDocument, trust))
        {
            throw Conflict(Role, name, "Cloud:RoleName", $"trust policy {role.AssumeRolePolicyDocument}", $"trust policy {trust}");
        }

        var policy = await _retry.RunAsync(
            ct => _iam.TryGetRolePolicyAsync(name, RekognitionRolePolicy.DefaultPolicyName, ct), cancellationToken).ConfigureAwait(false);
        if (policy is null)
        {
            await _retry.RunAsync(
                ct => _iam.PutRolePolicyAsync(name, RekognitionRolePolicy.DefaultPolicyName, permissions, ct), cancellationToken).ConfigureAwait(false);
            outcome = CloudOutcome.Created;
        }
        else if (!RekognitionRolePolicy.PolicyEquals(policy.PolicyDocument, permissions))
        {
            throw Conflict(
                Role, name, "Cloud:RoleName",
                $"inline policy {RekognitionRolePolicy.DefaultPolicyName} {policy.PolicyDocument}", permissions);
        }

        return new CloudStep(Role, name, outcome, role.Arn, null, $"inline policy {RekognitionRolePolicy.DefaultPolicyName}");
    }

    private async Task<CloudStep> EnsureProcessorAsync(
        string videoArn,
        string dataArn,
        string roleArn,
        bool roleIsNew,
        CancellationToken cancellationToken)
    {
        var name = _options.ProcessorName;
        var existing = await FindAsync(ct => _rekognition.DescribeStreamProcessorAsync(name, ct), cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            CheckProcessor(existing, videoArn, dataArn, roleArn);
            return new CloudStep(Processor, name, CloudOutcome.Unchanged, existing.StreamProcessorArn, existing.Status, ThresholdDetail());
        }

        var definition = new FaceSearchStreamProcessorDefinition
        {
            Name = name,
            KinesisVideoStreamArn = videoArn,
            KinesisDataStreamArn = dataArn,
            RoleArn = roleArn,
            CollectionId = _options.CollectionId,
            FaceMatchThreshold = (float)_options.FaceMatchThreshold,
        };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var arn = await _retry.RunAsync(ct => _rekognition.CreateStreamProcessorAsync(definition, ct), cancellationToken).ConfigureAwait(false);
                var created = await _retry.RunAsync(ct => _rekognition.DescribeStreamProcessorAsync(name, ct), cancellationToken).ConfigureAwait(false);
                return new CloudStep(Processor, name, CloudOutcome.Created, arn ?? created.StreamProcessorArn, created.Status, ThresholdDetail());
            }
            catch (AwsServiceException ex) when (roleIsNew && attempt < RolePropagationAttempts
                && ex is AwsInvalidArgumentException or AwsAccessDeniedException
                && ex.Message.Contains("role", StringComparison.OrdinalIgnoreCase))
            {
                Log.WaitingForRole(_logger, _options.RoleName, attempt);
                await Task.Delay(RolePropagationDelay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void CheckProcessor(StreamProcessorDescription existing, string videoArn, string dataArn, string roleArn)
    {
        var name = _options.ProcessorName;
        CheckSame(existing.Input?.KinesisVideoStream?.Arn, videoArn, "Cloud:VideoStreamName");
        CheckSame(existing.Output?.KinesisDataStream?.Arn, dataArn, "Cloud:DataStreamName");
        CheckSame(existing.RoleArn, roleArn, "Cloud:RoleName");
        CheckSame(existing.Settings?.FaceSearch?.CollectionId, _options.CollectionId, "Cloud:CollectionId");

        // Compare what the service applies: under 80 means 80, and an omitted threshold is the default 80.
        var have = Math.Max(existing.Settings?.FaceSearch?.FaceMatchThreshold ?? ServiceMinimumThreshold, ServiceMinimumThreshold);
        var want = Math.Max(_options.FaceMatchThreshold, ServiceMinimumThreshold);
        if (Math.Abs(have - want) > 0.01)
        {
            throw Conflict(Processor, name, "Cloud:FaceMatchThreshold", Invariant($"{have:0.##}"), Invariant($"{want:0.##}"));
        }

        void CheckSame(string? actual, string expected, string key)
        {
            if (!string.Equals(actual, expected, StringComparison.Ordinal))
            {
                throw Conflict(Processor, name, key, actual ?? "(none)", expected);
            }
        }
    }

    private async Task<CloudStep> DeleteProcessorAsync(CancellationToken cancellationToken)
    {
        var name = _options.ProcessorName;
        var existing = await FindAsync(ct => _rekognition.DescribeStreamProcessorAsync(name, ct), cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            return Gone(Processor, name);
        }

        if (existing.Status is "RUNNING" or "STARTING")
        {
            await StreamProcessorControl.StopAndWaitAsync(_rekognition, _retry, _time, name, cancellationToken).ConfigureAwait(false);
        }

        return await GoneAsync(Processor, name, ct => _rekognition.DeleteStreamProcessorAsync(name, ct), cancellationToken).ConfigureAwait(false)
            with { Arn = existing.StreamProcessorArn };
    }

    private async Task<CloudStep> DeleteRoleAsync(CancellationToken cancellationToken)
    {
        var name = _options.RoleName;
        var role = await _retry.RunAsync(ct => _iam.TryGetRoleAsync(name, ct), cancellationToken).ConfigureAwait(false);
        if (role is null)
        {
            return Gone(Role, name);
        }

        // IAM refuses to delete a role that still has inline policies.
        foreach (var policy in await _retry.RunAsync(ct => _iam.ListAllRolePoliciesAsync(name, ct), cancellationToken).ConfigureAwait(false))
        {
            await IgnoreNotFoundAsync(ct => _iam.DeleteRolePolicyAsync(name, policy, ct), cancellationToken).ConfigureAwait(false);
        }

        return await GoneAsync(Role, name, ct => _iam.DeleteRoleAsync(name, ct), cancellationToken).ConfigureAwait(false) with { Arn = role.Arn };
    }

    private async Task<CloudStep> GoneAsync(string resource, string name, Func<CancellationToken, Task> delete, CancellationToken cancellationToken) =>
        await IgnoreNotFoundAsync(delete, cancellationToken).ConfigureAwait(false)
            ? new CloudStep(resource, name, CloudOutcome.Deleted, null, null, null)
            : Gone(resource, name);

    /// <returns>False when the resource was already gone.</returns>
    private async Task<bool> IgnoreNotFoundAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        try
        {
            await _retry.RunAsync(call, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AwsResourceNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The resource, or null when the service says it does not exist.</summary>
    private async Task<T?> FindAsync<T>(Func<CancellationToken, Task<T>> describe, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await _retry.RunAsync(describe, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsResourceNotFoundException)
        {
            return null;
        }
    }

    private string ThresholdDetail() => ThresholdIsRaised
        ? Invariant($"FaceSearch, threshold {_options.FaceMatchThreshold:0.##} (the service uses {ServiceMinimumThreshold:0})")
        : Invariant($"FaceSearch, threshold {_options.FaceMatchThreshold:0.##}");

    private static CloudStep Missing(string resource, string name) => new(resource, name, CloudOutcome.Missing, null, null, null);

    private static CloudStep Gone(string resource, string name) => new(resource, name, CloudOutcome.AlreadyGone, null, null, null);

    private static CloudResourceConflictException Conflict(string resource, string name, string key, string existing, string configured) =>
        new($"the {resource} '{name}' exists with other settings ({key}): it has {existing}, the configuration asks for {configured}. "
            + "Change the configuration to match, or remove the resource (kvsedge cloud down) and run `kvsedge cloud up` again.");

    /// <summary>The 12-digit account of an ARN (arn:partition:service:region:account:…), or null if it has none.</summary>
    internal static string? AccountOf(string arn)
    {
        var parts = arn.Split(':');
        return parts.Length > 5 && parts[4].Length == 12 && parts[4].All(char.IsAsciiDigit) ? parts[4] : null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

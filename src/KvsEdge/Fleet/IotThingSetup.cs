using KvsEdge.Aws;
using KvsEdge.Aws.Iam;
using KvsEdge.Aws.Iot;
using KvsEdge.Cloud;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvsEdge.Fleet;

/// <summary>Where `cloud up --iot` puts the door's IoT identity, and under which names.</summary>
/// <param name="ThingName">The thing, which is also the MQTT client id the policy allows.</param>
/// <param name="PolicyName">One policy for the whole fleet: its policy variables confine each door to its own topics.</param>
public sealed record IotIdentity(string ThingName, string PolicyName, string CertificatePath, string KeyPath);

/// <summary>
/// `cloud up --iot` / `cloud down --iot`: the thing, the fleet's least-privilege policy (<see cref="IotDevicePolicy"/>),
/// and a certificate made by AWS (CreateKeysAndCertificate), attached to both and written for the service (0600).
/// A second `up` changes nothing; `down` detaches, deactivates and deletes, and keeps the policy while other doors use it.
/// </summary>
public sealed class IotThingSetup(IotClient iot, AwsRetry retry, ILogger<IotThingSetup>? logger = null)
{
    public const string Thing = "IoT thing";
    public const string Policy = "IoT policy";
    public const string Certificate = "IoT certificate";

    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public async Task<IReadOnlyList<CloudStep>> UpAsync(IotIdentity identity, Action<CloudStep>? report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var steps = new List<CloudStep>();
        void Add(CloudStep step)
        {
            steps.Add(step);
            Log.IotStep(_logger, step.Resource, step.Name, step.Outcome, step.Arn);
            report?.Invoke(step);
        }

        var thing = await retry.RunAsync(ct => iot.TryDescribeThingAsync(identity.ThingName, ct), cancellationToken).ConfigureAwait(false);
        if (thing is null)
        {
            thing = await retry.RunAsync(ct => iot.CreateThingAsync(identity.ThingName, ct), cancellationToken).ConfigureAwait(false);
            Add(new CloudStep(Thing, identity.ThingName, CloudOutcome.Created, thing.ThingArn, null, null));
        }
        else
        {
            Add(new CloudStep(Thing, identity.ThingName, CloudOutcome.Unchanged, thing.ThingArn, null, null));
        }

        var document = IotDevicePolicy.ForThingArn(thing.ThingArn);
        var policy = await retry.RunAsync(ct => iot.TryGetPolicyAsync(identity.PolicyName, ct), cancellationToken).ConfigureAwait(false);
        if (policy is { } existing)
        {
            if (!RekognitionRolePolicy.PolicyEquals(existing.Document, document))
            {
                throw new CloudResourceConflictException(
                    $"The IoT policy '{identity.PolicyName}' exists with another document than KvsEdge's least-privilege one: "
                    + "detach and delete it (aws iot delete-policy), or choose another name with --policy.");
            }

            Add(new CloudStep(Policy, identity.PolicyName, CloudOutcome.Unchanged, existing.Arn, null, null));
        }
        else
        {
            var arn = await retry.RunAsync(ct => iot.CreatePolicyAsync(identity.PolicyName, document, ct), cancellationToken).ConfigureAwait(false);
            Add(new CloudStep(Policy, identity.PolicyName, CloudOutcome.Created, arn, null, null));
        }

        var principals = await retry.RunAsync(ct => iot.ListThingPrincipalsAsync(identity.ThingName, ct), cancellationToken).ConfigureAwait(false);
        if (principals.Count > 0)
        {
            if (!File.Exists(identity.CertificatePath) || !File.Exists(identity.KeyPath))
            {
                // AWS gives a private key once: a certificate without its files here cannot be used, only replaced.
                throw new CloudResourceConflictException(
                    $"The thing '{identity.ThingName}' already has a certificate ({principals[0]}) but {identity.CertificatePath} or "
                    + $"{identity.KeyPath} is missing here, and AWS never hands a private key out twice: run kvsedge cloud down --iot, then cloud up --iot.");
            }

            Add(new CloudStep(Certificate, CertificateId(principals[0]), CloudOutcome.Unchanged, principals[0], "ACTIVE", identity.CertificatePath));
            return steps;
        }

        var keys = await retry.RunAsync(iot.CreateKeysAndCertificateAsync, cancellationToken).ConfigureAwait(false);
        try
        {
            // The key first: if it cannot be stored the certificate is useless and is removed again below.
            var owner = SecretFiles.Write(identity.KeyPath, keys.PrivateKeyPem);
            SecretFiles.Write(identity.CertificatePath, keys.CertificatePem);
            await retry.RunAsync(ct => iot.AttachPolicyAsync(identity.PolicyName, keys.CertificateArn, ct), cancellationToken).ConfigureAwait(false);
            await retry.RunAsync(ct => iot.AttachThingPrincipalAsync(identity.ThingName, keys.CertificateArn, ct), cancellationToken).ConfigureAwait(false);
            Add(new CloudStep(
                Certificate, keys.CertificateId, CloudOutcome.Created, keys.CertificateArn, "ACTIVE",
                $"{identity.CertificatePath}, {identity.KeyPath} (0600, owner {owner ?? Environment.UserName})"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or AwsServiceException)
        {
            Log.IotCertificateRolledBack(_logger, keys.CertificateId, ex.Message);
            await RemoveCertificateAsync(identity, keys.CertificateArn, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return steps;
    }

    public async Task<IReadOnlyList<CloudStep>> DownAsync(IotIdentity identity, Action<CloudStep>? report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var steps = new List<CloudStep>();
        void Add(CloudStep step)
        {
            steps.Add(step);
            Log.IotStep(_logger, step.Resource, step.Name, step.Outcome, step.Arn);
            report?.Invoke(step);
        }

        var thing = await retry.RunAsync(ct => iot.TryDescribeThingAsync(identity.ThingName, ct), cancellationToken).ConfigureAwait(false);
        if (thing is not null)
        {
            var principals = await retry.RunAsync(ct => iot.ListThingPrincipalsAsync(identity.ThingName, ct), cancellationToken).ConfigureAwait(false);
            foreach (var principal in principals)
            {
                await RemoveCertificateAsync(identity, principal, cancellationToken).ConfigureAwait(false);
                Add(new CloudStep(Certificate, CertificateId(principal), CloudOutcome.Deleted, principal, null, "detached, deactivated, deleted"));
            }

            await retry.RunAsync(ct => iot.DeleteThingAsync(identity.ThingName, ct), cancellationToken).ConfigureAwait(false);
            Add(new CloudStep(Thing, identity.ThingName, CloudOutcome.Deleted, thing.ThingArn, null, null));
        }
        else
        {
            Add(new CloudStep(Thing, identity.ThingName, CloudOutcome.AlreadyGone, null, null, null));
        }

        var policy = await retry.RunAsync(ct => iot.TryGetPolicyAsync(identity.PolicyName, ct), cancellationToken).ConfigureAwait(false);
        if (policy is { } existing)
        {
            var targets = await retry.RunAsync(ct => iot.ListTargetsForPolicyAsync(identity.PolicyName, ct), cancellationToken).ConfigureAwait(false);
            if (targets.Count == 0)
            {
                await retry.RunAsync(ct => iot.DeletePolicyAsync(identity.PolicyName, ct), cancellationToken).ConfigureAwait(false);
                Add(new CloudStep(Policy, identity.PolicyName, CloudOutcome.Deleted, existing.Arn, null, null));
            }
            else
            {
                Add(new CloudStep(Policy, identity.PolicyName, CloudOutcome.Unchanged, existing.Arn, null, $"kept: other doors use it ({targets.Count} certificate(s))"));
            }
        }
        else
        {
            Add(new CloudStep(Policy, identity.PolicyName, CloudOutcome.AlreadyGone, null, null, null));
        }

        foreach (var path in new[] { identity.KeyPath, identity.CertificatePath })
        {
            File.Delete(path);
        }

        return steps;
    }

    /// <summary>Detach from the policy and the thing, deactivate, delete: the order AWS requires.</summary>
    private async Task RemoveCertificateAsync(IotIdentity identity, string certificateArn, CancellationToken cancellationToken)
    {
        var id = CertificateId(certificateArn);
        await IgnoreNotFoundAsync(ct => iot.DetachPolicyAsync(identity.PolicyName, certificateArn, ct), cancellationToken).ConfigureAwait(false);
        await IgnoreNotFoundAsync(ct => iot.DetachThingPrincipalAsync(identity.ThingName, certificateArn, ct), cancellationToken).ConfigureAwait(false);
        await IgnoreNotFoundAsync(ct => iot.UpdateCertificateAsync(id, "INACTIVE", ct), cancellationToken).ConfigureAwait(false);
        await IgnoreNotFoundAsync(ct => iot.DeleteCertificateAsync(id, ct), cancellationToken).ConfigureAwait(false);
    }

    private async Task IgnoreNotFoundAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        try
        {
            await retry.RunAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsResourceNotFoundException)
        {
            // Already gone (a half-finished earlier run): the goal is reached.
        }
    }

    /// <summary><c>arn:aws:iot:r:a:cert/&lt;id&gt;</c> → <c>&lt;id&gt;</c>.</summary>
    public static string CertificateId(string certificateArn)
    {
        var slash = certificateArn.LastIndexOf('/');
        return slash >= 0 ? certificateArn[(slash + 1)..] : certificateArn;
    }
}

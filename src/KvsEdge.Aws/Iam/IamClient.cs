using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Amazon;
using Amazon.Runtime;

namespace KvsEdge.Aws.Iam;

/// <summary>
/// The IAM role operations <c>kvsedge cloud up</c> needs, over the AWS Query API (version 2010-05-08).
/// IAM is global: requests go to <c>https://iam.amazonaws.com/</c> signed for us-east-1 whatever
/// <see cref="AwsClientOptions.Region"/> says; the region only selects the partition (cn-* → China, us-gov-* → GovCloud).
/// </summary>
public sealed partial class IamClient : IDisposable
{
    public const string ApiVersion = "2010-05-08";

    /// <summary>Only used for credential resolution; IAM's endpoint and signing region come from <see cref="IamEndpoint"/>.</summary>
    private static readonly AwsJsonService CredentialScope = new("IAM", IamEndpoint.SigningName, IamEndpoint.SigningName, "IAM");

    private readonly AwsQueryServiceClient _client;

    /// <param name="options">
    /// Credentials, timeout, optional <see cref="AwsClientOptions.ServiceUrl"/> (moto) and optional region; without any
    /// region configured IAM uses the standard partition rather than failing.
    /// </param>
    /// <param name="innerHandler">Transport under the SigV4 signer (tests). Owned and disposed. Must not follow redirects.</param>
    /// <exception cref="AwsConfigurationException">No credentials, or an isolated partition without a ServiceUrl.</exception>
    public IamClient(AwsClientOptions options, HttpMessageHandler? innerHandler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = AwsClientSettings.Resolve(
            options,
            CredentialScope,
            Environment.GetEnvironmentVariable,
            ProfileRegionOrStandardPartition,
            () => Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver.GetCredentials());
        var (signingRegion, serviceUrl) = IamEndpoint.For(settings.Region, options.ServiceUrl);
        _client = new AwsQueryServiceClient(
            "IAM", ApiVersion, settings.Credentials, signingRegion, IamEndpoint.SigningName, serviceUrl, options.Timeout, innerHandler);
    }

    public Uri ServiceUrl => _client.ServiceUrl;

    /// <summary>The SigV4 scope region: us-east-1, cn-north-1 or us-gov-west-1.</summary>
    public string SigningRegion => _client.SigningRegion;

    /// <param name="assumeRolePolicyDocument">Trust policy JSON, e.g. <see cref="RekognitionRolePolicy.TrustPolicy"/>.</param>
    /// <param name="path">Null for IAM's default <c>/</c>; otherwise must start and end with <c>/</c>.</param>
    /// <exception cref="AwsResourceAlreadyExistsException">A role with this name exists.</exception>
    /// <exception cref="AwsInvalidArgumentException">MalformedPolicyDocument or ValidationError.</exception>
    public async Task<IamRole> CreateRoleAsync(
        string roleName,
        string assumeRolePolicyDocument,
        string? description,
        string? path,
        CancellationToken cancellationToken)
    {
        ValidateRoleName(roleName);
        ArgumentException.ThrowIfNullOrWhiteSpace(assumeRolePolicyDocument);
        if (path is not null && !PathPattern().IsMatch(path))
        {
            throw new ArgumentException("An IAM path is \"/\" or starts and ends with \"/\" (printable ASCII, at most 512 characters).", nameof(path));
        }

        if (description is { Length: > 1000 })
        {
            throw new ArgumentException("An IAM role description has at most 1000 characters.", nameof(description));
        }

        List<KeyValuePair<string, string>> form =
        [
            new("RoleName", roleName),
            new("AssumeRolePolicyDocument", assumeRolePolicyDocument),
        ];
        if (description is not null)
        {
            form.Add(new("Description", description));
        }

        if (path is not null)
        {
            form.Add(new("Path", path));
        }

        var result = await _client.SendAsync("CreateRole", form, cancellationToken).ConfigureAwait(false);
        return ParseRole(result.Child("Role"), "CreateRole");
    }

    /// <exception cref="AwsResourceNotFoundException">NoSuchEntity.</exception>
    public async Task<IamRole> GetRoleAsync(string roleName, CancellationToken cancellationToken)
    {
        ValidateRoleName(roleName);
        var result = await _client.SendAsync("GetRole", [new("RoleName", roleName)], cancellationToken).ConfigureAwait(false);
        return ParseRole(result.Child("Role"), "GetRole");
    }

    /// <summary>GetRole, with null instead of <see cref="AwsResourceNotFoundException"/>.</summary>
    public async Task<IamRole?> TryGetRoleAsync(string roleName, CancellationToken cancellationToken)
    {
        try
        {
            return await GetRoleAsync(roleName, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsResourceNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Creates or replaces the inline policy <paramref name="policyName"/> of the role.</summary>
    /// <exception cref="AwsResourceNotFoundException">The role does not exist.</exception>
    /// <exception cref="AwsInvalidArgumentException">MalformedPolicyDocument.</exception>
    public async Task PutRolePolicyAsync(string roleName, string policyName, string policyDocument, CancellationToken cancellationToken)
    {
        ValidateRoleName(roleName);
        ValidatePolicyName(policyName);
        ArgumentException.ThrowIfNullOrWhiteSpace(policyDocument);
        _ = await _client.SendAsync(
            "PutRolePolicy",
            [new("RoleName", roleName), new("PolicyName", policyName), new("PolicyDocument", policyDocument)],
            cancellationToken).ConfigureAwait(false);
    }

    /// <exception cref="AwsResourceNotFoundException">The role or the policy does not exist.</exception>
    public async Task<IamRolePolicy> GetRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken)
    {
        ValidateRoleName(roleName);
        ValidatePolicyName(policyName);
        var result = await _client.SendAsync(
            "GetRolePolicy", [new("RoleName", roleName), new("PolicyName", policyName)], cancellationToken).ConfigureAwait(false);
        return new IamRolePolicy(
            result.RequiredValue("RoleName", "GetRolePolicy"),
            result.RequiredValue("PolicyName", "GetRolePolicy"),
            DecodePolicy(result.RequiredValue("PolicyDocument", "GetRolePolicy")));
    }

    /// <summary>GetRolePolicy, with null instead of <see cref="AwsResourceNotFoundException"/>.</summary>
    public async Task<IamRolePolicy?> TryGetRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken)
    {
        try
        {
            return await GetRolePolicyAsync(roleName, policyName, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsResourceNotFoundException)
        {
            return null;
        }
    }

    /// <exception cref="AwsResourceNotFoundException">The role or the policy does not exist.</exception>
    public async Task DeleteRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken)
    {
        ValidateRoleName(roleName);
        ValidatePolicyName(policyName);
        _ = await _client.SendAsync(
            "DeleteRolePolicy", [new("RoleName", roleName), new("PolicyName", policyName)], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the role; IAM refuses (DeleteConflict → <see cref="AwsResourceInUseException"/>) while it has policies.</summary>
    /// <exception cref="AwsResourceNotFoundException">NoSuchEntity.</exception>
    public async Task DeleteRoleAsync(string roleName, CancellationToken cancellationToken)
    {
        ValidateRoleName(roleName);
        _ = await _client.SendAsync("DeleteRole", [new("RoleName", roleName)], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One page of the role's inline policy names.</summary>
    /// <param name="marker">The previous page's <see cref="ListRolePoliciesResult.Marker"/>, or null for the first page.</param>
    /// <param name="maxItems">1 to 1000, or null for IAM's default (100).</param>
    public async Task<ListRolePoliciesResult> ListRolePoliciesAsync(
        string roleName,
        string? marker,
        int? maxItems,
        CancellationToken cancellationToken)
    {
        ValidateRoleName(roleName);
        List<KeyValuePair<string, string>> form = [new("RoleName", roleName)];
        if (marker is not null)
        {
            form.Add(new("Marker", marker));
        }

        if (maxItems is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, nameof(maxItems));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(max, 1000, nameof(maxItems));
            form.Add(new("MaxItems", max.ToString(CultureInfo.InvariantCulture)));
        }

        var result = await _client.SendAsync("ListRolePolicies", form, cancellationToken).ConfigureAwait(false);
        var truncated = string.Equals(result.ChildValue("IsTruncated")?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
        var next = result.ChildValue("Marker");
        return new ListRolePoliciesResult(
            [.. result.Child("PolicyNames").Members()],
            truncated,
            truncated && !string.IsNullOrEmpty(next) ? next : null);
    }

    /// <summary>Every inline policy name of the role, following Marker to the last page.</summary>
    public async Task<IReadOnlyList<string>> ListAllRolePoliciesAsync(string roleName, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        string? marker = null;
        do
        {
            var page = await ListRolePoliciesAsync(roleName, marker, null, cancellationToken).ConfigureAwait(false);
            names.AddRange(page.PolicyNames);
            marker = page.Marker;
        }
        while (marker is not null);

        return names;
    }

    /// <summary>Creates a customer managed policy (version v1, the default) and returns it.</summary>
    /// <exception cref="AwsResourceAlreadyExistsException">A policy with this name exists.</exception>
    public async Task<IamManagedPolicy> CreatePolicyAsync(string policyName, string policyDocument, string? description, CancellationToken cancellationToken)
    {
        ValidatePolicyName(policyName);
        ArgumentException.ThrowIfNullOrWhiteSpace(policyDocument);
        List<KeyValuePair<string, string>> form = [new("PolicyName", policyName), new("PolicyDocument", policyDocument)];
        if (description is not null)
        {
            form.Add(new("Description", description));
        }

        var result = await _client.SendAsync("CreatePolicy", form, cancellationToken).ConfigureAwait(false);
        return ParsePolicy(result.Child("Policy"), "CreatePolicy");
    }

    /// <summary>
    /// The customer managed policy named <paramref name="policyName"/>, or null: ListPolicies (Scope=Local) followed to
    /// the last page, so the caller needs no account id to build its ARN.
    /// </summary>
    public async Task<IamManagedPolicy?> FindLocalPolicyAsync(string policyName, CancellationToken cancellationToken)
    {
        ValidatePolicyName(policyName);
        string? marker = null;
        do
        {
            List<KeyValuePair<string, string>> form = [new("Scope", "Local")];
            if (marker is not null)
            {
                form.Add(new("Marker", marker));
            }

            var result = await _client.SendAsync("ListPolicies", form, cancellationToken).ConfigureAwait(false);
            var found = result.Child("Policies")?.Elements()
                .Where(e => e.Name.LocalName == "member")
                .FirstOrDefault(e => string.Equals(e.ChildValue("PolicyName"), policyName, StringComparison.Ordinal));
            if (found is not null)
            {
                return ParsePolicy(found, "ListPolicies");
            }

            var truncated = string.Equals(result.ChildValue("IsTruncated")?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
            marker = truncated && result.ChildValue("Marker") is { Length: > 0 } next ? next : null;
        }
        while (marker is not null);

        return null;
    }

    /// <summary>The document of one version of a managed policy (URL-decoded JSON).</summary>
    /// <exception cref="AwsResourceNotFoundException">No such policy or version.</exception>
    public async Task<string> GetPolicyDocumentAsync(string policyArn, string versionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(policyArn);
        ArgumentException.ThrowIfNullOrEmpty(versionId);
        var result = await _client.SendAsync(
            "GetPolicyVersion", [new("PolicyArn", policyArn), new("VersionId", versionId)], cancellationToken).ConfigureAwait(false);
        return DecodePolicy(result.Child("PolicyVersion").RequiredValue("Document", "GetPolicyVersion"));
    }

    /// <summary>Who the managed policy is attached to: (kind "user" | "role" | "group", name).</summary>
    public async Task<IReadOnlyList<(string Kind, string Name)>> ListPolicyAttachmentsAsync(string policyArn, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(policyArn);
        var attachments = new List<(string, string)>();
        string? marker = null;
        do
        {
            List<KeyValuePair<string, string>> form = [new("PolicyArn", policyArn)];
            if (marker is not null)
            {
                form.Add(new("Marker", marker));
            }

            var result = await _client.SendAsync("ListEntitiesForPolicy", form, cancellationToken).ConfigureAwait(false);
            foreach (var (list, kind, nameElement) in new[] { ("PolicyUsers", "user", "UserName"), ("PolicyRoles", "role", "RoleName"), ("PolicyGroups", "group", "GroupName") })
            {
                foreach (var member in result.Child(list)?.Elements().Where(e => e.Name.LocalName == "member") ?? [])
                {
                    attachments.Add((kind, member.RequiredValue(nameElement, "ListEntitiesForPolicy")));
                }
            }

            var truncated = string.Equals(result.ChildValue("IsTruncated")?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
            marker = truncated && result.ChildValue("Marker") is { Length: > 0 } next ? next : null;
        }
        while (marker is not null);

        return attachments;
    }

    /// <summary>Detaches the managed policy from one user, role or group (<paramref name="kind"/> as listed).</summary>
    public async Task DetachPolicyAsync(string policyArn, string kind, string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(policyArn);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var (operation, parameter) = kind switch
        {
            "user" => ("DetachUserPolicy", "UserName"),
            "role" => ("DetachRolePolicy", "RoleName"),
            "group" => ("DetachGroupPolicy", "GroupName"),
            _ => throw new ArgumentException($"'{kind}' is not user, role or group.", nameof(kind)),
        };
        _ = await _client.SendAsync(operation, [new(parameter, name), new("PolicyArn", policyArn)], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a managed policy; IAM refuses (DeleteConflict) while it is attached or has other versions.</summary>
    /// <exception cref="AwsResourceNotFoundException">NoSuchEntity.</exception>
    public async Task DeletePolicyAsync(string policyArn, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(policyArn);
        _ = await _client.SendAsync("DeletePolicy", [new("PolicyArn", policyArn)], cancellationToken).ConfigureAwait(false);
    }

    internal static IamManagedPolicy ParsePolicy(XElement? policy, string operation)
    {
        if (policy is null)
        {
            throw new AwsServiceException($"IAM {operation} response has no Policy.");
        }

        return new IamManagedPolicy(
            policy.RequiredValue("PolicyName", operation),
            policy.RequiredValue("Arn", operation),
            policy.ChildValue("DefaultVersionId") ?? "v1",
            int.TryParse(policy.ChildValue("AttachmentCount"), NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 0);
    }

    /// <summary>IAM returns policy documents URL-encoded (RFC 3986); a document that was not encoded passes unchanged.</summary>
    internal static string DecodePolicy(string value) => Uri.UnescapeDataString(value.Trim());

    internal static IamRole ParseRole(XElement? role, string operation)
    {
        if (role is null)
        {
            throw new AwsServiceException($"IAM {operation} response has no Role.");
        }

        var created = role.RequiredValue("CreateDate", operation);
        if (!DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var createDate))
        {
            throw new AwsServiceException($"IAM {operation} returned an unreadable CreateDate '{created}'.");
        }

        var trust = role.ChildValue("AssumeRolePolicyDocument");
        var maxSession = role.ChildValue("MaxSessionDuration");
        return new IamRole(
            role.RequiredValue("RoleName", operation),
            role.RequiredValue("RoleId", operation),
            role.RequiredValue("Arn", operation),
            role.ChildValue("Path") ?? "/",
            createDate,
            string.IsNullOrEmpty(trust) ? null : DecodePolicy(trust),
            role.ChildValue("Description"),
            int.TryParse(maxSession, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : null);
    }

    private static void ValidateRoleName(string roleName)
    {
        ArgumentException.ThrowIfNullOrEmpty(roleName);
        if (!NamePattern().IsMatch(roleName) || roleName.Length > 64)
        {
            throw new ArgumentException("An IAM role name has 1-64 characters from A-Z a-z 0-9 _+=,.@-.", nameof(roleName));
        }
    }

    private static void ValidatePolicyName(string policyName)
    {
        ArgumentException.ThrowIfNullOrEmpty(policyName);
        if (!NamePattern().IsMatch(policyName) || policyName.Length > 128)
        {
            throw new ArgumentException("An IAM policy name has 1-128 characters from A-Z a-z 0-9 _+=,.@-.", nameof(policyName));
        }
    }

    private static RegionEndpoint ProfileRegionOrStandardPartition()
    {
        try
        {
            return FallbackRegionFactory.GetRegionEndpoint(includeInstanceMetadata: false) ?? RegionEndpoint.USEast1;
        }
        catch (AmazonClientException)
        {
            return RegionEndpoint.USEast1;
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^(/|/[\u0021-\u007E]{1,510}/)$")]
    private static partial Regex PathPattern();

    public void Dispose() => _client.Dispose();
}

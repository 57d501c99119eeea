namespace KvsEdge.Aws.Iam;

/// <summary>An IAM role as GetRole/CreateRole describe it. Policy documents are already URL-decoded JSON.</summary>
/// <param name="AssumeRolePolicyDocument">The trust policy, plain JSON (IAM sends it RFC 3986 URL-encoded).</param>
/// <param name="MaxSessionDuration">Seconds; null when the response omits it (CreateRole does).</param>
public sealed record IamRole(
    string RoleName,
    string RoleId,
    string Arn,
    string Path,
    DateTimeOffset CreateDate,
    string? AssumeRolePolicyDocument,
    string? Description,
    int? MaxSessionDuration);

/// <summary>An inline policy embedded in a role; <paramref name="PolicyDocument"/> is URL-decoded JSON.</summary>
public sealed record IamRolePolicy(string RoleName, string PolicyName, string PolicyDocument);

/// <summary>One page of inline policy names; pass <paramref name="Marker"/> back while <paramref name="IsTruncated"/>.</summary>
public sealed record ListRolePoliciesResult(IReadOnlyList<string> PolicyNames, bool IsTruncated, string? Marker);

/// <summary>A customer managed policy as CreatePolicy/ListPolicies describe it.</summary>
public sealed record IamManagedPolicy(string PolicyName, string Arn, string DefaultVersionId, int AttachmentCount);

namespace KvsEdge.Access;

/// <summary>The outcome of <see cref="AccessPolicy.Reload"/>.</summary>
/// <param name="Applied">False when the options failed validation: the previous rules stay in force.</param>
/// <param name="Errors">Validation messages (each names its key) when not applied.</param>
/// <param name="Deferred">Keys whose new value waits for a restart (the replay window: MaxEventAge, MaxClockSkew).</param>
public sealed record AccessRulesReload(bool Applied, IReadOnlyList<string> Errors, IReadOnlyList<string> Deferred);

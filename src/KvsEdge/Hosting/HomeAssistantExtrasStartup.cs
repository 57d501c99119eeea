using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Status;
using Microsoft.Extensions.Hosting;

namespace KvsEdge.Hosting;

/// <summary>
/// Connects the presence sensors to what they follow: each audited decision (someone recognised) and each applied
/// access-rule swap (people added to or removed from Access:People appear in or leave discovery).
/// </summary>
/// <remarks>
/// Follows the policy's own swap, not <see cref="AccessRulesReloader.Reloaded"/>: as one more Reloaded handler the
/// discovery update raced the others (a listener told "applied" could still see the old sensors), and a reload from
/// the IoT config shadow never raised Reloaded at all.
/// </remarks>
public sealed class HomeAssistantExtrasStartup(
    DecisionExecutor executor, AccessPolicy policy, DiscoveryExtras extras, PresencePublisher presence) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        executor.Decided += OnDecided;
        policy.RulesSwapped += OnRulesSwapped;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        executor.Decided -= OnDecided;
        policy.RulesSwapped -= OnRulesSwapped;
        presence.Dispose();
        return Task.CompletedTask;
    }

    private void OnDecided(object? sender, Decision decision) => presence.Seen(decision);

    private void OnRulesSwapped(object? sender, EventArgs e) => extras.SetPeople(policy.People);
}

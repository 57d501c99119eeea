using KvsEdge.Access;
using KvsEdge.Actions;
using KvsEdge.Status;
using Microsoft.Extensions.Hosting;

namespace KvsEdge.Hosting;

/// <summary>
/// Connects the presence sensors to what they follow: each audited decision (someone recognised) and each applied
/// access-rule reload (people added to or removed from Access:People appear in or leave discovery).
/// </summary>
public sealed class HomeAssistantExtrasStartup(
    DecisionExecutor executor, AccessRulesReloader reloader, AccessPolicy policy, DiscoveryExtras extras, PresencePublisher presence) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        executor.Decided += OnDecided;
        reloader.Reloaded += OnReloaded;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        executor.Decided -= OnDecided;
        reloader.Reloaded -= OnReloaded;
        presence.Dispose();
        return Task.CompletedTask;
    }

    private void OnDecided(object? sender, Decision decision) => presence.Seen(decision);

    private void OnReloaded(object? sender, AccessRulesReload reload)
    {
        if (reload.Applied)
        {
            extras.SetPeople(policy.People);
        }
    }
}

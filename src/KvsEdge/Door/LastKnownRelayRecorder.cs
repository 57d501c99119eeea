using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Door;

/// <summary>
/// Saves the <see cref="LastKnownRelay"/> once the door has started (registered right after it, so the options are
/// validated and the relay line is open). A failure to save is logged, never fatal: the door itself is fine.
/// </summary>
public sealed class LastKnownRelayRecorder(IOptions<DoorOptions> options, string stateDirectory, ILogger<LastKnownRelayRecorder> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        string path = Path.Combine(stateDirectory, LastKnownRelay.FileName);
        try
        {
            LastKnownRelay.From(options.Value).Save(stateDirectory);
            Log.LastKnownRelaySaved(logger, path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.LastKnownRelayNotSaved(logger, path, ex);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

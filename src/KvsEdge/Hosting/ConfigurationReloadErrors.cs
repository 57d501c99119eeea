using Microsoft.Extensions.Configuration;

namespace KvsEdge.Hosting;

/// <summary>
/// Hears a watched configuration file that cannot be read or parsed after an edit. Such a file raises no change
/// (so no reload runs and the options in force stay), and without this the error would be lost on a file-watcher thread.
/// Before <see cref="Arm"/> (i.e. at start) it stays silent: the start-up error path exits 78 as before.
/// </summary>
public sealed class ConfigurationReloadErrors
{
    private volatile bool _armed;

    /// <summary>A watched file failed to load after start; the message names the file.</summary>
    public event EventHandler<string>? Failed;

    /// <summary>From now on, load failures are reloads that went wrong.</summary>
    public void Arm() => _armed = true;

    internal void OnLoadException(FileLoadExceptionContext context)
    {
        if (_armed)
        {
            Failed?.Invoke(this, context.Exception.InnerException is { } inner ? context.Exception.Message + " " + inner.Message : context.Exception.Message);
        }

        // Not ignored: an ignored failure would raise a change with the file's settings missing.
        context.Ignore = false;
    }
}

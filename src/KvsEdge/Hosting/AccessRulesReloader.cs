using KvsEdge.Access;
using KvsEdge.Recognition;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace KvsEdge.Hosting;

/// <summary>
/// Applies a changed `Access` section to the one long-lived <see cref="AccessPolicy"/> (its de-duplication and
/// cooldown memory survive). A change that fails validation keeps the last good rules, logs why and sets
/// `config_error` in the retained `recognition` state; the next good one clears it.
/// </summary>
/// <remarks>
/// Fed by the same change tokens and factory as <see cref="IOptionsMonitor{TOptions}"/> (bind, post-configure,
/// validate), not by its OnChange: the monitor validates inside the configuration's reload callback and throws
/// there, so a bad reload would never reach a listener and could not be reported.
/// </remarks>
public sealed partial class AccessRulesReloader : IHostedService, IDisposable
{
    private readonly AccessPolicy _policy;
    private readonly IOptionsFactory<AccessOptions> _factory;
    private readonly IEnumerable<IOptionsChangeTokenSource<AccessOptions>> _sources;
    private readonly RecognitionStatusReporter _status;
    private readonly ConfigurationReloadErrors _fileErrors;
    private readonly ILogger<AccessRulesReloader> _logger;
    private readonly Lock _gate = new();
    private readonly Lock _reloadGate = new(); // two watched files may change at once: one reload, one report at a time
    private readonly List<IDisposable> _registrations = [];

    public AccessRulesReloader(
        AccessPolicy policy,
        IOptionsFactory<AccessOptions> factory,
        IEnumerable<IOptionsChangeTokenSource<AccessOptions>> sources,
        RecognitionStatusReporter status,
        ConfigurationReloadErrors fileErrors,
        ILogger<AccessRulesReloader> logger)
    {
        _fileErrors = fileErrors;
        _policy = policy;
        _factory = factory;
        _sources = sources;
        _status = status;
        _logger = logger;
    }

    /// <summary>Raised after each reload was applied or refused (tests and the demo wait on it).</summary>
    public event EventHandler<AccessRulesReload>? Reloaded;

    /// <summary>Tests: called between building the options and swapping them in (to pause a reload there).</summary>
    internal Action? OptionsBuilt { get; set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (IOptionsChangeTokenSource<AccessOptions> source in _sources)
            {
                if (string.Equals(source.Name ?? Options.DefaultName, Options.DefaultName, StringComparison.Ordinal))
                {
                    _registrations.Add(ChangeToken.OnChange(source.GetChangeToken, () => Reload()));
                }
            }

            _fileErrors.Failed += OnFileFailed;
            _fileErrors.Arm();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _registrations.ForEach(r => r.Dispose());
            _registrations.Clear();
            _fileErrors.Failed -= OnFileFailed;
        }
    }

    /// <summary>Reads the `Access` options afresh and applies them (public for tests; the change tokens call it).</summary>
    public AccessRulesReload Reload()
    {
        lock (_reloadGate)
        {
            AccessRulesReload result = Apply();
            Report(result);
            return result;
        }
    }

    private AccessRulesReload Apply()
    {
        AccessRulesReload result;
        using AccessRulesGate.Scope held = _policy.RulesGate.Enter(); // the shadow must not apply between build and swap
        try
        {
            AccessOptions options = _factory.Create(Options.DefaultName);
            OptionsBuilt?.Invoke();
            result = _policy.Reload(options);
        }
        catch (OptionsValidationException ex)
        {
            result = new AccessRulesReload(false, [.. ex.Failures], []);
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            // The binder names the key ("... at 'Access:Cooldown' to type 'System.TimeSpan'").
            result = new AccessRulesReload(false, [ex.Message], []);
        }

        return result;
    }

    // An edited file that does not parse raises no change: the rules in force stay, as for an invalid value.
    private void OnFileFailed(object? sender, string error)
    {
        lock (_reloadGate)
        {
            Report(new AccessRulesReload(false, [error], []));
        }
    }

    private void Report(AccessRulesReload result)
    {
        if (result.Applied)
        {
            Log.Applied(_logger);
            foreach (string key in result.Deferred)
            {
                Log.Deferred(_logger, key);
            }

            _status.ReportConfigError(null);
        }
        else
        {
            string errors = string.Join("; ", result.Errors);
            Log.Refused(_logger, errors);
            _status.ReportConfigError(errors);
        }

        Reloaded?.Invoke(this, result);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1400, EventName = "AccessRulesReloaded", Level = LogLevel.Information,
            Message = "Configuration changed: access rules reloaded")]
        public static partial void Applied(ILogger logger);

        [LoggerMessage(EventId = 1401, EventName = "AccessRulesReloadRefused", Level = LogLevel.Error,
            Message = "Configuration changed but is invalid; the previous access rules stay in force: {Errors}")]
        public static partial void Refused(ILogger logger, string errors);

        [LoggerMessage(EventId = 1402, EventName = "AccessRuleChangeDeferred", Level = LogLevel.Warning,
            Message = "{Key} changed; it widens or narrows the replay window and takes effect only after a restart")]
        public static partial void Deferred(ILogger logger, string key);
    }
}

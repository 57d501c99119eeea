using KvsEdge.Access;

namespace KvsEdge.Status;

/// <summary>
/// "&lt;name&gt; at the door" for each allowed person: `ON` (retained, `&lt;prefix&gt;/presence/&lt;slug&gt;`) when a decision
/// recognised them, `OFF` once <see cref="Hold"/> passed without seeing them again. People removed from the access rules
/// get their retained state cleared (the discovery publisher removes their entity); people added start `OFF`.
/// </summary>
public sealed class PresencePublisher : IDisposable
{
    private readonly IStatusPublisher _status;
    private readonly TimeProvider _time;
    private readonly DiscoveryExtras _extras;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ITimer> _present = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, string> _slugs;

    public PresencePublisher(IStatusPublisher status, TimeProvider time, DiscoveryExtras extras, TimeSpan hold)
    {
        _status = status ?? throw new ArgumentNullException(nameof(status));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _extras = extras ?? throw new ArgumentNullException(nameof(extras));
        Hold = hold;
        _slugs = DiscoveryExtras.Slugs(extras.People);
        foreach (string slug in _slugs.Values)
        {
            _status.PublishState(HomeAssistantDiscoveryExtras.PresenceSubtopic(slug), Off);
        }

        extras.Changed += OnPeopleChanged;
    }

    public const string On = "ON";
    public const string Off = "OFF";

    /// <summary>How long a person stays "at the door" after they were last recognised.</summary>
    public TimeSpan Hold { get; }

    /// <summary>
    /// A decision that recognised an allowed person: granted, or their face matched while in cooldown, awaiting
    /// confirmation or outside their schedule. Anything less sure (below threshold, ambiguous, stale) is not presence.
    /// </summary>
    public void Seen(Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.Person is not { } person || !IsRecognition(decision))
        {
            return;
        }

        lock (_gate)
        {
            if (!_slugs.TryGetValue(person, out string? slug))
            {
                return; // not on the allow-list (no sensor)
            }

            if (_present.TryGetValue(person, out ITimer? timer))
            {
                timer.Change(Hold, Timeout.InfiniteTimeSpan); // still here: the hold starts again
                return;
            }

            _present[person] = _time.CreateTimer(_ => Leave(person), null, Hold, Timeout.InfiniteTimeSpan);
            _status.PublishState(HomeAssistantDiscoveryExtras.PresenceSubtopic(slug), On);
        }
    }

    public void Dispose()
    {
        _extras.Changed -= OnPeopleChanged;
        lock (_gate)
        {
            foreach (ITimer timer in _present.Values)
            {
                timer.Dispose();
            }

            _present.Clear();
        }
    }

    private static bool IsRecognition(Decision decision) => decision.Kind == DecisionKind.Granted
        || decision.Reason is DecisionReasons.Cooldown or DecisionReasons.AwaitingConfirmation or DecisionReasons.OutsideSchedule;

    private void Leave(string person)
    {
        lock (_gate)
        {
            if (_present.Remove(person, out ITimer? timer))
            {
                timer.Dispose();
                if (_slugs.TryGetValue(person, out string? slug))
                {
                    _status.PublishState(HomeAssistantDiscoveryExtras.PresenceSubtopic(slug), Off);
                }
            }
        }
    }

    private void OnPeopleChanged(object? sender, EventArgs e)
    {
        lock (_gate)
        {
            IReadOnlyDictionary<string, string> next = DiscoveryExtras.Slugs(_extras.People);
            foreach ((string person, string slug) in _slugs)
            {
                if (!next.TryGetValue(person, out string? kept) || kept != slug)
                {
                    // An empty retained message deletes the broker's copy: no stale "at the door" for someone removed.
                    _status.PublishState(HomeAssistantDiscoveryExtras.PresenceSubtopic(slug), string.Empty);
                    if (_present.Remove(person, out ITimer? timer))
                    {
                        timer.Dispose();
                    }
                }
            }

            foreach ((string person, string slug) in next)
            {
                if (!_slugs.TryGetValue(person, out string? old) || old != slug)
                {
                    _status.PublishState(HomeAssistantDiscoveryExtras.PresenceSubtopic(slug), Off);
                }
            }

            _slugs = next;
        }
    }
}

using System.Text;
using System.Text.Json.Nodes;
using KvsEdge.Aws;
using KvsEdge.Aws.Iot;
using KvsEdge.Cloud;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvsEdge.Fleet;

public enum FleetDeviceOutcome
{
    /// <summary>The door reported this version (or a later one) as applied.</summary>
    Accepted,

    /// <summary>The door looked at this version and refused it: <c>reported.config_error</c> says why.</summary>
    Refused,

    /// <summary>Sent; the door has not reported on it yet (offline, or still applying).</summary>
    Pending,

    /// <summary>The desired state could not be written.</summary>
    NotSent,
}

/// <summary>One door's answer to a fleet config change.</summary>
public sealed record FleetDeviceResult(string ThingName, FleetDeviceOutcome Outcome, long? DesiredVersion, long? ReportedVersion, string? Detail);

/// <summary>
/// `fleet set-config`: writes the desired state of every door's `config` named shadow through the IoT data plane
/// (UpdateThingShadow), then reads their reported state back (GetThingShadow): see <see cref="Read"/>.
/// </summary>
public sealed class FleetConfigPusher(IotClient iot, IotDataClient data, AwsRetry retry, TimeProvider time, ILogger<FleetConfigPusher>? logger = null)
{
    public const string ConfigShadow = "config";

    /// <summary>Between read-back passes: doors answer within a second or two; faster only loads the data plane.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public Task<IReadOnlyList<string>> ListGroupAsync(string group, CancellationToken cancellationToken) =>
        retry.RunAsync(ct => iot.ListThingsInThingGroupAsync(group, ct), cancellationToken);

    /// <summary>Sends the desired state to each thing; the result holds the shadow version each update produced.</summary>
    public async Task<IReadOnlyList<FleetDeviceResult>> SendAsync(
        IReadOnlyList<string> things, FleetAccessDocument document, Action<FleetDeviceResult>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(things);
        ArgumentNullException.ThrowIfNull(document);
        var results = new List<FleetDeviceResult>(things.Count);
        foreach (var thing in things)
        {
            FleetDeviceResult result;
            try
            {
                var shadow = await retry.RunAsync(ct => data.TryGetThingShadowAsync(thing, ConfigShadow, ct), cancellationToken).ConfigureAwait(false);
                var current = shadow?["state"]?["desired"] as JsonObject;
                var request = new JsonObject
                {
                    ["state"] = new JsonObject { ["desired"] = FleetAccessDocument.Patch(current, document.Desired) },
                    ["clientToken"] = "kvsedge-fleet-" + Guid.NewGuid().ToString("N")[..16],
                };
                var body = Encoding.UTF8.GetBytes(request.ToJsonString());
                var accepted = await retry.RunAsync(ct => data.UpdateThingShadowAsync(thing, ConfigShadow, body, ct), cancellationToken).ConfigureAwait(false);
                var version = accepted["version"] is JsonValue v && v.TryGetValue<long>(out var n) ? n : (long?)null;
                Log.FleetConfigSent(_logger, thing, version ?? -1);
                result = new FleetDeviceResult(thing, FleetDeviceOutcome.Pending, version, null, "sent");
            }
            catch (AwsServiceException ex)
            {
                Log.FleetConfigNotSent(_logger, thing, ex.Message);
                result = new FleetDeviceResult(thing, FleetDeviceOutcome.NotSent, null, null, ex.Message);
            }

            results.Add(result);
            progress?.Invoke(result);
        }

        return results;
    }

    /// <summary>
    /// Reads each pending door's reported state until every one has answered or <paramref name="wait"/> has passed
    /// (zero: one pass). Doors that did not answer stay <see cref="FleetDeviceOutcome.Pending"/>.
    /// </summary>
    public async Task<IReadOnlyList<FleetDeviceResult>> CollectAsync(
        IReadOnlyList<FleetDeviceResult> sent, TimeSpan wait, Action<FleetDeviceResult>? answered, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sent);
        var results = sent.ToArray();
        var deadline = time.GetTimestamp();
        while (true)
        {
            for (var i = 0; i < results.Length; i++)
            {
                if (results[i].Outcome != FleetDeviceOutcome.Pending)
                {
                    continue;
                }

                var thing = results[i].ThingName;
                var shadow = await retry.RunAsync(ct => data.TryGetThingShadowAsync(thing, ConfigShadow, ct), cancellationToken).ConfigureAwait(false);
                results[i] = Read(results[i], shadow?["state"]?["reported"] as JsonObject);
                if (results[i].Outcome != FleetDeviceOutcome.Pending)
                {
                    answered?.Invoke(results[i]);
                }
            }

            if (results.All(r => r.Outcome != FleetDeviceOutcome.Pending) || time.GetElapsedTime(deadline) + PollInterval > wait)
            {
                return results;
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The door's answer for the version sent, from its reported state (the device side's ConfigShadow contract):
    /// <c>config_version</c> is the desired version it applied, <c>config_refused_version</c> and <c>config_error</c>
    /// the version it refused and why, <c>pending_restart</c> the keys that wait for a restart.
    /// </summary>
    internal static FleetDeviceResult Read(FleetDeviceResult sent, JsonObject? reported)
    {
        var applied = Long(reported?["config_version"]);
        var refused = Long(reported?["config_refused_version"]);
        if (sent.DesiredVersion is not { } desired)
        {
            return sent;
        }

        if (refused >= desired && refused >= (applied ?? -1) && reported!["config_error"] is { } error)
        {
            return sent with { Outcome = FleetDeviceOutcome.Refused, ReportedVersion = refused, Detail = Describe(error) };
        }

        if (applied >= desired)
        {
            var detail = reported!["pending_restart"] is JsonArray keys && keys.Count > 0
                ? "applied; waits for a restart: " + Describe(keys)
                : "applied";
            return sent with { Outcome = FleetDeviceOutcome.Accepted, ReportedVersion = applied, Detail = detail };
        }

        return sent with { ReportedVersion = applied, Detail = applied is null ? "no report yet" : $"still on version {applied}" };
    }

    private static long? Long(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    private static string Describe(JsonNode error) => error switch
    {
        JsonArray reasons => string.Join("; ", reasons.Select(r => r is JsonValue s && s.TryGetValue<string>(out var text) ? text : r?.ToJsonString())),
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => error.ToJsonString(),
    };
}

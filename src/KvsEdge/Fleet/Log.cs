using KvsEdge.Cloud;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Fleet;

/// <summary>IoT fleet (cloud side) log messages. Event ids 2050-2099 and event names are frozen.</summary>
internal static partial class Log
{
    [LoggerMessage(2050, LogLevel.Information, "IoT {Resource} {Name}: {Outcome} {Arn}", EventName = "IotStep")]
    public static partial void IotStep(ILogger logger, string resource, string name, CloudOutcome outcome, string? arn);

    [LoggerMessage(2051, LogLevel.Warning, "IoT certificate {CertificateId} removed again: storing or attaching it failed ({Reason})", EventName = "IotCertificateRolledBack")]
    public static partial void IotCertificateRolledBack(ILogger logger, string certificateId, string reason);

    [LoggerMessage(2052, LogLevel.Information, "Desired config shadow of {ThingName} updated to version {Version}", EventName = "FleetConfigSent")]
    public static partial void FleetConfigSent(ILogger logger, string thingName, long version);

    [LoggerMessage(2053, LogLevel.Warning, "Desired config shadow of {ThingName} not updated: {Reason}", EventName = "FleetConfigNotSent")]
    public static partial void FleetConfigNotSent(ILogger logger, string thingName, string reason);

    [LoggerMessage(2060, LogLevel.Information, "Provisioned as thing {ThingName} (certificate {CertificateId}) by template {Template}", EventName = "Provisioned")]
    public static partial void Provisioned(ILogger logger, string thingName, string certificateId, string template);
}

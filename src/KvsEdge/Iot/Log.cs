using Microsoft.Extensions.Logging;

namespace KvsEdge.Iot;

/// <summary>IoT Core device side: event ids 2000–2049.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2000, EventName = "IotConnected", Level = LogLevel.Information,
        Message = "Connected to AWS IoT Core {Endpoint}:{Port} as thing {ThingName}")]
    public static partial void Connected(ILogger logger, string endpoint, int port, string thingName);

    [LoggerMessage(EventId = 2001, EventName = "IotConfigApplied", Level = LogLevel.Information,
        Message = "Configuration from the config shadow (version {Version}) applied")]
    public static partial void Applied(ILogger logger, long version);

    [LoggerMessage(EventId = 2002, EventName = "IotConfigRefused", Level = LogLevel.Error,
        Message = "Configuration from the config shadow (version {Version}) refused; the running configuration stays: {Errors}")]
    public static partial void Refused(ILogger logger, long version, string errors);

    [LoggerMessage(EventId = 2003, EventName = "IotConfigStale", Level = LogLevel.Information,
        Message = "Config shadow version {Version} ignored: version {Seen} was already judged")]
    public static partial void StaleIgnored(ILogger logger, long version, long seen);

    [LoggerMessage(EventId = 2004, EventName = "IotConfigDeferred", Level = LogLevel.Warning,
        Message = "{Key} changed in the config shadow; it widens or narrows the replay window and takes effect only after a restart")]
    public static partial void Deferred(ILogger logger, string key);

    [LoggerMessage(EventId = 2005, EventName = "IotConfigLastGoodLoaded", Level = LogLevel.Information,
        Message = "Last-good shadow configuration {Path} (version {Version}) loaded")]
    public static partial void LastGoodLoaded(ILogger logger, string path, long version);

    [LoggerMessage(EventId = 2006, EventName = "IotConfigLastGoodIgnored", Level = LogLevel.Error,
        Message = "Last-good shadow configuration {Path} ignored, the file alone rules: {Reason}")]
    public static partial void LastGoodIgnored(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 2007, EventName = "IotConfigPersistFailed", Level = LogLevel.Error,
        Message = "Could not save the shadow configuration as last-good in {Path}; a restart without the network would use the previous one")]
    public static partial void PersistFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 2008, EventName = "IotConfigUsingLastGood", Level = LogLevel.Information,
        Message = "Using the last-good shadow configuration (version {Version}) until the shadow says otherwise")]
    public static partial void UsingLastGood(ILogger logger, long version);

    [LoggerMessage(EventId = 2009, EventName = "IotShadowRequestRejected", Level = LogLevel.Warning,
        Message = "IoT Core rejected a shadow request ({Topic}): {Code} {Message}")]
    public static partial void ShadowRequestRejected(ILogger logger, string topic, int code, string message);
}

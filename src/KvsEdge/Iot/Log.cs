using Microsoft.Extensions.Logging;

namespace KvsEdge.Iot;

/// <summary>IoT Core device side: event ids 2000–2049.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2000, EventName = "IotConnected", Level = LogLevel.Information,
        Message = "Connected to AWS IoT Core {Endpoint}:{Port} as thing {ThingName}")]
    public static partial void Connected(ILogger logger, string endpoint, int port, string thingName);
}

namespace KvsEdge.Recognition;

/// <summary>Names of recognition sources, as they appear in MQTT payloads.</summary>
public static class RecognitionSources
{
    public const string Kinesis = "kinesis";
    public const string ImageApi = "image-api";
    public const string Replay = "replay";
}

namespace KvsEdge.Vision.BlazeFace;

/// <summary>
/// Where scripts/fetch-models.sh puts the model: ${KVSEDGE_MODEL_CACHE:-$HOME/.cache/kvsedge/models}/blazeface-1.2.0/,
/// with its LICENSE and ORIGIN beside it. The .deb ships the same directory.
/// </summary>
public static class BlazeFaceModel
{
    public const string Version = "1.2.0";
    public const string DirectoryName = "blazeface-" + Version;
    public const string FileName = "face_detection_back_256x256.onnx";

    /// <summary>The cache directory of the model, from KVSEDGE_MODEL_CACHE or the user's home.</summary>
    public static string CacheDirectory() => ModelCache.DirectoryOf(DirectoryName);

    /// <summary>The model file in <see cref="CacheDirectory"/>.</summary>
    public static string CachePath() => Path.Combine(CacheDirectory(), FileName);
}

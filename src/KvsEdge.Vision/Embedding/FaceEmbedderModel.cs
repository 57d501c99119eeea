namespace KvsEdge.Vision.Embedding;

/// <summary>
/// Where scripts/build-face-embedder.sh puts the model: ${KVSEDGE_MODEL_CACHE:-$HOME/.cache/kvsedge/models}/dlib-face-resnet-v1/,
/// with its LICENSE and ORIGIN beside it; the kvsedge-face-embedder package ships the same directory under /usr/share/kvsedge/models.
/// </summary>
public static class FaceEmbedderModel
{
    public const string DirectoryName = "dlib-face-resnet-v1";
    public const string FileName = "dlib_face_recognition_resnet_model_v1.onnx";

    /// <summary>
    /// Where the kvsedge-face-embedder package (Architecture: all, built beside kvsedge by build-arm64.sh; kvsedge only
    /// Suggests it) installs the model: apart from kvsedge, whose .deb it would take over 20 MB.
    /// </summary>
    public const string PackagedPath = "/usr/share/kvsedge/models/" + DirectoryName + "/" + FileName;

    /// <summary>The script that builds the model into the cache.</summary>
    public const string BuildScript = "scripts/build-face-embedder.sh";

    /// <summary>The cache directory of the model, from KVSEDGE_MODEL_CACHE or the user's home.</summary>
    public static string CacheDirectory() => ModelCache.DirectoryOf(DirectoryName);

    /// <summary>The model file in <see cref="CacheDirectory"/>.</summary>
    public static string CachePath() => Path.Combine(CacheDirectory(), FileName);

    /// <summary>The packaged model when installed, else the cache (which may not exist either).</summary>
    public static string DefaultPath() => File.Exists(PackagedPath) ? PackagedPath : CachePath();
}

namespace KvsEdge.Vision;

/// <summary>
/// The cache the model scripts (scripts/fetch-models.sh, scripts/build-face-embedder.sh) fill:
/// ${KVSEDGE_MODEL_CACHE:-$HOME/.cache/kvsedge/models}/&lt;model directory&gt;/.
/// </summary>
public static class ModelCache
{
    /// <summary>The cache directory of one model, from KVSEDGE_MODEL_CACHE or the user's home.</summary>
    public static string DirectoryOf(string modelDirectoryName)
    {
        string? root = Environment.GetEnvironmentVariable("KVSEDGE_MODEL_CACHE");
        if (string.IsNullOrEmpty(root))
        {
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "kvsedge", "models");
        }

        return Path.Combine(root, modelDirectoryName);
    }
}

namespace KvsEdge.TestSupport;

/// <summary>The checkout the tests run from: the first directory above the test binaries that holds KvsEdge.sln.</summary>
public static class RepositoryRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KvsEdge.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"KvsEdge.sln was not found above {AppContext.BaseDirectory}.");
    }
}

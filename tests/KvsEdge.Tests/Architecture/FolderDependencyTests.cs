using System.Text.RegularExpressions;
using KvsEdge.TestSupport;

namespace KvsEdge.Tests.Architecture;

/// <summary>
/// The feature folders of src/KvsEdge depend on each other in one direction only: sources (Recognition, Triggers,
/// Camera) → access (the policy and its value types) → actions → outputs (Door, Status), with Common and Systemd
/// below everything and Hosting and Cli, the composition root, above. Run with
/// <c>dotnet test tests/KvsEdge.Tests --filter FolderDependencyTests</c>; docs/architecture.md shows the picture.
/// </summary>
public sealed partial class FolderDependencyTests
{
    /// <summary>What each folder (namespace KvsEdge.&lt;Folder&gt;) may use besides itself. Keep it acyclic.</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>
    {
        ["Common"] = [],
        ["Systemd"] = ["Common"],
        ["Access"] = ["Common"],
        ["Door"] = ["Common", "Systemd"],
        ["Camera"] = ["Common", "Systemd", "Door"],
        ["Status"] = ["Common", "Systemd", "Access", "Door", "Camera"],
        ["Snapshots"] = ["Common", "Systemd", "Status"],
        ["Actions"] = ["Common", "Systemd", "Access", "Door", "Status", "Snapshots"],
        ["Triggers"] = ["Common", "Systemd", "Door", "Camera", "Status"],
        ["Recognition"] = ["Common", "Systemd", "Access", "Actions", "Door", "Camera", "Status", "Triggers", "Snapshots", "Offline"],
        ["Vision"] = ["Common", "Systemd", "Door", "Camera", "Status", "Triggers"],
        ["Cloud"] = ["Common", "Access", "Recognition"],
        ["Iot"] = ["Common", "Systemd", "Access", "Door", "Camera", "Status", "Recognition"],
        ["Fleet"] = ["Common", "Access", "Door", "Status", "Cloud", "Iot"],
        ["Demo"] = ["Common"],
        // Vision: the KvsEdge.Vision project (detector, embedder), whose namespaces this rule cannot tell from the folder.
        ["Offline"] = ["Common", "Access", "Vision"],
        ["Hosting"] = ["Common", "Systemd", "Access", "Door", "Camera", "Status", "Actions", "Triggers", "Recognition", "Vision", "Cloud", "Iot", "Demo", "Snapshots", "Offline"],
        ["Cli"] = ["Common", "Systemd", "Access", "Door", "Camera", "Status", "Actions", "Triggers", "Recognition", "Vision", "Cloud", "Iot", "Fleet", "Demo", "Hosting", "Snapshots", "Offline"],
    };

    private static readonly string SourceRoot = Path.Combine(RepositoryRoot.Find(), "src", "KvsEdge");

    [Fact]
    public void Every_folder_uses_only_the_folders_below_it()
    {
        List<string> violations = [];
        foreach (string file in SourceFiles())
        {
            string folder = FolderOf(file);
            if (!Allowed.TryGetValue(folder, out string[]? allowed))
            {
                continue; // Reported by Every_feature_folder_has_a_rule.
            }

            string code = WithoutComments(File.ReadAllText(file));
            foreach (string used in UsedFolders(code).Distinct(StringComparer.Ordinal))
            {
                if (used != folder && Allowed.ContainsKey(used) && !allowed.Contains(used, StringComparer.Ordinal))
                {
                    violations.Add($"{Path.GetRelativePath(SourceRoot, file)} uses KvsEdge.{used}, but {folder} may use only: {string.Join(", ", allowed)}");
                }
            }
        }

        Assert.True(violations.Count == 0, "Dependencies against the direction:\n" + string.Join('\n', violations));
    }

    [Fact]
    public void Every_file_declares_the_namespace_of_its_folder()
    {
        List<string> wrong = [];
        foreach (string file in SourceFiles())
        {
            string folder = FolderOf(file);
            Match ns = NamespaceLine().Match(File.ReadAllText(file));
            string expected = folder.Length == 0 ? "KvsEdge" : $"KvsEdge.{folder}";
            if (ns.Success && ns.Groups[1].Value != expected)
            {
                wrong.Add($"{Path.GetRelativePath(SourceRoot, file)}: namespace {ns.Groups[1].Value}, expected {expected}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public void Every_feature_folder_has_a_rule()
    {
        string[] folders = Directory.GetDirectories(SourceRoot)
            .Select(Path.GetFileName)
            .Where(name => name is not ("bin" or "obj") && Directory.EnumerateFiles(Path.Combine(SourceRoot, name!), "*.cs", SearchOption.AllDirectories).Any())
            .Select(name => name!)
            .ToArray();

        Assert.Empty(folders.Except(Allowed.Keys, StringComparer.Ordinal));
    }

    [Fact]
    public void The_rules_have_no_cycle()
    {
        // Depth-first search: a folder met again on the current path closes a cycle.
        HashSet<string> done = [];
        foreach (string start in Allowed.Keys)
        {
            Visit(start, []);
        }

        void Visit(string folder, List<string> path)
        {
            if (path.Contains(folder, StringComparer.Ordinal))
            {
                Assert.Fail("Cycle: " + string.Join(" → ", path.Append(folder)));
            }

            if (!done.Add(folder))
            {
                return;
            }

            path.Add(folder);
            foreach (string next in Allowed[folder])
            {
                Visit(next, path);
            }

            path.RemoveAt(path.Count - 1);
        }
    }

    [Fact]
    public void The_check_sees_a_dependency_against_the_direction()
    {
        // The scanner itself: a using directive and a qualified name both count; comments do not.
        string code = WithoutComments("""
            using KvsEdge.Status;
            // using KvsEdge.Cli;
            /* KvsEdge.Hosting.KvsEdgeHost */
            var x = new KvsEdge.Recognition.RecognitionStatusReporter();
            """);

        Assert.Equal(["Status", "Recognition"], UsedFolders(code).ToArray());
    }

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(SourceRoot, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string FolderOf(string file)
    {
        string relative = Path.GetRelativePath(SourceRoot, file);
        int slash = relative.IndexOf(Path.DirectorySeparatorChar, StringComparison.Ordinal);
        return slash < 0 ? string.Empty : relative[..slash];
    }

    private static IEnumerable<string> UsedFolders(string code) =>
        FolderReference().Matches(code).Select(match => match.Groups[1].Value);

    private static string WithoutComments(string code) => Comment().Replace(code, string.Empty);

    [GeneratedRegex(@"\bKvsEdge\.([A-Z][A-Za-z]*)\b")]
    private static partial Regex FolderReference();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"^namespace\s+([\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();
}

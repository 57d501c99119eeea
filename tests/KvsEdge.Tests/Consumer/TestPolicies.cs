using KvsEdge.Access;

namespace KvsEdge.Tests.Consumer;

public static class TestPolicies
{
    /// <summary>Default policy with alice on the allow-list at 90 % similarity.</summary>
    public static AccessOptions AliceAllowed()
    {
        var options = new AccessOptions();
        options.People["alice"] = new PersonOptions { MinSimilarity = 90 };
        return options;
    }
}

namespace KvsEdge.Tests.Hosting;

/// <summary>Tests that change process environment variables run alone, never beside another test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentTestGroup
{
    public const string Name = "process environment";
}

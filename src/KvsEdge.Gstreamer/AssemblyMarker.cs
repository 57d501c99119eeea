namespace KvsEdge.Gstreamer;

/// <summary>Placeholder so the project compiles until the binding lands.</summary>
internal static class AssemblyMarker;

namespace KvsEdge.Vision.Detection;

/// <summary>
/// A face detector could not be loaded: the model file is missing, corrupt or not the model expected, or ONNX Runtime's
/// native library (libonnxruntime.so) could not be loaded. The message names the file and what is wrong.
/// </summary>
public sealed class VisionModelException : Exception
{
    public VisionModelException()
    {
    }

    public VisionModelException(string message)
        : base(message)
    {
    }

    public VisionModelException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public VisionModelException(string message, string? modelPath, Exception? innerException = null)
        : base(message, innerException) => ModelPath = modelPath;

    /// <summary>The model file concerned, or null when the failure is ONNX Runtime itself.</summary>
    public string? ModelPath { get; }
}

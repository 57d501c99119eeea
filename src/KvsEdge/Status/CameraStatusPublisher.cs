using KvsEdge.Camera;

namespace KvsEdge.Status;

/// <summary>Publishes the camera supervisor's state as the retained `camera` topic.</summary>
public sealed class CameraStatusPublisher(IStatusPublisher status) : ICameraStatusSink
{
    private readonly IStatusPublisher _status = status ?? throw new ArgumentNullException(nameof(status));

    public void Publish(CameraStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        _status.PublishState("camera", status.ToJson());
    }
}

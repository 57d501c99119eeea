namespace KvsEdge.Camera;

/// <summary>
/// Where the camera supervisor reports its state. The camera knows nothing of MQTT: the Status folder implements this
/// (the retained `camera` topic), so dependencies point from the outputs to the camera, never back.
/// </summary>
public interface ICameraStatusSink
{
    void Publish(CameraStatus status);
}

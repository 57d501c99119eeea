namespace KvsEdge.Camera;

/// <summary>
/// Where the camera supervisor reports its state. The camera knows nothing of MQTT: the Status folder implements this
/// (the retained `camera` topic), so dependencies point from the outputs to the camera, never back.
/// </summary>
public interface ICameraStatusSink
{
    void Publish(CameraStatus status);

    /// <summary>Withdraws the last reported state (the camera is off: a stale retained state must not linger).</summary>
    void Clear();
}

namespace KvsEdge.Vision.Detection;

/// <summary>A head-turn (yaw) estimate from BlazeFace's six keypoints: pure geometry, no model.</summary>
public static class FaceYaw
{
    /// <summary>
    /// Degrees, 0 for a frontal face, towards ±90 as the head turns (sign: positive when the nose moves towards the
    /// image's right). The nose tip's position between the two ear tragions, as a fraction 0-1 of their distance, is
    /// sin(yaw) mapped to 0-1 for a head seen from above as a circle; without usable ears, the eyes stand in for them.
    /// </summary>
    public static float Degrees(IReadOnlyList<PointF> keypoints)
    {
        ArgumentNullException.ThrowIfNull(keypoints);
        if (keypoints.Count < 3)
        {
            return 0;
        }

        PointF nose = keypoints[2];
        (PointF left, PointF right) = keypoints.Count >= 6 && Math.Abs(keypoints[5].X - keypoints[4].X) > 1e-3f
            ? (keypoints[4], keypoints[5]) // right tragion (image left), left tragion (image right)
            : (keypoints[0], keypoints[1]);
        float span = right.X - left.X;
        if (Math.Abs(span) < 1e-3f)
        {
            return 90;
        }

        float t = Math.Clamp((nose.X - left.X) / span, 0, 1);
        return (float)(Math.Asin(2 * t - 1) * 180 / Math.PI);
    }

    /// <summary>1 for a frontal face, 0 in profile: cos(yaw).</summary>
    public static float Frontality(IReadOnlyList<PointF> keypoints) => (float)Math.Cos(Degrees(keypoints) * Math.PI / 180);
}

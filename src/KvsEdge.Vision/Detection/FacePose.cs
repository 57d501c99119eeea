namespace KvsEdge.Vision.Detection;

/// <summary>Head pose estimates from a detection's keypoints (pure; BlazeFace keypoint order, see <see cref="FaceDetection"/>).</summary>
public static class FacePose
{
    private const int RightEye = 0, LeftEye = 1, Nose = 2, RightEar = 4, LeftEar = 5;

    /// <summary>
    /// Yaw in degrees, 0 facing the camera, positive when the nose lies toward the subject's left ear (the image's right
    /// for a face looking at the camera), ±90 in profile. The nose is projected on the ear-to-ear axis, so a tilted
    /// (rolled) head reads the same as an upright one; the eyes are the baseline when the ears coincide.
    /// Null when there are fewer than six keypoints or both baselines are degenerate.
    /// </summary>
    public static float? EstimateYawDegrees(IReadOnlyList<PointF> keypoints)
    {
        ArgumentNullException.ThrowIfNull(keypoints);
        if (keypoints.Count < 6)
        {
            return null;
        }

        PointF nose = keypoints[Nose];
        float? offset = NoseOffset(keypoints[RightEar], keypoints[LeftEar], nose)
            ?? NoseOffset(keypoints[RightEye], keypoints[LeftEye], nose);
        if (offset is not { } r)
        {
            return null;
        }

        // r is sin(yaw) for a nose on a circle through the ears, the usual weak-perspective approximation.
        return MathF.Asin(Math.Clamp(r, -1f, 1f)) * (180f / MathF.PI);
    }

    /// <summary>1 for a frontal face, falling to 0 in profile (cosine of the yaw); 0 when the yaw cannot be estimated.</summary>
    public static float Frontality(IReadOnlyList<PointF> keypoints) =>
        EstimateYawDegrees(keypoints) is { } yaw ? MathF.Cos(yaw * (MathF.PI / 180f)) : 0f;

    // The nose's signed distance from the baseline's midpoint along the baseline, in half-baselines.
    private static float? NoseOffset(PointF right, PointF left, PointF nose)
    {
        float ax = left.X - right.X, ay = left.Y - right.Y;
        float half = MathF.Sqrt((ax * ax) + (ay * ay)) / 2;
        if (half < 1e-3f)
        {
            return null;
        }

        float mx = (left.X + right.X) / 2, my = (left.Y + right.Y) / 2;
        return (((nose.X - mx) * ax) + ((nose.Y - my) * ay)) / (2 * half) / half;
    }
}

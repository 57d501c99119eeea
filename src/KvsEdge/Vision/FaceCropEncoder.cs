using KvsEdge.Camera;
using KvsEdge.Gstreamer;

namespace KvsEdge.Vision;

/// <summary>One full-resolution raw frame of the camera (I420, as the vision branch delivers it).</summary>
/// <param name="CapturedAt">When the frame reached its appsink (never later): the frame time the access policy ages.</param>
public sealed record RawFrame(byte[] Pixels, int Width, int Height, string Format, DateTimeOffset CapturedAt);

/// <summary>Cuts a face out of a full-resolution frame and encodes it as JPEG.</summary>
public interface IFaceCropEncoder
{
    /// <summary>The crop as JPEG (at least 80 px a side), or null when it could not be made (the reason is logged by the caller).</summary>
    JpegFrame? Encode(RawFrame frame, CropPlan plan);
}

/// <summary>
/// GStreamer does the work (no image library): `appsrc ! videocrop ! videoscale ! jpegenc ! appsink`, one short pipeline
/// per crop. Crops are made only for faces that start a search, a few a minute at most, so a pipeline each is cheap.
/// </summary>
public sealed class GstreamerFaceCropEncoder : IFaceCropEncoder
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public JpegFrame? Encode(RawFrame frame, CropPlan plan)
    {
        ArgumentNullException.ThrowIfNull(frame);
        string description = FormattableString.Invariant(
            $"appsrc name=src format=time caps=\"video/x-raw,format={frame.Format},width={frame.Width},height={frame.Height},framerate=0/1\" ! ")
            + FormattableString.Invariant($"videocrop left={plan.Left} top={plan.Top} right={frame.Width - plan.Left - plan.Width} bottom={frame.Height - plan.Top - plan.Height} ! ")
            + FormattableString.Invariant($"videoscale ! videoconvert ! video/x-raw,width={plan.OutputWidth},height={plan.OutputHeight},pixel-aspect-ratio=1/1 ! ")
            + "jpegenc quality=90 ! appsink name=out sync=false";
        using Pipeline pipeline = Pipeline.Parse(description);
        using AppSrc src = pipeline.GetAppSrc("src");
        using AppSink sink = pipeline.GetAppSink("out");
        pipeline.SetState(PipelineState.Playing);
        if (!src.Push(frame.Pixels))
        {
            return null;
        }

        src.EndOfStream();
        using Sample? sample = sink.TryPullSample(Timeout);
        return sample is null ? null : new JpegFrame(sample.ToArray(), sample.Width ?? plan.OutputWidth, sample.Height ?? plan.OutputHeight, frame.CapturedAt);
    }
}

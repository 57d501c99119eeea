using System.Globalization;
using KvsEdge.Gstreamer;

namespace KvsEdge.Camera;

/// <summary>
/// One branch off the raw video that ends in an appsink: frames scaled to <see cref="Width"/>×<see cref="Height"/> at
/// <see cref="Rate"/> fps, converted to <see cref="Format"/> (null: whatever the next element takes) and optionally
/// encoded (<see cref="Encoder"/>, e.g. JPEG). The builder adds one per registration; it knows none of them by name.
/// </summary>
/// <param name="Name">The appsink's element name (unique in the pipeline), e.g. `tap`, `motion`, `detect`.</param>
/// <param name="RequiredBy">The setting that asked for it, named in the error when an element is missing.</param>
public sealed record FrameBranch(string Name, string? Format, int Width, int Height, int Rate, string RequiredBy)
{
    /// <summary>An encoder element with its properties between the caps and the appsink (e.g. `jpegenc quality=85`).</summary>
    public string? Encoder { get; init; }

    /// <summary>
    /// Scale the whole frame into Width×Height with square pixels, centred between borders (videoscale add-borders), as a
    /// detector's fixed input wants it, instead of stretching it.
    /// </summary>
    public bool Letterbox { get; init; }

    /// <summary>GStreamer elements the branch needs, in the order they are checked.</summary>
    public IReadOnlyList<string> Elements =>
        Encoder is null ? ["videorate", "videoscale", "appsink"] : ["videorate", "videoscale", Encoder.Split(' ')[0], "appsink"];

    /// <summary>The caps the appsink receives (before the encoder, if any).</summary>
    public string Caps => string.Create(
        CultureInfo.InvariantCulture,
        $"video/x-raw{(Format is null ? string.Empty : ",format=" + Format)},width={Width},height={Height}{(Letterbox ? ",pixel-aspect-ratio=1/1" : string.Empty)},framerate={Rate}/1");

    /// <summary>The branch's part of the description, starting with a space (appended after the main chain).</summary>
    internal string Describe()
    {
        // A leaky one-buffer queue: a slow consumer drops frames instead of stalling the camera or the other branches.
        string encoder = Encoder is null ? string.Empty : " ! " + Encoder;
        return " raw. ! queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 ! videorate ! " + (Letterbox ? "videoscale add-borders=true" : "videoscale") + " ! videoconvert ! "
            + Caps + encoder + " ! appsink name=" + Name
            // wait-on-eos=false: nobody may be pulling, and a stop (EOS) must not wait for the branch.
            + " drop=true max-buffers=1 sync=false emit-signals=false wait-on-eos=false";
    }

    /// <summary>The JPEG tap for the image API (`Camera:FrameTap`).</summary>
    public static FrameBranch Jpeg(FrameTapOptions tap)
    {
        ArgumentNullException.ThrowIfNull(tap);
        return new FrameBranch(PipelineDescription.TapName, null, tap.Width, tap.Height, tap.Rate, $"{CameraOptions.SectionName}:FrameTap")
        {
            Encoder = "jpegenc quality=85",
        };
    }

    /// <summary>Small grayscale frames for motion (`Triggers:Motion`): differencing 160x120 in managed code costs almost nothing.</summary>
    public static FrameBranch Motion(MotionTapRequest motion)
    {
        ArgumentNullException.ThrowIfNull(motion);
        return new FrameBranch(PipelineDescription.MotionTapName, "GRAY8", motion.Width, motion.Height, motion.Rate, "Triggers:Motion");
    }
}

/// <summary>What receives a branch's frames: the supervisor attaches the appsink while a pipeline plays and detaches it before disposal.</summary>
public interface IFrameBranchConsumer
{
    /// <param name="arrivals">A buffer probe on the appsink's sink pad: when each frame arrived (capture time).</param>
    void Attach(AppSink sink, BufferCounter arrivals);

    /// <summary>Forgets the sink; must wait for a pull in flight, the pipeline is disposed right after.</summary>
    void Detach();
}

/// <summary>A frame branch and its consumer. Register one in DI (singleton) and the camera pipeline grows that branch.</summary>
public sealed record FrameBranchRegistration(FrameBranch Branch, IFrameBranchConsumer Consumer);

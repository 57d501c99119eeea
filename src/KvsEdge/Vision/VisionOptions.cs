using KvsEdge.Triggers;
using KvsEdge.Vision.BlazeFace;

namespace KvsEdge.Vision;

/// <summary>The `Vision` section: on-device face detection in front of the image API (docs/vision.md).</summary>
public sealed class VisionOptions
{
    public const string SectionName = "Vision";

    /// <summary>The packaged model (the .deb installs it with its licence).</summary>
    public const string PackagedModelPath = "/usr/share/kvsedge/models/" + BlazeFaceModel.DirectoryName + "/" + BlazeFaceModel.FileName;

    /// <summary>Off by default: ONNX Runtime is loaded only when this is on.</summary>
    public bool Enabled { get; set; }

    /// <summary>Detections per second (the RGB branch's frame rate).</summary>
    public int Rate { get; set; } = 5;

    /// <summary>The smaller side of a face box, in pixels of the camera frame, below which a face is ignored.</summary>
    public int MinFaceSize { get; set; } = 80;

    /// <summary>The detector's score (0-1) below which a face is ignored.</summary>
    public double MinScore { get; set; } = Math.Round(BlazeFaceDetector.DefaultMinScore, 2);

    /// <summary>The part of the frame watched, as ratios 0-1 (the same shape as `Triggers:Motion:Region`); a face counts when its centre is inside.</summary>
    public MotionRegion Region { get; set; } = new();

    /// <summary>The ONNX model; null: the packaged one, then the developer cache `scripts/fetch-models.sh` fills.</summary>
    public string? ModelPath { get; set; }

    /// <summary>A face must be seen in this many of the last <see cref="ConfirmOutOf"/> detections to start a search (K of M).</summary>
    public int ConfirmRequired { get; set; } = 2;

    /// <summary>M of K of M.</summary>
    public int ConfirmOutOf { get; set; } = 3;

    /// <summary>Boxes of two detections overlapping at least this much (intersection over union) are the same face.</summary>
    public double TrackOverlap { get; set; } = 0.3;

    /// <summary>A face tracked this long after its search starts no new one (one person at the door, one search).</summary>
    public TimeSpan TrackCooldown { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A track not seen for this long is forgotten: the next face there is a new person.</summary>
    public TimeSpan TrackTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The frames a search chooses its best frame from: the track's detections within this window before it confirmed.</summary>
    public TimeSpan SearchWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Margin around the face box in each crop, as a fraction of the box's larger side on each side.</summary>
    public double CropMargin { get; set; } = 0.3;
}

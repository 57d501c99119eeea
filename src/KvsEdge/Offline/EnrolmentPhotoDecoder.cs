using KvsEdge.Gstreamer;

namespace KvsEdge.Offline;

/// <summary>A photo decoded to RGB24: rows <paramref name="Stride"/> bytes apart.</summary>
public sealed record RgbPhoto(byte[] Pixels, int Width, int Height, int Stride);

/// <summary>The photo cannot be decoded; the message says why.</summary>
public sealed class PhotoDecodeException(string message) : Exception(message);

/// <summary>Turns an enrolment photo's bytes (JPEG or PNG) into RGB24.</summary>
public interface IEnrolmentPhotoDecoder
{
    /// <exception cref="PhotoDecodeException">Not a picture GStreamer can decode.</exception>
    RgbPhoto Decode(byte[] content);
}

/// <summary>
/// GStreamer in-process (no image library, nothing written to disk): `appsrc ! decodebin ! videoflip auto ! videoconvert
/// ! RGB ! appsink`. videoflip turns the picture upright when the decoder reports an image-orientation tag (not every
/// JPEG decoder does: a sideways photo may still be refused as having no face, never enrolled wrongly).
/// </summary>
public sealed class GstreamerEnrolmentPhotoDecoder : IEnrolmentPhotoDecoder
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    // A file GStreamer cannot decode posts an error and never reaches the appsink: look at the bus between short pulls
    // rather than wait out the whole timeout.
    private static readonly TimeSpan PullSlice = TimeSpan.FromMilliseconds(100);

    public const string DefaultDescription =
        "appsrc name=src ! decodebin ! videoflip video-direction=auto ! videoconvert ! video/x-raw,format=RGB ! appsink name=rgb sync=false max-buffers=1";

    private readonly string _description;

    public GstreamerEnrolmentPhotoDecoder(string description = DefaultDescription)
    {
        _description = description;
    }

    public RgbPhoto Decode(byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        Pipeline parsed;
        try
        {
            parsed = Pipeline.Parse(_description);
        }
        catch (GstreamerException ex)
        {
            // A GStreamer plugin missing on the device (videoflip is in plugins-good): the photo is refused with the
            // reason, not the command ended by a stack trace.
            throw new PhotoDecodeException($"GStreamer cannot build the photo decoder ({ex.Message}); install the GStreamer plugins the kvsedge package depends on");
        }

        using Pipeline pipeline = parsed;
        using AppSrc src = pipeline.GetAppSrc("src");
        using AppSink sink = pipeline.GetAppSink("rgb");
        var bus = pipeline.CreateBusReader();
        try
        {
            if (pipeline.SetState(PipelineState.Playing) == StateChangeResult.Failure)
            {
                throw new PhotoDecodeException(FirstError(bus) ?? "GStreamer refused to start decoding it");
            }

            if (!src.Push(content))
            {
                throw new PhotoDecodeException("GStreamer did not accept its bytes");
            }

            src.EndOfStream();
            using Sample sample = Pull(sink, bus);
            if (sample is not { Format: "RGB", Width: int width, Height: int height, Stride: int stride } || sample.Size < stride * height)
            {
                throw new PhotoDecodeException("GStreamer decoded no RGB picture from it");
            }

            return new RgbPhoto(sample.ToArray(), width, height, stride);
        }
        finally
        {
            pipeline.SetState(PipelineState.Null);
            bus.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static Sample Pull(AppSink sink, BusReader bus)
    {
        long deadline = Environment.TickCount64 + (long)Timeout.TotalMilliseconds;
        while (true)
        {
            if (sink.TryPullSample(PullSlice) is { } sample)
            {
                return sample;
            }

            while (bus.Messages.TryRead(out BusMessage? message))
            {
                if (message.Type == BusMessageType.Error)
                {
                    throw new PhotoDecodeException(message.Text ?? "GStreamer reported an error");
                }

                if (message.Type == BusMessageType.EndOfStream)
                {
                    throw new PhotoDecodeException("GStreamer decoded no picture from it");
                }
            }

            if (Environment.TickCount64 > deadline)
            {
                throw new PhotoDecodeException("GStreamer decoded no picture from it in 30 s");
            }
        }
    }

    private static string? FirstError(BusReader bus)
    {
        while (bus.Messages.TryRead(out BusMessage? message))
        {
            if (message.Type == BusMessageType.Error)
            {
                return message.Text;
            }
        }

        return null;
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using KvsEdge.Gstreamer;
using KvsEdge.Hosting;
using KvsEdge.Vision.BlazeFace;
using KvsEdge.Vision.Detection;
using Microsoft.Extensions.Configuration;

namespace KvsEdge.Cli;

/// <summary>`kvsedge vision detect PHOTO [--json]`: the on-device face detector on one photo, decoded by GStreamer.</summary>
public static class VisionCommands
{
    /// <summary>Where the .deb installs the model (packaging/); the fetch script's cache is the fallback for a checkout.</summary>
    public const string PackagedModelPath = "/usr/share/kvsedge/models/" + BlazeFaceModel.DirectoryName + "/" + BlazeFaceModel.FileName;

    private static readonly TimeSpan DecodeTimeout = TimeSpan.FromSeconds(30);

    public static void AddTo(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        Option<FileInfo?> config = KvsEdgeCommands.ConfigOption();
        var photo = new Argument<FileInfo>("PHOTO") { Description = "An image file GStreamer can decode (JPEG, PNG, ...)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var model = new Option<FileInfo?>("--model") { Description = "The BlazeFace ONNX model (default: Vision:ModelPath, the packaged model, then the scripts/fetch-models.sh cache)." };
        var detect = new Command("detect", "Find faces in a photo with the on-device detector and print each box, score and yaw.") { photo, json, model, config };
        detect.SetAction((parse, _) => DetectAsync(
            parse.GetValue(photo)!.FullName, parse.GetValue(json), parse.GetValue(model)?.FullName, parse.GetValue(config)?.FullName, Console.Out, Console.Error));
        var vision = new Command("vision", "On-device face detection.");
        vision.Subcommands.Add(detect);
        root.Subcommands.Add(vision);
    }

    public static async Task<int> DetectAsync(string photo, bool json, string? modelPath, string? configFile, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string model;
        try
        {
            model = ResolveModel(modelPath, configFile);
        }
        catch (Exception ex) when (ConfigurationErrors.TryReport(ex, error))
        {
            return ExitCodes.Config;
        }

        DecodedPhoto decoded;
        try
        {
            decoded = await DecodeRgbAsync(photo).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is GstreamerException or PhotoException or DllNotFoundException)
        {
            error.WriteLine($"error: cannot read the photo {photo}: {ex.Message}");
            return ExitCodes.Failure;
        }

        IReadOnlyList<FaceDetection> faces;
        try
        {
            // ONNX Runtime's native library is loaded here, and only here or with Vision:Enabled: nowhere else.
            using BlazeFaceDetector detector = BlazeFaceDetector.Load(model);
            faces = detector.Detect(new RgbImage(decoded.Pixels, decoded.Width, decoded.Height, decoded.Stride), BlazeFaceDetector.DefaultMinScore);
        }
        catch (VisionModelException ex)
        {
            error.WriteLine($"error: {ex.Message}");
            return ExitCodes.Config;
        }

        output.Write(json ? Json(photo, decoded, faces) : Text(photo, decoded, faces));
        return ExitCodes.Ok;
    }

    /// <summary>--model, else Vision:ModelPath from the configuration, else the packaged model, else the fetch script's cache.</summary>
    internal static string ResolveModel(string? modelPath, string? configFile)
    {
        if (!string.IsNullOrWhiteSpace(modelPath))
        {
            return modelPath;
        }

        IConfigurationRoot configuration = new ConfigurationBuilder().AddKvsEdgeSources(configFile).Build();
        if (configuration["Vision:ModelPath"] is { Length: > 0 } configured)
        {
            return configured;
        }

        return File.Exists(PackagedModelPath) ? PackagedModelPath : BlazeFaceModel.CachePath();
    }

    private sealed record DecodedPhoto(byte[] Pixels, int Width, int Height, int Stride);

    private sealed class PhotoException(string message) : Exception(message);

    /// <summary>Decodes the first picture of <paramref name="photo"/> to RGB24 with GStreamer (no image library).</summary>
    private static async Task<DecodedPhoto> DecodeRgbAsync(string photo)
    {
        if (!File.Exists(photo))
        {
            throw new PhotoException("no such file");
        }

        using Pipeline pipeline = Pipeline.Parse(
            "filesrc location=" + QuoteAlways(photo) + " ! decodebin ! videoconvert ! video/x-raw,format=RGB ! appsink name=rgb sync=false max-buffers=1");
        using AppSink sink = pipeline.GetAppSink("rgb");
        await using BusReader bus = pipeline.CreateBusReader();
        if (pipeline.SetState(PipelineState.Playing) == StateChangeResult.Failure)
        {
            throw new PhotoException(await FirstErrorAsync(bus).ConfigureAwait(false) ?? "GStreamer refused to start decoding it");
        }

        using Sample? sample = sink.TryPullSample(DecodeTimeout);
        if (sample is not { Width: int width, Height: int height, Stride: int stride })
        {
            throw new PhotoException(await FirstErrorAsync(bus).ConfigureAwait(false) ?? "GStreamer decoded no picture from it");
        }

        return new DecodedPhoto(sample.ToArray(), width, height, stride);
    }

    private static async Task<string?> FirstErrorAsync(BusReader bus)
    {
        // The error is posted before the appsink gives up; give the bus thread a moment to copy it out.
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await foreach (BusMessage m in bus.Messages.ReadAllAsync(wait.Token).ConfigureAwait(false))
            {
                if (m.Type == BusMessageType.Error)
                {
                    return m.Text;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // No error came.
        }

        return null;
    }

    private static string Text(string photo, DecodedPhoto decoded, IReadOnlyList<FaceDetection> faces)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"{photo}: {decoded.Width}x{decoded.Height}, {faces.Count} face{(faces.Count == 1 ? string.Empty : "s")}").AppendLine();
        for (int i = 0; i < faces.Count; i++)
        {
            FaceDetection f = faces[i];
            float? yaw = FacePose.EstimateYawDegrees(f.Keypoints);
            s.Append(CultureInfo.InvariantCulture, $"  face {i + 1}: box x={f.Box.X:0} y={f.Box.Y:0} w={f.Box.Width:0} h={f.Box.Height:0}  score {f.Score:0.000}  yaw {(yaw is float y ? y.ToString("+0;-0;0", CultureInfo.InvariantCulture) + "°" : "?")}")
                .AppendLine();
        }

        return s.ToString();
    }

    private static string Json(string photo, DecodedPhoto decoded, IReadOnlyList<FaceDetection> faces)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("photo", photo);
            w.WriteNumber("width", decoded.Width);
            w.WriteNumber("height", decoded.Height);
            w.WriteStartArray("faces");
            foreach (FaceDetection f in faces)
            {
                w.WriteStartObject();
                w.WriteStartObject("box");
                w.WriteNumber("x", Math.Round(f.Box.X, 1));
                w.WriteNumber("y", Math.Round(f.Box.Y, 1));
                w.WriteNumber("width", Math.Round(f.Box.Width, 1));
                w.WriteNumber("height", Math.Round(f.Box.Height, 1));
                w.WriteEndObject();
                w.WriteNumber("score", Math.Round(f.Score, 4));
                if (FacePose.EstimateYawDegrees(f.Keypoints) is float yaw)
                {
                    w.WriteNumber("yaw", Math.Round(yaw, 1));
                }
                else
                {
                    w.WriteNull("yaw");
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + Environment.NewLine;
    }

    private static string QuoteAlways(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsEdge.Recognition;

/// <summary>
/// Plays a file of stream-processor records through the same parser, policy, door and MQTT path as Kinesis.
/// Each entry's frame time is shifted to "now minus ageSeconds" when it is played, so the demo shows fresh,
/// stale and duplicate records exactly as the live path would see them.
/// </summary>
/// <remarks>
/// File format: a JSON array of entries <c>{ "label": "...", "delay": "00:00:02", "ageSeconds": 0.4,
/// "record": { documented record } }</c>, or <c>{ "label": "...", "delay": "...", "repeatPrevious": true }</c>
/// to send the previous record's exact bytes again (a Kinesis redelivery), or <c>"raw": "text"</c> for a
/// record that is not valid JSON.
/// </remarks>
public sealed partial class ReplayFaceMatchSource : BackgroundService
{
    private readonly ReplaySourceOptions _options;
    private readonly FaceSearchRecordHandler _handler;
    private readonly RecognitionStatusReporter _reporter;
    private readonly TimeProvider _time;
    private readonly ILogger<ReplayFaceMatchSource> _logger;

    public ReplayFaceMatchSource(
        IOptions<RecognitionOptions> options,
        FaceSearchRecordHandler handler,
        RecognitionStatusReporter reporter,
        TimeProvider time,
        ILogger<ReplayFaceMatchSource> logger)
    {
        _options = options.Value.Replay;
        _handler = handler;
        _reporter = reporter;
        _time = time;
        _logger = logger;
    }

    /// <summary>The bundled demo file beside the binary.</summary>
    public static string DefaultFile => Path.Combine(AppContext.BaseDirectory, "Demo", "demo-records.json");

    /// <summary>Completes when a non-looping replay has played every entry (the demo's --once waits on it).</summary>
    public Task Completion => _completion.Task;

    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string file = string.IsNullOrEmpty(_options.File) ? DefaultFile : _options.File;
        try
        {
            IReadOnlyList<ReplayEntry> entries = Load(file);
            _reporter.Report(RecognitionSources.Replay, "running");
            int round = 0;
            do
            {
                round++;
                byte[]? previous = null;
                for (int i = 0; i < entries.Count; i++)
                {
                    ReplayEntry entry = entries[i];
                    if (entry.Delay > TimeSpan.Zero)
                    {
                        await Task.Delay(entry.Delay, _time, stoppingToken).ConfigureAwait(false);
                    }

                    byte[] bytes = entry.RepeatPrevious && previous is not null ? previous : entry.Render(_time.GetUtcNow());
                    previous = bytes;
                    string context = string.Create(CultureInfo.InvariantCulture, $"replay#{round}.{i + 1} {entry.Label}");
                    Log.Replaying(_logger, context);
                    RecordOutcome outcome = await _handler.HandleAsync(bytes, RecognitionSources.Replay, context, stoppingToken).ConfigureAwait(false);
                    _reporter.ShardProgress(RecognitionSources.Replay, "replay", 0, outcome.FrameTime);
                }

                if (_options.Loop)
                {
                    await Task.Delay(_options.LoopDelay, _time, stoppingToken).ConfigureAwait(false);
                }
            }
            while (_options.Loop && !stoppingToken.IsCancellationRequested);

            // A played-out file is finished, not hung: the watchdog stops counting a `stopped` source.
            _reporter.Report(RecognitionSources.Replay, "stopped");
            _completion.TrySetResult();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _completion.TrySetCanceled(stoppingToken);
        }
        catch (Exception ex) when (ex is IOException or JsonException or FormatException or InvalidDataException)
        {
            Log.ReplayFileInvalid(_logger, file, ex.Message);
            _reporter.Report(RecognitionSources.Replay, "error", ex.Message);
            _completion.TrySetException(ex);
        }
    }

    /// <summary>Reads and checks a replay file; errors name the entry that is wrong.</summary>
    public static IReadOnlyList<ReplayEntry> Load(string file)
    {
        JsonNode? root = JsonNode.Parse(File.ReadAllBytes(file));
        if (root is not JsonArray array)
        {
            throw new InvalidDataException($"{file}: the replay file must hold a JSON array of entries.");
        }

        var entries = new List<ReplayEntry>(array.Count);
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject item)
            {
                throw new InvalidDataException($"{file}: entry {i + 1} is not an object.");
            }

            string label = item["label"]?.GetValue<string>() ?? $"entry {i + 1}";
            TimeSpan delay = item["delay"] is { } d ? TimeSpan.Parse(d.GetValue<string>(), CultureInfo.InvariantCulture) : TimeSpan.Zero;
            bool repeat = item["repeatPrevious"]?.GetValue<bool>() ?? false;
            double age = item["ageSeconds"]?.GetValue<double>() ?? 0;
            JsonObject? record = item["record"] as JsonObject;
            string? raw = item["raw"]?.GetValue<string>();
            if (!repeat && record is null && raw is null)
            {
                throw new InvalidDataException($"{file}: entry {i + 1} ({label}) needs 'record', 'raw' or 'repeatPrevious'.");
            }

            if (repeat && i == 0)
            {
                throw new InvalidDataException($"{file}: entry 1 ({label}) cannot repeat a previous record.");
            }

            entries.Add(new ReplayEntry(label, delay, age, repeat, record, raw));
        }

        return entries;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1120, EventName = "Replaying", Level = LogLevel.Debug, Message = "Replaying {Context}")]
        public static partial void Replaying(ILogger logger, string context);

        [LoggerMessage(EventId = 1121, EventName = "ReplayFileInvalid", Level = LogLevel.Error,
            Message = "Cannot replay {File}: {Error}")]
        public static partial void ReplayFileInvalid(ILogger logger, string file, string error);
    }
}

/// <summary>One entry of a replay file.</summary>
public sealed record ReplayEntry(string Label, TimeSpan Delay, double AgeSeconds, bool RepeatPrevious, JsonObject? Record, string? Raw)
{
    /// <summary>The record's bytes with ProducerTimestamp moved so that its frame time is now − AgeSeconds.</summary>
    public byte[] Render(DateTimeOffset now)
    {
        if (Record is null)
        {
            return System.Text.Encoding.UTF8.GetBytes(Raw ?? string.Empty);
        }

        var copy = (JsonObject)Record.DeepClone();
        if (copy["InputInformation"]?["KinesisVideo"] is JsonObject video)
        {
            double offset = video["FrameOffsetInSeconds"]?.GetValue<double>() ?? 0;
            double producer = (now.ToUnixTimeMilliseconds() / 1000.0) - AgeSeconds - offset;
            video["ProducerTimestamp"] = Math.Round(producer, 3);
            video["ServerTimestamp"] = Math.Round(producer + 0.25, 3);
        }

        return JsonSerializer.SerializeToUtf8Bytes(copy, ReplayJsonContext.Default.JsonObject);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
internal sealed partial class ReplayJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

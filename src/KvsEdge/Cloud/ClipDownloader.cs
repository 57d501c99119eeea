using System.Globalization;
using System.Text.RegularExpressions;
using KvsEdge.Aws;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvsEdge.Cloud;

/// <summary>A time range a person typed that cannot be fetched; the message says what is wrong.</summary>
public sealed class ClipRangeException : Exception
{
    public ClipRangeException()
    {
    }

    public ClipRangeException(string message)
        : base(message)
    {
    }

    public ClipRangeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The `clip` range: `--last 1m` or `--from … [--to …]`.</summary>
public static partial class ClipRange
{
    /// <summary>Resolves the options against <paramref name="now"/>.</summary>
    /// <exception cref="ClipRangeException">Missing, conflicting, reversed or future range; unreadable value.</exception>
    public static (DateTimeOffset From, DateTimeOffset To) Resolve(string? last, string? from, string? to, DateTimeOffset now)
    {
        if (last is not null)
        {
            if (from is not null || to is not null)
            {
                throw new ClipRangeException("Give either --last or --from/--to, not both.");
            }

            var span = ParseDuration(last);
            return (now - span, now);
        }

        if (from is null)
        {
            throw new ClipRangeException(to is null
                ? "Say which video to fetch: --last 1m, or --from 2026-11-30T18:00:00Z [--to …]."
                : "--to needs --from.");
        }

        var start = ParseTime(from, "--from");
        var end = to is null ? now : ParseTime(to, "--to");
        if (end <= start)
        {
            throw new ClipRangeException(Invariant($"--to ({end:O}) must be after --from ({start:O})."));
        }

        if (start >= now)
        {
            throw new ClipRangeException(Invariant($"--from ({start:O}) is in the future (now is {now:O}): there is no video yet."));
        }

        return (start, end);
    }

    /// <summary><c>90s</c>, <c>5m</c>, <c>1h30m</c>, <c>2d</c>, or a TimeSpan such as <c>00:05:00</c>.</summary>
    public static TimeSpan ParseDuration(string text, string option = "--last")
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = DurationPattern().Match(text.Trim());
        TimeSpan span;
        if (match.Success && match.Value.Length > 0)
        {
            span = TimeSpan.Zero;
            foreach (Capture capture in match.Groups["part"].Captures)
            {
                var number = double.Parse(capture.Value[..^1], CultureInfo.InvariantCulture);
                span += char.ToLowerInvariant(capture.Value[^1]) switch
                {
                    's' => TimeSpan.FromSeconds(number),
                    'm' => TimeSpan.FromMinutes(number),
                    'h' => TimeSpan.FromHours(number),
                    _ => TimeSpan.FromDays(number),
                };
            }
        }
        else if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out span))
        {
            throw new ClipRangeException($"{option} '{text}' is not a duration: use e.g. 90s, 5m, 1h30m or 00:05:00.");
        }

        return span > TimeSpan.Zero ? span : throw new ClipRangeException($"{option} '{text}' must be longer than zero.");
    }

    private static DateTimeOffset ParseTime(string text, string option) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw new ClipRangeException($"{option} '{text}' is not a time: use ISO 8601, e.g. 2026-11-30T18:00:00Z (no offset means UTC).");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<part>\d+(?:\.\d+)?[smhdSMHD])+$")]
    private static partial Regex DurationPattern();
}

/// <summary>One file of a clip download; <see cref="Bytes"/> is 0 and the file absent when the window had no video.</summary>
public sealed record ClipFile(string Path, DateTimeOffset Start, DateTimeOffset End, long Bytes, bool Written, string? Reason);

/// <summary>
/// `clip`: GetDataEndpoint(GET_CLIP) once, then one GetClip per window. A clip stops at 100 MB or 200 fragments, so a
/// long range is cut into windows (<see cref="ClipWindowPlanner"/>) written to numbered files: door-001.mp4, door-002.mp4.
/// Each file is written beside its final name and renamed when complete, so a failure never leaves a half clip behind.
/// </summary>
public sealed class ClipDownloader(KinesisVideoClient video, AwsRetry retry, ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>The file names the windows will be written to.</summary>
    public static IReadOnlyList<string> FileNames(string output, int count)
    {
        ArgumentException.ThrowIfNullOrEmpty(output);
        if (count == 1)
        {
            return [output];
        }

        var directory = Path.GetDirectoryName(output) ?? string.Empty;
        var stem = Path.GetFileNameWithoutExtension(output);
        var extension = Path.GetExtension(output) is { Length: > 0 } ext ? ext : ".mp4";
        var digits = Math.Max(3, count.ToString(CultureInfo.InvariantCulture).Length);
        return [.. Enumerable.Range(1, count).Select(i =>
            Path.Combine(directory, stem + "-" + i.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0') + extension))];
    }

    /// <param name="onProgress">The window index and the bytes written so far for it.</param>
    /// <param name="onFile">Each file as it completes.</param>
    public async Task<IReadOnlyList<ClipFile>> DownloadAsync(
        string stream,
        IReadOnlyList<ClipWindow> windows,
        string output,
        Action<int, long>? onProgress,
        Action<int, ClipFile>? onFile,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        ArgumentNullException.ThrowIfNull(windows);
        var names = FileNames(output, windows.Count);
        using var archived = await retry.RunAsync(ct => video.CreateArchivedMediaClientAsync(stream, null, ct), cancellationToken)
            .ConfigureAwait(false);
        var files = new List<ClipFile>(windows.Count);
        for (var i = 0; i < windows.Count; i++)
        {
            var index = i;
            var file = await DownloadOneAsync(archived, stream, windows[i], names[i], bytes => onProgress?.Invoke(index, bytes), cancellationToken)
                .ConfigureAwait(false);
            files.Add(file);
            onFile?.Invoke(index, file);
        }

        return files;
    }

    private async Task<ClipFile> DownloadOneAsync(
        KinesisVideoArchivedMediaClient archived,
        string stream,
        ClipWindow window,
        string path,
        Action<long> onProgress,
        CancellationToken cancellationToken)
    {
        var partial = path + ".partial";
        try
        {
            var result = await retry.RunAsync(
                async ct =>
                {
                    // A retried attempt starts the file again from nothing.
                    var destination = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true);
                    await using (destination.ConfigureAwait(false))
                    {
                        return await archived.GetClipAsync(
                            stream, window.Start, window.End, FragmentSelectorType.ProducerTimestamp, destination,
                            new SyncProgress(onProgress), ct).ConfigureAwait(false);
                    }
                },
                cancellationToken).ConfigureAwait(false);
            File.Move(partial, path, overwrite: true);
            Log.ClipWritten(_logger, window.Start, window.End, stream, path, result.BytesWritten);
            return new ClipFile(path, window.Start, window.End, result.BytesWritten, true, null);
        }
        catch (AwsResourceNotFoundException ex)
        {
            // GetClip says ResourceNotFound when the range holds no fragments: the camera was off, not an error.
            File.Delete(partial);
            Log.ClipEmpty(_logger, window.Start, window.End, stream, ex.Message);
            return new ClipFile(path, window.Start, window.End, 0, false, ex.Message);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    /// <summary>Reports on the writing thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}

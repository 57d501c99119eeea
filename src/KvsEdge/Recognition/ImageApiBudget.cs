using System.Globalization;
using System.Text;

using KvsEdge.Common;
namespace KvsEdge.Recognition;

/// <summary>The cost guard's counters, as published in the `recognition` state.</summary>
public sealed record ImageApiBudgetSnapshot(
    int CallsLastMinute,
    int CallsToday,
    int MaxCallsPerMinute,
    int MaxCallsPerDay,
    long TriggersIgnored)
{
    public int RemainingThisMinute => Math.Max(0, MaxCallsPerMinute - CallsLastMinute);

    public int RemainingToday => Math.Max(0, MaxCallsPerDay - CallsToday);

    public bool Exhausted => RemainingThisMinute == 0 || RemainingToday == 0;
}

/// <summary>
/// Caps SearchFacesByImage calls per rolling minute and per UTC day. A call is counted before it is made (a call
/// whose answer is lost still costs money). The day's count is kept in a small file so a restart loop cannot spend
/// the budget again; the minute window lives in memory only.
/// </summary>
public sealed class ImageApiBudget
{
    public const string FileName = "image-api-calls.txt";

    private readonly int _perMinute;
    private readonly int _perDay;
    private readonly TimeProvider _time;
    private readonly string? _file;
    private readonly Queue<long> _lastMinute = new();
    private readonly Lock _gate = new();
    private DateOnly _day;
    private int _today;
    private long _triggersIgnored;

    /// <param name="stateDirectory">Where the day's count is kept; null keeps it in memory only.</param>
    public ImageApiBudget(int maxCallsPerMinute, int maxCallsPerDay, TimeProvider time, string? stateDirectory)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCallsPerMinute, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCallsPerDay, 1);
        _perMinute = maxCallsPerMinute;
        _perDay = maxCallsPerDay;
        _time = time;
        _file = stateDirectory is null ? null : Path.Combine(stateDirectory, FileName);
        _day = Today();
        _today = Load(_file, _day);
    }

    public ImageApiBudgetSnapshot Snapshot
    {
        get
        {
            lock (_gate)
            {
                Roll();
                return new ImageApiBudgetSnapshot(_lastMinute.Count, _today, _perMinute, _perDay, _triggersIgnored);
            }
        }
    }

    /// <summary>Counts one call if both caps allow it; false (and nothing counted) when the budget is spent.</summary>
    public bool TryAcquire()
    {
        lock (_gate)
        {
            Roll();
            if (_lastMinute.Count >= _perMinute || _today >= _perDay)
            {
                return false;
            }

            _lastMinute.Enqueue(_time.GetTimestamp());
            _today++;
            Save();
            return true;
        }
    }

    /// <summary>A trigger arrived while the budget was spent: reported, not acted on.</summary>
    public void TriggerIgnored()
    {
        lock (_gate)
        {
            _triggersIgnored++;
        }
    }

    private void Roll()
    {
        while (_lastMinute.Count > 0 && _time.GetElapsedTime(_lastMinute.Peek()) >= TimeSpan.FromMinutes(1))
        {
            _lastMinute.Dequeue();
        }

        DateOnly today = Today();
        if (today != _day)
        {
            _day = today;
            _today = 0;
        }
    }

    private DateOnly Today() => DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);

    private void Save()
    {
        if (_file is null)
        {
            return;
        }

        try
        {
            DurableFiles.ReplaceAtomically(_file, Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{_day:yyyy-MM-dd} {_today}\n")));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The in-memory count still caps this run; only the carry-over across a restart is lost.
        }
    }

    private static int Load(string? file, DateOnly today)
    {
        try
        {
            if (file is null || !File.Exists(file))
            {
                return 0;
            }

            string[] parts = File.ReadAllText(file).Split(' ', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return parts.Length == 2
                && DateOnly.TryParseExact(parts[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly day)
                && day == today
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count)
                ? count
                : 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}

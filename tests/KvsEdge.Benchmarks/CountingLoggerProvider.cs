using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace KvsEdge.Benchmarks;

/// <summary>
/// Counts the simulated doors' log entries by level and event name, so 200 doors refusing the bench's invalid change
/// make one summary line instead of 200 console lines. Entries from Warning up are also kept (the first few are printed).
/// </summary>
internal sealed class CountingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentDictionary<(LogLevel Level, string Event), int> _counts = new();
    private readonly ConcurrentQueue<string> _samples = new();

    public IReadOnlyDictionary<(LogLevel Level, string Event), int> Counts => _counts;

    public IReadOnlyCollection<string> Samples => _samples;

    public ILogger CreateLogger(string categoryName) => new Counter(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Counter(CountingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string name = eventId.Name ?? eventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            owner._counts.AddOrUpdate((logLevel, name), 1, (_, n) => n + 1);
            if (owner._samples.Count < 200)
            {
                owner._samples.Enqueue($"{logLevel} {category}[{name}] {formatter(state, exception)}");
            }
        }
    }
}

using System.Collections.Concurrent;

namespace Sluice.Monitoring;

/// <summary>
/// The counted error path for input that could not be used (unreadable files, malformed records): counted exactly, kept
/// for inspection, never fatal. The log gets the first few of each batch and one summary line per batch for the rest.
/// </summary>
public sealed class InputErrors
{
    private const int Keep = 100;
    private readonly ConcurrentQueue<string> _recent = new();
    private readonly BatchLogLimiter _log = new("input errors");
    private long _count;

    /// <summary>Errors reported so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>The latest messages (at most 100).</summary>
    public IReadOnlyList<string> Recent => [.. _recent];

    /// <summary>Counts and logs an error from <paramref name="source"/>.</summary>
    public void Report(string source, string message)
    {
        Interlocked.Increment(ref _count);
        string line = $"{source}: {message}";
        _recent.Enqueue(line);
        while (_recent.Count > Keep && _recent.TryDequeue(out _))
        {
        }

        _log.Warn(line);
    }

    /// <summary>A batch completed: one line for the errors of it that were not logged.</summary>
    internal void EndBatch() => _log.EndBatch();
}

using System.Collections.Concurrent;

namespace Sluice.Monitoring;

/// <summary>The counted error path for input that could not be used (unreadable files, malformed records): counted, logged, kept for inspection, never fatal.</summary>
public sealed class InputErrors
{
    private const int Keep = 100;
    private const int LoudErrors = 5;
    private readonly ConcurrentQueue<string> _recent = new();
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

        // The first few are logged loudly; after that the count speaks, and each line goes to the debug log.
        if (Interlocked.Read(ref _count) <= LoudErrors)
        {
            Log.Warn(Interlocked.Read(ref _count) == LoudErrors ? $"{line} (further input errors are counted and logged at debug level)" : line);
        }
        else
        {
            Log.Debug(line);
        }
    }
}

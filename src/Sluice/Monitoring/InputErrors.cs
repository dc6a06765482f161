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
    private long _lostRecords;
    private long _unknownLosses;

    /// <summary>Errors reported so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Records given up so far, where the error could tell how many (a damaged block of a raw socket).</summary>
    public long LostRecords => Interlocked.Read(ref _lostRecords);

    /// <summary>Errors that gave up input without being able to tell how many records it held.</summary>
    public long LossesOfUnknownSize => Interlocked.Read(ref _unknownLosses);

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

    /// <summary>Counts and logs an error that gave up <paramref name="records"/> records of input (-1: a number that could not be told).</summary>
    public void Report(string source, string message, long records)
    {
        if (records >= 0)
        {
            Interlocked.Add(ref _lostRecords, records);
        }
        else
        {
            Interlocked.Increment(ref _unknownLosses);
        }

        Report(source, records >= 0 ? $"{message} ({records} records lost)" : $"{message} (records lost, how many is unknown)");
    }

    /// <summary>A batch completed: one line for the errors of it that were not logged.</summary>
    internal void EndBatch() => _log.EndBatch();
}

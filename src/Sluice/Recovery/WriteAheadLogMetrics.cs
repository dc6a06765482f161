namespace Sluice.Recovery;

/// <summary>What the write-ahead logs of one context have written and synced, for the monitoring (counted per write group, not per record).</summary>
public sealed class WriteAheadLogMetrics
{
    private long _bytes;
    private long _records;
    private long _syncs;
    private long _syncTicks;

    /// <summary>Bytes appended, headers included.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytes);

    /// <summary>Records appended.</summary>
    public long RecordsWritten => Interlocked.Read(ref _records);

    /// <summary>Flushes to the disk (fsync).</summary>
    public long Syncs => Interlocked.Read(ref _syncs);

    /// <summary>Time spent in those flushes.</summary>
    public TimeSpan SyncTime => TimeSpan.FromTicks(Interlocked.Read(ref _syncTicks));

    internal void AddWrite(long bytes, long records)
    {
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Add(ref _records, records);
    }

    internal void AddSync(TimeSpan elapsed)
    {
        Interlocked.Increment(ref _syncs);
        Interlocked.Add(ref _syncTicks, elapsed.Ticks);
    }
}

namespace Sluice.Streaming;

/// <summary>What an event-time stream remembers of one input partition: its largest event time and the last batch that had records from it.</summary>
internal sealed record PartitionMark(long MaxEventTime, long LastRecordBatchMs)
{
    /// <summary>True when the partition has had no records for <paramref name="idleMs"/> (0: never idle) at batch <paramref name="batchMs"/>.</summary>
    public bool IsIdle(long batchMs, long idleMs) => idleMs > 0 && batchMs - LastRecordBatchMs >= idleMs;
}

namespace Sluice.Monitoring;

/// <summary>
/// One input partition's part of an event-time stream's watermark after a batch: the largest event time it has brought,
/// its own watermark (that minus the stream's bound), and whether it is idle (no records for the idle timeout), so that
/// it does not hold the stream's watermark back.
/// </summary>
/// <param name="Partition">The stable key of the partition: <c>input stream id</c>, <c>id/topic-partition</c> for a direct source, <c>id/index</c> otherwise.</param>
/// <param name="MaxEventTimeMs">The largest event time (ms) the partition has brought.</param>
/// <param name="Watermark">The partition's watermark (ms).</param>
/// <param name="Idle">True when the partition has had no records for the idle timeout.</param>
/// <param name="LastRecordBatchMs">The batch time (ms) of the last batch in which the partition had records.</param>
public sealed record PartitionWatermark(string Partition, long MaxEventTimeMs, long Watermark, bool Idle, long LastRecordBatchMs);

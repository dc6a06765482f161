namespace Sluice.Monitoring;

/// <summary>An event-time stream's watermark after a batch (null before any record) and the partitions it is the minimum of.</summary>
/// <param name="StreamId">The id of the event-time stream.</param>
/// <param name="Stream">The stream's name, such as <c>EventTimeDStream[4]</c>.</param>
/// <param name="Watermark">The stream's watermark (ms) after the batch; <see cref="long.MaxValue"/> after the final flush of a graceful stop.</param>
/// <param name="Partitions">Every input partition seen so far, by key.</param>
public sealed record StreamWatermark(int StreamId, string Stream, long? Watermark, IReadOnlyList<PartitionWatermark> Partitions);

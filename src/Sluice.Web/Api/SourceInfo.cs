namespace Sluice.Web.Api;

/// <summary>
/// Sluice's <c>/streaming/sources</c> entry: a direct source as of its newest generated batch — the range of each
/// partition, the records left behind when the batch was planned (lag) and the rate limits that applied.
/// </summary>
public sealed record SourceInfo(
    int StreamId,
    string Source,
    long BatchId,
    string BatchTime,
    long NumRecords,
    long? TotalLag,
    double? MaxRatePerPartition,
    double? EstimatedRate,
    IReadOnlyList<SourcePartitionInfo> Partitions);

/// <summary>One partition of a direct source in its newest batch: the range read and what was left after it (null for a batch re-run after a restart).</summary>
public sealed record SourcePartitionInfo(string Topic, int Partition, long FromOffset, long UntilOffset, long Records, long? Lag);

namespace Sluice.Web.Api;

/// <summary>Sluice's <c>inputs</c> of a batch: one input stream's records in that batch and, for a direct source, the ranges it read.</summary>
public sealed record BatchInputInfo(int StreamId, string Name, long NumRecords, IReadOnlyList<BatchInputRange>? OffsetRanges);

/// <summary>One partition's range [fromOffset, untilOffset) a direct source read for a batch.</summary>
public sealed record BatchInputRange(string Topic, int Partition, long FromOffset, long UntilOffset, long Records);
